#!/bin/bash
# 56-diff.sh - ronda diff on run directories that real patrols wrote with
# --out: a threshold tightened between two runs shows as a new failure
# (exit 1), the reverse as recovered (exit 0), a host taken down as
# unreachable; DIR, DIR/latest and DIR/previous pick runs; --json parses;
# bad operands are usage errors.
source "$(dirname "$0")/../lib.sh"
dir=$("$TOP/tests/fleet/up.sh" -n 6 -t 300) || { t_fail "fleet up"; t_finish; exit 1; }
trap '"$TOP/tests/fleet/down.sh" "$dir" >/dev/null 2>&1' EXIT
source "$dir/fleet.env"
R="$BUILD/ronda"
X=(-i "$FLEET_INVENTORY" --known-hosts "$FLEET_KNOWN_HOSTS" --connect-timeout 3 --retries 0)
runs="$dir/runs"
book() {	# book FILE WARN FAIL: a load task with those thresholds per CPU, a disk task
	printf 'name = "d";\ntasks = ( { name = "load"; check = "load"; warn = %s; fail = %s; },\n  { name = "root"; check = "disk"; path = "/"; fail = 99; } );\n' "$2" "$3" > "$1"
}
book "$dir/easy.cfg" 999.0 1000.0
book "$dir/hard.cfg" 0.0000005 0.000001

"$R" run "${X[@]}" --out "$runs" "$dir/easy.cfg" --limit 'node00[1-5]' > /dev/null 2>&1; rc1=$?
"$R" run "${X[@]}" --out "$runs" "$dir/hard.cfg" --limit 'node00[1-5],closed' > /dev/null 2>&1; rc2=$?
"$R" run "${X[@]}" --out "$runs" "$dir/easy.cfg" --limit 'node00[1-4]' > /dev/null 2>&1; rc3=$?
mapfile -t r < <(ls "$runs")
[ $rc1 -eq 0 ] && [ $rc2 -eq 2 ] && [ $rc3 -eq 0 ] && [ ${#r[@]} -eq 3 ] && t_ok "three runs written" ||
	t_fail "three runs written" "rc $rc1 $rc2 $rc3, ${#r[@]} run(s)"

"$R" diff "$runs/${r[0]}" "$runs/${r[1]}" > "$dir/d1.out" 2>&1; rc=$?
[ $rc -eq 1 ] && grep -qE '^  load +fail +node\[001-005\] \(5\) +was ok$' "$dir/d1.out" &&
	t_ok "a tightened threshold: new failure on node[001-005], exit 1" || t_fail "new failure" "rc=$rc $(cat "$dir/d1.out")"
grep -q '^hosts added: closed (1)$' "$dir/d1.out" && t_ok "an added host is listed" || t_fail "added host" "$(cat "$dir/d1.out")"

"$R" diff "$runs/${r[1]}" "$runs/${r[2]}" > "$dir/d2.out" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -qE '^  load +ok +node\[001-004\] \(4\) +was fail$' "$dir/d2.out" &&
	grep -q '^hosts removed: closed,node005 (2)$' "$dir/d2.out" && grep -q '^nothing got worse$' "$dir/d2.out" &&
	t_ok "the reverse: recovered, hosts removed, exit 0" || t_fail "recovered" "rc=$rc $(cat "$dir/d2.out")"

# DIR alone and DIR/latest, DIR/previous pick the newest two runs
"$R" diff "$runs" > "$dir/d3.out" 2>&1; rc=$?
"$R" diff "$runs/previous" "$runs/latest" > "$dir/d4.out" 2>&1
[ $rc -eq 0 ] && cmp -s "$dir/d2.out" "$dir/d3.out" && cmp -s "$dir/d2.out" "$dir/d4.out" &&
	t_ok "DIR and DIR/previous DIR/latest compare the newest two runs" || t_fail "DIR, latest, previous" "$(diff "$dir/d2.out" "$dir/d3.out" | head -5)"

# a host that goes down between runs: the earlier run is the real one with
# "closed" made ok, since a fleet host cannot be stopped on its own
"$R" run "${X[@]}" --out "$dir/r2" "$dir/easy.cfg" --limit 'node001,closed' > /dev/null 2>&1
mkdir -p "$dir/r2/fake/hosts"
last=$(ls "$dir/r2" | grep -v fake)
cp "$dir/r2/$last/run.json" "$dir/r2/fake/"
jq '.verdict = "ok" | .error = null | .status = "ok" | .tasks = []' "$dir/r2/$last/hosts/closed.json" > "$dir/r2/fake/hosts/closed.json"
cp "$dir/r2/$last/hosts/node001.json" "$dir/r2/fake/hosts/"
"$R" diff "$dir/r2/fake" "$dir/r2/$last" > "$dir/d5.out" 2>&1; rc=$?
[ $rc -eq 1 ] && grep -q '^  unreachable  closed (1): connect to .*Connection refused.* (was ok)$' "$dir/d5.out" &&
	t_ok "a host gone unreachable: listed with its cause, exit 1" || t_fail "host gone unreachable" "rc=$rc $(cat "$dir/d5.out")"

"$R" diff --json "$runs/${r[0]}" "$runs/${r[1]}" > "$dir/d1.json" 2>/dev/null; rc=$?
[ $rc -eq 1 ] && jq -e '.worse == true and (.new_failures[0].task == "load") and
	(.new_failures[0].hosts | length == 5) and .new_failures[0].folded == "node[001-005]" and
	(.added.hosts == ["closed"]) and (.hosts.old == 5) and (.hosts.new == 6)' "$dir/d1.json" > /dev/null &&
	t_ok "--json: the diff as one JSON object" || t_fail "--json" "rc=$rc $(head -c 300 "$dir/d1.json")"

"$R" diff "$dir" "$runs/latest" > /dev/null 2> "$dir/e1"; rc=$?
[ $rc -eq 64 ] && grep -q 'is not a run directory' "$dir/e1" && t_ok "not a run directory: exit 64" || t_fail "not a run directory" "rc=$rc $(cat "$dir/e1")"
mkdir -p "$dir/one"; cp -r "$runs/${r[0]}" "$dir/one/"
"$R" diff "$dir/one" > /dev/null 2> "$dir/e3"; rc3=$?
[ $rc3 -eq 64 ] && grep -q 'holds 1 run(s); need 2' "$dir/e3" && t_ok "one run under DIR: exit 64" || t_fail "one run under DIR" "rc=$rc3 $(cat "$dir/e3")"
echo '{ nope' > "$dir/one/${r[0]}/hosts/node001.json"
cp -r "$runs/${r[1]}" "$dir/one/"
"$R" diff "$dir/one" > /dev/null 2> "$dir/e4"; rc=$?
[ $rc -eq 78 ] && grep -q "node001.json" "$dir/e4" && t_ok "a corrupt host file: exit 78 naming it" || t_fail "corrupt host file" "rc=$rc $(cat "$dir/e4")"
cp "$runs/${r[0]}/hosts/node001.json" "$dir/one/${r[0]}/hosts/node001.json"
jq '.tasks[0].verdict = "bogus"' "$runs/${r[1]}/hosts/node002.json" > "$dir/one/${r[1]}/hosts/node002.json"
"$R" diff "$dir/one" > /dev/null 2> "$dir/e5"; rc=$?
[ $rc -eq 78 ] && grep -q "node002.json: tasks\[0\] (\"load\"): unknown verdict \"bogus\"" "$dir/e5" &&
	t_ok "an unknown verdict: exit 78 naming the file and task" || t_fail "unknown verdict" "rc=$rc $(cat "$dir/e5")"
"$R" diff --help | grep -q '^usage: ronda diff' && t_ok "diff --help" || t_fail "diff --help"
t_finish
