#!/bin/bash
# 69-rolling.sh - rolling work (issue 14).  --serial runs batches that do
# not overlap, by the hosts' own clocks: every host of a batch ended before
# any host of the next one started (and without --serial the same measure
# sees them overlap, so it can tell).  --max-fail stops before the next
# batch once more hosts than it allows are not ok, and lists the rest as
# not-started (exit 1); N% forms of both.  --rerun-failed RUNDIR (run:
# --limit @failed:RUNDIR) selects exactly the hosts that were not ok in an
# earlier --out run, for exec, check and run; a bad RUNDIR names its file.
# exec --out writes what check and run write.
source "$(dirname "$0")/../lib.sh"
dir=$("$TOP/tests/fleet/up.sh" -n 20 -t 600) || { t_fail "fleet up"; t_finish; exit 1; }
trap '"$TOP/tests/fleet/down.sh" "$dir" >/dev/null 2>&1' EXIT
source "$dir/fleet.env"
R="$BUILD/ronda"
T=$dir/rolling
mkdir -p "$T"
# the fleet's fault hosts closed (port closed) and garbage (not SSH) are not ok
X=(-i "$FLEET_INVENTORY" --known-hosts "$FLEET_KNOWN_HOSTS" --connect-timeout 10 --retries 0)
ALL='node[001-020]'

# Each host notes its start and end (ns, this machine's clock: the fleet is local).
STAMP='h=${HOME##*/}; date +%s%N > "$1/$h.start"; sleep 0.3; date +%s%N > "$1/$h.end"; echo "$h"'

# Sorted by start, in chunks of 5: "ok" when each chunk's last end comes
# before the next chunk's first start; the chunks' members as hosts.
batches() {
	for f in "$1"/*.start; do
		h=$(basename "$f" .start)
		echo "$(cat "$f") $(cat "$1/$h.end" 2>/dev/null || echo x) $h"
	done | sort -n | awk '
		$2 == "x" { bad = 1 }
		{ k = int((NR - 1) / 5); if (k > 0 && NR % 5 == 1 && $1 <= last) bad = 1
		  if (NR % 5 == 1) maxend = 0
		  if ($2 > maxend) maxend = $2
		  if (NR % 5 == 0) last = maxend
		  m[k] = m[k] (m[k] ? "," : "") $3 }
		END { print (bad ? "overlap" : "ok"); for (i = 0; i in m; i++) print m[i] }'
}

# --- --serial 5: four batches, one after the other ---------------------------
mkdir -p "$T/s5"
"$R" exec "${X[@]}" --serial 5 "$ALL" -c "$STAMP" -- "$T/s5" >"$T/s5.out" 2>"$T/s5.err" </dev/null; rc=$?
got=$(batches "$T/s5" | tr '\n' ' ')
want='ok node001,node002,node003,node004,node005 node006,node007,node008,node009,node010 node011,node012,node013,node014,node015 node016,node017,node018,node019,node020 '
# the host's order within a batch is not fixed: compare each batch sorted
norm() { echo "$1" | tr ' ' '\n' | while read -r b; do echo "$b" | tr ',' '\n' | sort | paste -sd,; done | paste -sd' '; }
# and each live line is its own host's, in every batch
own=$(awk '$1 == $2 ":"' "$T/s5.out" | wc -l)
[ $rc -eq 0 ] && [ "$(norm "$got")" = "$(norm "$want")" ] && [ "$own" -eq 20 ] &&
	t_ok "--serial 5 on 20 hosts: 4 batches in order, each ended before the next started" ||
	t_fail "--serial 5 on 20 hosts: 4 batches in order, each ended before the next started" \
		"rc=$rc own lines=$own got=$got $(head -c 300 "$T/s5.err")"

# the same measure without --serial sees the hosts overlap
mkdir -p "$T/s0"
"$R" exec "${X[@]}" "$ALL" -c "$STAMP" -- "$T/s0" >/dev/null 2>&1 </dev/null
[ "$(batches "$T/s0" | head -1)" = overlap ] &&
	t_ok "without --serial the same measure sees the hosts overlap" ||
	t_fail "without --serial the same measure sees the hosts overlap" "$(batches "$T/s0" | head -1)"

# --serial 25% is 5 of 20
mkdir -p "$T/s25"
"$R" exec "${X[@]}" --serial 25% "$ALL" -c "$STAMP" -- "$T/s25" >/dev/null 2>"$T/s25.err" </dev/null; rc=$?
got=$(batches "$T/s25" | tr '\n' ' ')
[ $rc -eq 0 ] && [ "$(norm "$got")" = "$(norm "$want")" ] &&
	t_ok "--serial 25% on 20 hosts: batches of 5" ||
	t_fail "--serial 25% on 20 hosts: batches of 5" "rc=$rc got=$got"

# --- --max-fail: two failures in the first batch ------------------------------
FAIL='h=${HOME##*/}; touch "$1/$h.ran"; case $h in node001|node002) exit 3;; esac; echo ran'
mf() {	# name, options...: runs FAIL with them into $T/NAME
	local n=$1; shift
	mkdir -p "$T/$n"
	"$R" exec "${X[@]}" "$@" "$ALL" -c "$FAIL" -- "$T/$n" >"$T/$n.out" 2>"$T/$n.err" </dev/null
	echo $? > "$T/$n.rc"
}
mf mf1 --serial 5 --max-fail 1
ran=$(cd "$T/mf1" && ls | sed 's/\.ran$//' | sort | paste -sd,)
cat "$T/mf1.err" | sed 's/^/  /'
[ "$(cat "$T/mf1.rc")" -eq 1 ] && [ "$ran" = node001,node002,node003,node004,node005 ] &&
	grep -q '^not-started  *15  node\[006-020\]: not started: more than --max-fail 1 hosts were not ok' "$T/mf1.err" &&
	grep -q '^failed  *2  node\[001-002\]' "$T/mf1.err" &&
	t_ok "--max-fail 1, 2 failures in batch 1: stops after it, 15 listed not-started, exit 1" ||
	t_fail "--max-fail 1, 2 failures in batch 1: stops after it, 15 listed not-started, exit 1" \
		"rc=$(cat "$T/mf1.rc") ran=$ran"

# --json: every host has its object, the 15 say not-started
mkdir -p "$T/mfj"
"$R" exec "${X[@]}" --serial 5 --max-fail 1 --json "$ALL" -c "$FAIL" -- "$T/mfj" >"$T/mfj.json" 2>/dev/null </dev/null; rc=$?
j=$(jq -rs '[map(.status) | group_by(.)[] | "\(.[0])=\(length)"] | join(" ")' "$T/mfj.json" 2>&1)
[ $rc -eq 1 ] && [ "$j" = "failed=2 not-started=15 ok=3" ] &&
	t_ok "--max-fail --json: one object per host, 15 not-started" ||
	t_fail "--max-fail --json: one object per host, 15 not-started" "rc=$rc $j"

# failures must pass the limit: 2 failures with --max-fail 2 stop nothing
mf mf2 --serial 5 --max-fail 2
n=$(ls "$T/mf2" | wc -l)
[ "$(cat "$T/mf2.rc")" -eq 1 ] && [ "$n" -eq 20 ] && ! grep -q not-started "$T/mf2.err" &&
	t_ok "--max-fail 2 with 2 failures: every batch runs" ||
	t_fail "--max-fail 2 with 2 failures: every batch runs" "rc=$(cat "$T/mf2.rc") ran=$n"

# percentages of all hosts: 5% of 20 is 1 (2 pass it), 10% is 2 (2 do not)
mf mf5 --serial 25% --max-fail 5%
mf mf10 --serial 25% --max-fail 10%
n5=$(ls "$T/mf5" | wc -l); n10=$(ls "$T/mf10" | wc -l)
[ "$n5" -eq 5 ] && grep -q '^not-started  *15 .*--max-fail 5%' "$T/mf5.err" && [ "$n10" -eq 20 ] &&
	t_ok "--max-fail 5% of 20 stops after batch 1, 10% does not" ||
	t_fail "--max-fail 5% of 20 stops after batch 1, 10% does not" "5%: $n5 ran, 10%: $n10 ran"

# check and run take them too: the agent's per-host state follows each batch
"$R" check "${X[@]}" --json --serial 2 --max-fail 0 'closed,node[001-004]' load:100 >"$T/ckm.json" 2>/dev/null; rc=$?
j=$(jq -rs '[.[] | select(.type == "host") | "\(.host)=\(.status)/\(.verdict)"] | sort | join(" ")' "$T/ckm.json" 2>&1)
[ $rc -eq 2 ] && [ "$j" = "closed=unreachable/unreachable node001=ok/ok node002=not-started/error node003=not-started/error node004=not-started/error" ] &&
	t_ok "check --serial 2 --max-fail 0: the batch after a failure never starts" ||
	t_fail "check --serial 2 --max-fail 0: the batch after a failure never starts" "rc=$rc $j"
cat > "$T/book1.cfg" <<'EOF'
name = "rolling";
tasks = ( { name = "load"; check = "load"; warn = 99.0; fail = 100.0; } );
EOF
"$R" run "${X[@]}" "$T/book1.cfg" --json --serial 40% --limit 'node[001-005]' >"$T/rs.json" 2>/dev/null; rc=$?
j=$(jq -rs '[.[] | select(.type == "host") | .verdict] | group_by(.)[] | "\(.[0])=\(length)"' "$T/rs.json" 2>&1)
[ $rc -eq 0 ] && [ "$j" = "ok=5" ] &&
	t_ok "run --serial 40% of 5 hosts: all ok through 3 batches" ||
	t_fail "run --serial 40% of 5 hosts: all ok through 3 batches" "rc=$rc $j"

# bounds
bad=""
for v in 0 -1 x 5%% 101% '' 1000001 1.5; do
	"$R" exec "${X[@]}" --serial "$v" node001 -- true >/dev/null 2>&1 </dev/null
	[ $? -eq 64 ] || bad="$bad serial=$v"
done
for v in -1 x 101% 1e3; do
	"$R" exec "${X[@]}" --max-fail "$v" node001 -- true >/dev/null 2>&1 </dev/null
	[ $? -eq 64 ] || bad="$bad max-fail=$v"
done
[ -z "$bad" ] && t_ok "--serial and --max-fail refuse bad values (exit 64)" ||
	t_fail "--serial and --max-fail refuse bad values (exit 64)" "$bad"

# --- --rerun-failed ------------------------------------------------------------
hosts_of() { jq -r 'select(.type == null or .type == "host") | .host' "$1" | sort | paste -sd,; }

# exec: node002 and node005 fail, then only they run again
"$R" exec "${X[@]}" --out "$T/ex" 'node[001-006]' -c 'case ${HOME##*/} in node002|node005) exit 3;; esac' \
	>/dev/null 2>&1 </dev/null
run=$(ls -d "$T"/ex/*/ | head -1)
"$R" exec "${X[@]}" --json --rerun-failed "$run" all -- true >"$T/ex.json" 2>"$T/ex.err" </dev/null; rc=$?
[ $rc -eq 0 ] && [ "$(hosts_of "$T/ex.json")" = node002,node005 ] &&
	t_ok "exec --rerun-failed: exactly the 2 hosts that failed" ||
	t_fail "exec --rerun-failed: exactly the 2 hosts that failed" "rc=$rc $(hosts_of "$T/ex.json") $(cat "$T/ex.err")"

# exec --out wrote what check writes
[ -s "${run}summary.txt" ] && [ "$(jq -r .status "${run}hosts/node002.json")" = failed ] &&
	[ "$(jq -r .exit_code "${run}hosts/node002.json")" = 3 ] &&
	t_ok "exec --out: hosts/HOST.json and summary.txt, as check writes" ||
	t_fail "exec --out: hosts/HOST.json and summary.txt, as check writes" "$(ls "$run" "${run}hosts" | head)"
"$R" exec "${X[@]}" --prom "$T/ex.prom" node001 -- true >/dev/null 2>&1 </dev/null
grep -q '^ronda_host_phase_seconds{host="node001",phase="auth"}' "$T/ex.prom" &&
	t_ok "exec --prom: the phase series check and run write" ||
	t_fail "exec --prom: the phase series check and run write" "$(head -5 "$T/ex.prom")"

# check: closed and garbage are not ok, then only they are checked again
"$R" check "${X[@]}" --out "$T/ck" 'node[001-003],closed,garbage' load:100 >/dev/null 2>&1
run=$(ls -d "$T"/ck/*/ | head -1)
"$R" check "${X[@]}" --json --rerun-failed "$run" all load:100 >"$T/ck.json" 2>"$T/ck.err"; rc=$?
[ $rc -eq 2 ] && [ "$(hosts_of "$T/ck.json")" = closed,garbage ] &&
	t_ok "check --rerun-failed: exactly the 2 hosts that were not ok" ||
	t_fail "check --rerun-failed: exactly the 2 hosts that were not ok" "rc=$rc $(hosts_of "$T/ck.json") $(cat "$T/ck.err")"

# run: --limit @failed:RUNDIR, from a run's own --out
cat > "$T/book.cfg" <<'EOF'
name = "rolling";
tasks = ( { name = "load"; check = "load"; warn = 99.0; fail = 100.0; } );
EOF
"$R" run "${X[@]}" "$T/book.cfg" --limit 'node[001-002],closed' --out "$T/rb" >/dev/null 2>&1
run=$(ls -d "$T"/rb/*/ | head -1)
"$R" run "${X[@]}" "$T/book.cfg" --json --limit "@failed:$run" >"$T/rb.json" 2>"$T/rb.err"; rc=$?
"$R" run "${X[@]}" "$T/book.cfg" --json --rerun-failed "$run" >"$T/rb2.json" 2>&1
[ $rc -eq 2 ] && [ "$(hosts_of "$T/rb.json")" = closed ] && [ "$(hosts_of "$T/rb2.json")" = closed ] &&
	t_ok "run --limit @failed:RUNDIR and --rerun-failed: exactly the host that was not ok" ||
	t_fail "run --limit @failed:RUNDIR and --rerun-failed: exactly the host that was not ok" \
		"rc=$rc $(hosts_of "$T/rb.json") / $(hosts_of "$T/rb2.json") $(cat "$T/rb.err")"

# an exec run directory serves check as well (and the reverse)
run=$(ls -d "$T"/ex/*/ | head -1)
"$R" check "${X[@]}" --json --rerun-failed "$run" all load:100 >"$T/x.json" 2>/dev/null
[ "$(hosts_of "$T/x.json")" = node002,node005 ] &&
	t_ok "check --rerun-failed of an exec --out run" ||
	t_fail "check --rerun-failed of an exec --out run" "$(hosts_of "$T/x.json")"

# a bad RUNDIR names the file
mkdir -p "$T/broken" "$T/nohosts"
echo '{"ronda": 1, "hosts": {' > "$T/broken/run.json"
echo '{"ronda": 1}' > "$T/nohosts/run.json"
ok=1; msgs=""
for d in "$T/none" "$T/broken" "$T/nohosts"; do
	for c in "exec --rerun-failed $d all -- true" "check --rerun-failed $d all load:100" \
		 "run $T/book.cfg --limit @failed:$d"; do
		# shellcheck disable=SC2086
		"$R" ${c%% *} "${X[@]}" ${c#* } >/dev/null 2>"$T/bad.err" </dev/null; rc=$?
		grep -q "$d/run.json" "$T/bad.err" && [ $rc -eq 78 ] || { ok=0; msgs="$msgs [$c: rc=$rc $(cat "$T/bad.err")]"; }
	done
done
[ $ok -eq 1 ] && t_ok "a missing, broken or foreign run.json: exit 78, the message names the file" ||
	t_fail "a missing, broken or foreign run.json: exit 78, the message names the file" "$msgs"

t_finish
