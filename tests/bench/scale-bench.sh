#!/bin/bash
# scale-bench.sh - one ronda process over a growing loopback fleet
# (make bench-scale; not part of make test: it takes minutes).
#
#   tests/bench/scale-bench.sh [-n "500 1000 2000 5000"] [-f FANOUT] [-r REPEATS]
#
# Starts one fleet of the largest size (tests/fleet/up.sh), deploys the agent
# once, then for each size N runs, REPEATS times each (default 3):
#   exec   ronda exec -n -f F PATTERN -- true
#   patrol ronda run -f F playbooks/patrol.cfg (the agent cached)
# with F = min(N, FANOUT) (default 1000: the fleet's own sshds are the
# limit of this 24 GiB machine, about 1000 sessions at once; each holds an
# sshd monitor and child here, on the same two cores as ronda).  Prints
# medians of wall time, ronda's CPU per host (user+sys, from rusage), its
# peak RSS, and the fleet's sshd CPU per host; then the spread of CPU per
# host across sizes (max/min; goal: within 20 %).
# Memory is split the way the goal is stated: two more exec runs at the
# largest N, at fanout F and F/2, give the memory of a session in flight
# ((peak(F) - peak(F/2)) / (F/2)); the exec at the smallest N that runs at
# fanout F against the largest gives the memory per host waiting or done
# ((peak(Nmax) - peak(Nb)) / (Nmax - Nb)).
# With -p, the largest exec also runs under perf record (call graphs),
# and the top of its profile is printed.
# Every run is bounded by timeout; the fleet stops at the end.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
sizes="500 1000 2000 5000" fan=1000 reps=3 prof=0
while getopts "n:f:r:p" o; do
	case $o in n) sizes=$OPTARG ;; f) fan=$OPTARG ;; r) reps=$OPTARG ;; p) prof=1 ;; *) exit 64 ;; esac
done
max=0 base=0
for n in $sizes; do (( n > max )) && max=$n; done
for n in $sizes; do (( n >= fan && n < max && (base == 0 || n < base) )) && base=$n; done
# A run of N <= F starts every session at once and ends; from N = 2F on,
# sessions end and start all the run long, and the heap settles higher once
# (freed session-sized blocks among results that stay).  That step is the
# sessions', not the hosts': the per-host figure is also given between two
# such runs, the smallest N >= 2F and the largest.
churn=0
for n in $sizes; do (( n >= 2 * fan && n < max && (churn == 0 || n < churn) )) && churn=$n; done

dir=$("$top/tests/fleet/up.sh" -n "$max" -t 3000) || exit 1
trap '"$top/tests/fleet/down.sh" "$dir"' EXIT
source "$dir/fleet.env"
ulimit -n "$(ulimit -Hn)"
hz=$(getconf CLK_TCK)
R="$top/build/ronda"
X=(-i "$FLEET_INVENTORY" --known-hosts "$FLEET_KNOWN_HOSTS" --json --connect-timeout 30)
width=$(( ${#FLEET_FIRST} - 4 ))
pattern() { printf 'node[%0*d-%0*d]' "$width" 1 "$width" "$1"; }

source "$top/tests/lib-ticks.sh"
sshd_ticks() { fleet_sshd_ticks "$dir"; }

# measure NAME N CMD... -> "wall cpu_ms_per_host maxrss_kib sshd_ms_per_host ok" appended to $dir/NAME-N
measure() {
	local name=$1 n=$2; shift 2
	local s0 s1 ok
	s0=$(sshd_ticks)
	/usr/bin/time -o "$dir/time.txt" -f "%e %U %S %M" timeout 600 "$@" >"$dir/out.txt" 2>"$dir/err.txt"
	s1=$(sshd_ticks)
	ok=$(grep -c '"status":"ok"' "$dir/out.txt")	# exec: a line per host; patrol: its host lines
	tail -1 "$dir/time.txt" | awk -v n="$n" -v ds=$((s1 - s0)) -v hz="$hz" -v ok="$ok" \
		'{ printf "%.3f %.3f %d %.2f %d\n", $1, ($2 + $3) * 1000 / n, $4, ds * 1000 / hz / n, ok }' >> "$dir/$name-$n"
}
source "$top/tests/bench/lib-bench.sh"

echo "scale-bench: fleet of $max hosts, fanout min(N, $fan), $reps runs each; deploying the agent"
"$R" run "${X[@]}" -f "$fan" "$top/playbooks/patrol.cfg" --limit "$(pattern "$max")" > "$dir/deploy.json" 2>&1
sleep 2	# the stamp that spares a cached run its hash needs the agent's ctime 2 s old
"$R" run "${X[@]}" -f "$fan" "$top/playbooks/patrol.cfg" --limit "$(pattern "$max")" > /dev/null 2>&1

for n in $sizes; do
	f=$(( n < fan ? n : fan ))
	for ((i = 1; i <= reps; i++)); do
		measure exec "$n" "$R" exec "${X[@]}" -n -f "$f" --rate 0 "$(pattern "$n")" -- true
		measure patrol "$n" "$R" run "${X[@]}" -f "$f" "$top/playbooks/patrol.cfg" --limit "$(pattern "$n")"
	done
done
half=$(( fan / 2 ))
for ((i = 1; i <= reps; i++)); do
	measure exec-half "$max" "$R" exec "${X[@]}" -n -f "$half" --rate 0 "$(pattern "$max")" -- true
done

echo
printf '%-8s %6s %7s %9s %13s %13s %14s %8s\n' kind hosts fanout "wall s" "cpu ms/host" "peak RSS MiB" "sshd ms/host" "ok"
for kind in exec patrol; do
	for n in $sizes; do
		f=$(( n < fan ? n : fan ))
		printf '%-8s %6d %7d %9.2f %13.3f %13.1f %14.2f %8s\n' "$kind" "$n" "$f" \
			"$(col 1 "$dir/$kind-$n")" "$(col 2 "$dir/$kind-$n")" "$(echo "$(col 3 "$dir/$kind-$n") / 1024" | bc -l)" \
			"$(col 4 "$dir/$kind-$n")" "$(col 5 "$dir/$kind-$n")/$n"
	done
	spread=$(for n in $sizes; do col 2 "$dir/$kind-$n"; done | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.2f", hi / lo }')
	echo "$kind: CPU per host max/min across sizes $spread (goal <= 1.20)"
done
printf 'exec %d hosts at fanout %d: peak RSS %.1f MiB\n' "$max" "$half" "$(echo "$(col 3 "$dir/exec-half-$max") / 1024" | bc -l)"
awk -v a="$(col 3 "$dir/exec-$max")" -v b="$(col 3 "$dir/exec-half-$max")" -v h="$half" \
	'BEGIN { printf "memory per session in flight: %.1f KiB  (goal <= 80)\n", (a - b) / h }'
if (( base > 0 )); then
	awk -v a="$(col 3 "$dir/exec-$max")" -v b="$(col 3 "$dir/exec-$base")" -v d=$((max - base)) -v nb="$base" -v nm="$max" \
		'BEGIN { printf "memory per host waiting or done (%d against %d hosts, same fanout): %.2f KiB  (goal <= 2)\n", nm, nb, (a - b) / d }'
fi
if (( churn > 0 )); then
	awk -v a="$(col 3 "$dir/exec-$max")" -v b="$(col 3 "$dir/exec-$churn")" -v d=$((max - churn)) -v nb="$churn" -v nm="$max" \
		'BEGIN { printf "memory per host waiting or done, both runs past 2 x fanout (%d against %d hosts): %.2f KiB  (goal <= 2)\n", nm, nb, (a - b) / d }'
fi

if [ "$prof" = 1 ]; then
	perf record -q -g -o "$dir/perf.data" -- "$R" exec "${X[@]}" -n -f "$fan" --rate 0 "$(pattern "$max")" -- true > /dev/null 2>&1
	echo
	echo "perf: the $max-host exec, ronda's own symbols by self time:"
	perf report -i "$dir/perf.data" --no-children --sort dso,sym -g none --stdio 2>/dev/null | grep -v "^#" | grep -v "^$" | head -25 || true
fi
