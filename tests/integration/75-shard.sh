#!/bin/bash
# 75-shard.sh - shards (issue 16) on the loopback fleet.  --shard K/N
# splits what a pattern selects into N disjoint parts that together are
# the whole, and agrees with the hash computed independently (Python's
# hashlib, as shard.h defines it); bad K/N are usage errors.  4 shards of
# exec, check and run with --out are merged: coverage is checked apart
# from ronda (jq over the shards' run.json against `ronda hosts`), the
# merged summary is the one an unsharded run writes, and the exit code is
# the run's.  A missing shard is named with its hosts (exit 4, and
# --rerun-failed picks them up); a shard given twice, a host in two
# shards, runs of another N or playbook are refused naming both; ronda
# diff compares two merged runs.
source "$(dirname "$0")/../lib.sh"
dir=$("$TOP/tests/fleet/up.sh" -n 24 -t 600) || { t_fail "fleet up"; t_finish; exit 1; }
trap '"$TOP/tests/fleet/down.sh" "$dir" >/dev/null 2>&1' EXIT
source "$dir/fleet.env"
R="$BUILD/ronda"
T=$dir/shard
mkdir -p "$T"
X=(-i "$FLEET_INVENTORY" --known-hosts "$FLEET_KNOWN_HOSTS" --connect-timeout 20 --retries 0)
P='@fleet,closed'	# closed: connection refused, so a run has an unreachable host

# --- which hosts each shard takes ---
"$R" hosts -i "$FLEET_INVENTORY" --list "$P" | sort > "$T/all"
: > "$T/union"
for k in 0 1 2 3; do
	"$R" hosts -i "$FLEET_INVENTORY" --list --shard $k/4 "$P" > "$T/h$k"
	cat "$T/h$k" >> "$T/union"
done
sort "$T/union" -o "$T/union"
[ "$(wc -l < "$T/all")" -eq 25 ] && cmp -s "$T/all" "$T/union" && [ -z "$(uniq -d "$T/union")" ] &&
	[ -s "$T/h0" ] && [ -s "$T/h1" ] && [ -s "$T/h2" ] && [ -s "$T/h3" ] &&
	t_ok "hosts --shard K/4: four disjoint, non-empty parts that make the whole" ||
	t_fail "hosts --shard partition" "$(diff "$T/all" "$T/union" | head -5)"

python3 - "$T" > "$T/py" <<'EOF'
import hashlib, sys
d = sys.argv[1]
def w(n, k):
    return int.from_bytes(hashlib.sha256(hashlib.sha256(n.encode()).digest() + k.to_bytes(4, 'big')).digest()[:8], 'big')
for n in open(d + '/all').read().split():
    print(n, max(range(4), key=lambda k: (w(n, k), -k)))
EOF
for k in 0 1 2 3; do sed "s/\$/ $k/" "$T/h$k"; done | sort > "$T/ours"
sort "$T/py" | cmp -s - "$T/ours" && t_ok "the shards agree with the hash computed apart (Python hashlib)" ||
	t_fail "hash agrees" "$(sort "$T/py" | diff - "$T/ours" | head -5)"

"$R" hosts -i "$FLEET_INVENTORY" --shard 1/4 --list 'node00[1-9]' > "$T/nine" &&
	[ "$(cat "$T/nine")" = "$(grep -E '^node00[1-9]$' "$T/h1")" ] &&
	t_ok "a host keeps its shard whatever else the pattern selects" ||
	t_fail "stable under another pattern" "$(cat "$T/nine")"

bad=""
for s in 4/4 -1/4 1/0 x/4 1 '1/4 ' 0/4097; do
	"$R" hosts -i "$FLEET_INVENTORY" --shard "$s" @fleet > /dev/null 2> "$T/bad.err"; rc=$?
	[ $rc -eq 64 ] && grep -q -- '--shard' "$T/bad.err" || bad="$bad '$s'(rc=$rc)"
done
[ -z "$bad" ] && t_ok "bad K/N (4/4, -1/4, 1/0, x/4, 1, 0/4097) are usage errors naming --shard" ||
	t_fail "bad K/N refused" "$bad"

# --- exec: 4 shards, merged ---
for k in 0 1 2 3; do
	"$R" exec "${X[@]}" --shard $k/4 --out "$T/ex$k" "$P" -- uname -s > /dev/null 2>&1
	echo $? >> "$T/e.rc"
done
"$R" exec "${X[@]}" --out "$T/ewhole" "$P" -- uname -s > /dev/null 2>&1; whole_rc=$?
# coverage, apart from ronda: the shards' host keys are the pattern, each once
jq -r '.hosts | keys[]' "$T"/ex?/*/run.json | sort > "$T/e.keys"
cmp -s "$T/e.keys" "$T/all" && [ -z "$(uniq -d "$T/e.keys")" ] &&
	[ "$(jq -s 'map(.shard.n) | unique' "$T"/ex?/*/run.json -c)" = "[4]" ] &&
	[ "$(jq -s 'map(.shard.k) | sort' "$T"/ex?/*/run.json -c)" = "[0,1,2,3]" ] &&
	t_ok "exec shards: every host of the pattern in exactly one run.json (jq)" ||
	t_fail "exec coverage" "$(diff "$T/e.keys" "$T/all" | head -5)"
"$R" merge "$T/m-e" "$T"/ex?/* > "$T/m-e.out" 2> "$T/m-e.err"; rc=$?
m=$(ls -d "$T"/m-e/*/)
jq -r '.hosts | keys[]' "$m/run.json" | sort > "$T/m-e.keys"
[ $rc -eq 2 ] && [ $whole_rc -eq 2 ] && cmp -s "$T/m-e.keys" "$T/all" &&
	[ "$(jq -c '.shard' "$m/run.json")" = '{"n":4,"merged":[0,1,2,3],"missing":[]}' ] &&
	cmp -s "$m/summary.txt" "$T"/ewhole/*/summary.txt && cmp -s "$T/m-e.out" "$m/summary.txt" &&
	t_ok "exec merged: all 25 hosts, the summary an unsharded run writes, its exit 2" ||
	t_fail "exec merge" "rc=$rc/$whole_rc $(cat "$T/m-e.err") $(diff "$m/summary.txt" "$T"/ewhole/*/summary.txt)"
ok=1
for h in $(grep node "$T/all"); do
	[ "$(cat "$m/hosts/$h.stdout")" = Linux ] && [ "$(cat "$m/hosts/$h.exit")" = 0 ] &&
		jq -e '.status == "ok"' "$m/hosts/$h.json" > /dev/null || { ok=0; echo "bad $h"; }
done
[ $ok = 1 ] && [ -f "$m/hosts/closed.json" ] && [ ! -e "$m/hosts/closed.stdout.x" ] &&
	grep -q '^ronda_exec_hosts{status="ok"} 24$' "$m/ronda.prom" &&
	t_ok "exec merged: each host's stdout, exit and JSON copied; metrics for all" ||
	t_fail "exec merged files" "$(grep ronda_exec_hosts "$m/ronda.prom")"

# --- a missing shard ---
"$R" merge "$T/m-emiss" "$T"/ex[013]/* > "$T/miss.out" 2> "$T/miss.err"; rc=$?
m2=$(ls -d "$T"/m-emiss/*/)
want=$("$R" hosts -i "$FLEET_INVENTORY" --shard 2/4 "$P")
n2=$(wc -l < "$T/h2")
[ $rc -eq 4 ] && grep -qF "shard 2/4 missing: $n2 host(s) not patrolled: $want" "$T/miss.err" &&
	grep -qF "not patrolled (shard 2 missing)" "$m2/summary.txt" &&
	[ "$(jq -r '.hosts | to_entries[] | select(.value.status == "not patrolled") | .key' "$m2/run.json" | sort)" = "$(sort "$T/h2")" ] &&
	[ "$(jq -c '.shard.missing' "$m2/run.json")" = "[2]" ] &&
	t_ok "a missing shard: its $n2 hosts named ($want), exit 4" ||
	t_fail "missing shard" "rc=$rc $(cat "$T/miss.err")"
"$R" hosts -i "$FLEET_INVENTORY" --list --rerun-failed "$m2" "$P" | sort > "$T/again"
(sort "$T/h2"; echo closed) | sort -u | cmp -s - "$T/again" &&
	t_ok "--rerun-failed on the merged run: the missing shard's hosts and the unreachable one" ||
	t_fail "rerun-failed of a merged run" "$(cat "$T/again" | tr '\n' ' ')"

# --- refusals ---
cp -r "$T/ex1" "$T/excopy1"
"$R" merge "$T/edup" "$T"/ex0/* "$T"/ex1/* "$T"/excopy1/* "$T"/ex2/* > /dev/null 2> "$T/dup.err"; rc=$?
[ $rc -eq 78 ] && grep -qF "shard 1/4 is given twice: $(ls -d "$T"/ex1/*) and $(ls -d "$T"/excopy1/*)" "$T/dup.err" &&
	[ -z "$(ls "$T/edup" 2>/dev/null)" ] &&
	t_ok "a shard given twice: refused naming both runs, nothing written" ||
	t_fail "duplicate shard" "rc=$rc $(cat "$T/dup.err")"
mkdir -p "$T/tamper"
cp -r "$T"/ex1/* "$T/tamper/"
tr=$(ls -d "$T"/tamper/*)
h0=$(head -1 "$T/h0")
jq --arg h "$h0" '.hosts[$h] = {"status": "ok", "exit_code": 0, "error": null}' "$tr/run.json" > "$tr/x" && mv "$tr/x" "$tr/run.json"
"$R" merge "$T/etwo" "$T"/ex0/* "$tr" > /dev/null 2> "$T/two.err"; rc=$?
[ $rc -eq 78 ] && grep -qF "host $h0 is in shard 0/4 ($(ls -d "$T"/ex0/*)) and in shard 1/4 ($tr)" "$T/two.err" &&
	t_ok "a host in two shards: refused naming both" || t_fail "host in two shards" "rc=$rc $(cat "$T/two.err")"
"$R" exec "${X[@]}" --shard 1/3 --out "$T/n3" "$P" -- uname -s > /dev/null 2>&1
"$R" merge "$T/en3" "$T"/ex0/* "$T"/n3/* > /dev/null 2> "$T/n3.err"; rc=$?
[ $rc -eq 78 ] && grep -q "is shard 0/4 but .* is shard 1/3: not one run" "$T/n3.err" &&
	t_ok "shards of another N: refused" || t_fail "another N" "rc=$rc $(cat "$T/n3.err")"
"$R" exec "${X[@]}" --shard 1/4 --out "$T/ecmd" "$P" -- uname -r > /dev/null 2>&1
"$R" merge "$T/ecm" "$T"/ex0/* "$T"/ecmd/* > /dev/null 2> "$T/cmd.err"; rc=$?
[ $rc -eq 78 ] && grep -q "not shards of one run: their command differ" "$T/cmd.err" &&
	t_ok "shards of another command: refused" || t_fail "another command" "rc=$rc $(cat "$T/cmd.err")"
"$R" merge "$T/again" "$m" > /dev/null 2> "$T/re.err"; rc=$?
[ $rc -eq 78 ] && grep -q "is a merged run already" "$T/re.err" &&
	t_ok "a merged run is not merged again" || t_fail "merged again" "rc=$rc $(cat "$T/re.err")"

# --- check: 4 shards, merged; the exit and summary of the unsharded run ---
C=(proc:sshd disk:/:100%)
for k in 0 1 2 3; do
	"$R" check "${X[@]}" --shard $k/4 --out "$T/ck$k" "$P" "${C[@]}" > /dev/null 2>&1
done
"$R" check "${X[@]}" --out "$T/cwhole" "$P" "${C[@]}" > /dev/null 2>&1; whole_rc=$?
"$R" merge --prom "$T/c.prom" --html "$T/c.html" "$T/m-c" "$T"/ck?/* > "$T/cm.out" 2> "$T/cm.err"; rc=$?
m=$(ls -d "$T"/m-c/*/)
# values (sshd count, disk use) move between runs: compare verdicts and
# hosts, and of the spread table the task and its host count
cols() { awk '!NF { t = 1 } !t { sub(/  +[^ ]+$/, ""); print } t && NF { print $1, $2 }' "$1"; }
jq -r '.hosts | keys[]' "$T"/ck?/*/run.json | sort > "$T/c.keys"
[ $rc -eq $whole_rc ] && [ $rc -eq 2 ] && cmp -s "$T/c.keys" "$T/all" &&
	[ "$(jq -r '.hosts | keys[]' "$m/run.json" | sort)" = "$(cat "$T/all")" ] &&
	[ "$(cols "$m/summary.txt")" = "$(cols "$T"/cwhole/*/summary.txt)" ] &&
	[ "$(ls "$m/hosts" | wc -l)" -eq 25 ] &&
	[ "$(grep -c '^ronda_host_verdict{' "$m/ronda.prom")" -eq 25 ] &&
	grep -q 'node024' "$m/report.html" && [ "$(grep -v " UTC" "$T/c.html")" = "$(grep -v " UTC" "$m/report.html")" ] &&
	[ "$(grep -vc '_timestamp_seconds' "$T/c.prom")" = "$(grep -vc '_timestamp_seconds' "$m/ronda.prom")" ] &&
	t_ok "check merged: every host once (jq), the unsharded run's summary and exit 2, metrics and page for all (and where --prom, --html say)" ||
	t_fail "check merge" "rc=$rc/$whole_rc $(cat "$T/cm.err") $(diff <(cols "$m/summary.txt") <(cols "$T"/cwhole/*/summary.txt)) $(ls "$m/hosts" | wc -l) $(grep -c '^ronda_host_verdict{' "$m/ronda.prom") $(grep -c node024 "$m/report.html")"

# --- run: two merged runs, then ronda diff ---
book() {
	printf 'name = "d";\ntasks = ( { name = "load"; check = "load"; warn = %s; fail = %s; },\n  { name = "sshd"; check = "process"; comm = "sshd"; min = 1; } );\n' "$2" "$3" > "$1"
}
book "$T/easy.cfg" 999.0 1000.0
book "$T/hard.cfg" 0.0000005 0.000001
for b in easy hard; do
	for k in 0 1 2 3; do
		"$R" run "${X[@]}" --shard $k/4 --out "$T/r$b$k" "$T/$b.cfg" --limit @fleet > /dev/null 2>&1
	done
	"$R" merge "$T/m-r$b" "$T"/r$b?/* > /dev/null 2> "$T/rm$b.err"; echo $? >> "$T/rm.rc"
done
"$R" diff "$T"/m-reasy/* "$T"/m-rhard/* > "$T/d.out" 2>&1; rc=$?
[ "$(cat "$T/rm.rc" | tr '\n' ' ')" = "0 1 " ] && [ $rc -eq 1 ] &&
	grep -qE '^  load +fail +node\[001-024\] \(24\) +was ok$' "$T/d.out" &&
	t_ok "ronda diff of two merged runs: the new failure on node[001-024], exit 1" ||
	t_fail "diff merged" "rc=$rc $(cat "$T/rm.rc" "$T/rmeasy.err" "$T/rmhard.err" "$T/d.out" | head -20)"
"$R" diff "$T"/m-rhard/* "$T"/m-reasy/* > "$T/d2.out" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q '^nothing got worse$' "$T/d2.out" && t_ok "and back: recovered, exit 0" ||
	t_fail "diff back" "rc=$rc $(head -5 "$T/d2.out")"
"$R" merge "$T/rmix" "$T"/reasy0/* "$T"/rhard1/* > /dev/null 2> "$T/mix.err"; rc=$?
[ $rc -eq 78 ] && grep -q "their playbook differ" "$T/mix.err" &&
	t_ok "shards of two playbooks: refused" || t_fail "two playbooks" "rc=$rc $(cat "$T/mix.err")"

# --- an empty shard still writes its run, and merges ---
one=$(head -1 "$T/h3")
for k in 0 1 2 3; do
	"$R" exec "${X[@]}" --shard $k/4 --out "$T/one$k" "$one" -- true > /dev/null 2>&1
done
"$R" merge "$T/m-one" "$T"/one?/* > /dev/null 2> "$T/om.err"; rc=$?
[ $rc -eq 0 ] && [ "$(ls -d "$T"/one?/* | wc -l)" -eq 4 ] &&
	[ "$(jq -r '.hosts | keys[]' "$T"/m-one/*/run.json)" = "$one" ] &&
	t_ok "shards with no host write an empty run; the four merge to the one host" ||
	t_fail "empty shards" "rc=$rc $(cat "$T/om.err") $(ls -d "$T"/one?/*) $(jq -r '.hosts | keys[]' "$T"/m-one/*/run.json)"

t_finish
