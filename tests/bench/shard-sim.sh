#!/bin/bash
# shard-sim.sh - N local shards patrol one loopback fleet, then merge.
#
#   tests/bench/shard-sim.sh [-n HOSTS] [-s SHARDS] [-f FORKS] [-k check|exec]
#                                                     (make shard-sim)
#
# Starts a fleet of HOSTS good hosts (default 2000), runs SHARDS ronda
# processes at once (default 8), shard K of them `ronda check --shard
# K/SHARDS --out` (or, with -k exec, `ronda exec ... -- true`) over @fleet
# at FORKS sessions each (default 25: 8 x 25 = 200 in flight, what one
# ronda holds in `make bench`, on this 2-core machine), merges their runs,
# and checks the merged coverage apart from ronda (jq over the shards'
# run.json against `ronda hosts --list @fleet`: every host exactly once).
# Prints each shard's hosts and wall time, and the imbalance: max/median
# of the wall times and of the host counts.  The first check on a fresh
# fleet uploads the agent to every host, as a first patrol would.
# Every ronda is bounded by `timeout`; the fleet is stopped at the end.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$top/build}
R=$BUILD/ronda
hosts=2000 shards=8 forks=25 kind=check
while getopts "n:s:f:k:" o; do
	case $o in
	n) hosts=$OPTARG ;; s) shards=$OPTARG ;; f) forks=$OPTARG ;; k) kind=$OPTARG ;;
	*) exit 64 ;;
	esac
done
case $kind in check | exec) ;; *) echo "shard-sim: -k check or exec" >&2; exit 64 ;; esac
command -v jq >/dev/null || { echo "shard-sim: needs jq" >&2; exit 1; }

dir=$("$top/tests/fleet/up.sh" -n "$hosts" -t 900) || exit 1
trap '"$top/tests/fleet/down.sh" "$dir" >/dev/null 2>&1' EXIT
source "$dir/fleet.env"
ulimit -n "$(ulimit -Hn)"
S=$dir/sim
mkdir -p "$S"
X=(-i "$FLEET_INVENTORY" --known-hosts "$FLEET_KNOWN_HOSTS" --connect-timeout 30 --retries 2 -f "$forks")

echo "shard-sim: $hosts hosts, $shards shards of ronda $kind at -f $forks each, at once"
for ((k = 0; k < shards; k++)); do
	(
		t0=$(date +%s.%N)
		if [ "$kind" = check ]; then
			timeout -k 10 900 "$R" check "${X[@]}" --shard "$k/$shards" --out "$S/s$k" @fleet proc:sshd
		else
			timeout -k 10 900 "$R" exec -b "${X[@]}" --shard "$k/$shards" --out "$S/s$k" @fleet -- true
		fi > "$S/s$k.out" 2>&1
		echo $? > "$S/s$k.rc"
		t1=$(date +%s.%N)
		echo "$t0 $t1" > "$S/s$k.time"
	) &
done
wait

timeout -k 10 600 "$R" merge "$S/merged" "$S"/s[0-9]*/*/ > "$S/merge.out" 2> "$S/merge.err"
mrc=$?
"$R" hosts -i "$FLEET_INVENTORY" --list @fleet | sort > "$S/all"
jq -r '.hosts | keys[]' "$S"/s[0-9]*/*/run.json | sort > "$S/keys"
jq -r '.hosts | keys[]' "$S"/merged/*/run.json | sort > "$S/merged.keys"
dups=$(uniq -d "$S/keys" | wc -l)
if cmp -s "$S/all" "$S/keys" && [ "$dups" -eq 0 ] && cmp -s "$S/all" "$S/merged.keys"; then
	cover="every one of $(wc -l < "$S/all") hosts exactly once (shards and merged run)"
	ok=1
else
	cover="BROKEN: $(comm -3 "$S/all" "$S/keys" | wc -l) host(s) differ, $dups twice"
	ok=0
fi

printf '%-6s %6s %9s %4s\n' shard hosts "wall s" rc
for ((k = 0; k < shards; k++)); do
	read -r t0 t1 < "$S/s$k.time"
	n=$(jq '.hosts | length' "$S"/s$k/*/run.json 2>/dev/null || echo 0)
	w=$(echo "$t1 - $t0" | bc -l)
	printf '%-6s %6s %9.2f %4s\n' "$k/$shards" "$n" "$w" "$(cat "$S/s$k.rc")"
	echo "$w" >> "$S/walls"
	echo "$n" >> "$S/counts"
done
ratio() {	# max/median of the numbers in file $1
	sort -n "$1" | awk '{ v[NR] = $1 } END {
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.3f (max %s, median %s)", (m > 0 ? v[NR] / m : 0), v[NR], m }'
}
echo "imbalance, wall time:  $(ratio "$S/walls")"
echo "imbalance, host count: $(ratio "$S/counts")"
echo "merge: exit $mrc; $(tail -1 "$S/merge.err")"
head -3 "$S/merge.out"
echo "coverage: $cover"
[ "$ok" = 1 ] && [ "$mrc" -le 2 ]
