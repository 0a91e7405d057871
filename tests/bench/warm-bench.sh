#!/bin/bash
# warm-bench.sh - warm mode's figures, side by side on one loopback fleet:
#
#   tests/bench/warm-bench.sh [-n "200 1000"] [-r REPEATS]
#
# For each fleet size N (fanout N):
#   cold      ronda exec -- uptime: a key exchange per host per question
#   cold-chk  ronda check disk mem load, cold (the agent cached)
#   cp-pdsh   pdsh -R ssh with OpenSSH ControlPersist masters, warmed by one
#             run first (the anchor row of issue 17): uptime through them
#   warm-chk  ronda check --warm disk mem load, through ronda serve; its CPU
#             per host is the client's and the daemon's for that query
#   warm-exe  ronda exec --warm -- uptime: a new channel on each held
#             session (CPU: the client's and the daemon's)
#   serve     ronda serve holding N hosts: its peak RSS per host, against the
#             ControlPersist masters' total; and what a held host costs the
#             host: the PSS of its sshd processes and of the resident agent
# Medians of REPEATS runs (default 3).  Every process it starts is stopped
# by PID; the fleet stops at the end.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
sizes="200 1000" reps=3
while getopts "n:r:" o; do
	case $o in n) sizes=$OPTARG ;; r) reps=$OPTARG ;; *) exit 64 ;; esac
done
max=0; for n in $sizes; do (( n > max )) && max=$n; done
command -v pdsh >/dev/null || { [ "$(id -u)" -eq 0 ] && DEBIAN_FRONTEND=noninteractive apt-get install -y -q pdsh >/dev/null 2>&1; }
have_pdsh=0; command -v pdsh >/dev/null && have_pdsh=1

dir=$("$top/tests/fleet/up.sh" -n "$max" -t 1800) || exit 1
sp=
masters() { # PIDs of the ControlPersist masters of this bench (their ControlPath is in $dir)
	for p in /proc/[0-9]*; do
		tr "\\0" " " 2>/dev/null < "$p/cmdline" | grep -q "^ssh: $dir/cm/" && echo "${p#/proc/}"
	done
}
stop_masters() { local p; for p in $(masters); do kill "$p" 2>/dev/null; done; }
cleanup() {
	[ -n "$sp" ] && kill "$sp" 2>/dev/null && wait "$sp" 2>/dev/null
	stop_masters
	"$top/tests/fleet/down.sh" "$dir"
}
trap cleanup EXIT
source "$dir/fleet.env"
ulimit -n "$(ulimit -Hn)"
R=$top/build/ronda
mkdir -m 700 "$dir/cm" "$dir/rt"
export XDG_RUNTIME_DIR=$dir/rt

source "$top/tests/bench/lib-bench.sh"
# timed NAME N CMD...: appends "wall cpu_ms_per_host ok_lines" to $dir/NAME-N
timed() {
	local name=$1 n=$2; shift 2
	/usr/bin/time -o "$dir/time.txt" -f "%e %U %S" timeout 300 "$@" > "$dir/out.txt" 2> "$dir/err.txt"
	# hosts answered: a check's JSON host lines whose agent ran (whatever
	# its verdicts on this busy machine), else exec's lines
	local ok
	ok=$(grep '"type":"host"' "$dir/out.txt" | grep -c '"status":"ok"')
	grep -q '"type":"host"' "$dir/out.txt" || ok=$(grep -c . "$dir/out.txt")
	awk -v n="$n" -v ok="$ok" '{ printf "%.3f %.2f %d\n", $1, ($2 + $3) * 1000 / n, ok }' \
		"$dir/time.txt" >> "$dir/$name-$n"
}
# sum of a smaps_rollup field (kB) over the PIDs given
sum_field() { local f=$1 p t=0 v; shift; for p; do v=$(awk -v f="$f:" '$1 == f { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null); t=$((t + ${v:-0})); done; echo $t; }
# the fleet's session processes (sshd children) and resident agents
fleet_pids() { for p in $(pgrep -f '^sshd: ') $(pgrep '^agent-'); do echo "$p"; done; }
# CPU ticks (user + system) of a process so far
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# warm_timed NAME N CMD...: timed, with the daemon's CPU for it added to the client's
warm_timed() {
	local t0 d
	t0=$(ticks "$sp")
	timed "$@"
	d=$(( $(ticks "$sp") - t0 ))
	awk -v d="$d" -v n="$2" -v hz="$(getconf CLK_TCK)" 'END { $2 = sprintf("%.2f", $2 + d * 1000 / hz / n); print }' \
		"$dir/$1-$2" > "$dir/w.tmp"
	{ head -n -1 "$dir/$1-$2"; cat "$dir/w.tmp"; } > "$dir/w2.tmp"
	mv "$dir/w2.tmp" "$dir/$1-$2"
}

printf 'warm-bench: %s hosts max, %s repeats, fanout = hosts\n' "$max" "$reps"
for n in $sizes; do
	head -n "$n" "$FLEET_HOSTLIST" | awk '{ print $1 }' > "$dir/hosts-$n"
	pat="node[$(head -1 "$dir/hosts-$n" | tr -dc 0-9)-$(tail -1 "$dir/hosts-$n" | tr -dc 0-9)]"
	for ((i = 1; i <= reps; i++)); do
		timed cold "$n" "$R" exec -i "$FLEET_INVENTORY" --known-hosts "$FLEET_KNOWN_HOSTS" \
			-f "$n" --rate 0 --no-summary "$pat" -- uptime
	done
	# the first check puts the agent in the hosts' caches; then cold, cached
	"$R" check -i "$FLEET_INVENTORY" --known-hosts "$FLEET_KNOWN_HOSTS" -f "$n" --rate 0 "$pat" mem > /dev/null 2>&1
	for ((i = 1; i <= reps; i++)); do
		timed cold-chk "$n" "$R" check -i "$FLEET_INVENTORY" --known-hosts "$FLEET_KNOWN_HOSTS" \
			-f "$n" --rate 0 --json "$pat" disk mem load
	done
	if [ $have_pdsh = 1 ]; then
		export PDSH_SSH_ARGS="-F $FLEET_SSH_CONFIG -o ControlMaster=auto -o ControlPath=$dir/cm/%C -o ControlPersist=600 %h"
		pdsh -R ssh -f "$n" -w "^$dir/hosts-$n" true > /dev/null 2>&1	# warms the masters
		for ((i = 1; i <= reps; i++)); do
			timed cp-pdsh "$n" pdsh -R ssh -f "$n" -w "^$dir/hosts-$n" uptime
		done
		m=$(masters)
		# shellcheck disable=SC2086
		echo "$(echo $m | wc -w) $(sum_field Rss $m) $(sum_field Pss $m)" > "$dir/masters-$n"
		stop_masters
		unset PDSH_SSH_ARGS
	fi
	before=$(sum_field Pss $(fleet_pids))
	"$R" serve -i "$FLEET_INVENTORY" --known-hosts "$FLEET_KNOWN_HOSTS" "$pat" > /dev/null 2> "$dir/serve.err" &
	sp=$!
	up=0
	for _ in $(seq 1 1200); do
		up=$("$R" serve --status --json 2>/dev/null | jq '[.hosts[] | select(.state == "up")] | length' 2>/dev/null)
		[ "${up:-0}" -ge "$n" ] && break
		sleep 0.25
	done
	for ((i = 1; i <= reps; i++)); do
		warm_timed warm-chk "$n" "$R" check -i "$FLEET_INVENTORY" --warm=required --json "$pat" disk mem load
		warm_timed warm-exe "$n" "$R" exec -i "$FLEET_INVENTORY" --warm=required --no-summary "$pat" -- uptime
	done
	after=$(sum_field Pss $(fleet_pids))
	rss=$(awk '$1 == "VmHWM:" { print $2 }' "/proc/$sp/status")
	echo "$up $rss $(( (after - before) / n ))" > "$dir/serve-$n"
	kill "$sp"; wait "$sp" 2>/dev/null; sp=
done

echo
printf '%-8s %6s %9s %12s %10s\n' row hosts "wall s" "cpu ms/host" "answered"
for n in $sizes; do
	for name in cold cold-chk cp-pdsh warm-chk warm-exe; do
		[ -s "$dir/$name-$n" ] || continue
		printf '%-8s %6d %9.3f %12.2f %10s\n' "$name" "$n" "$(col 1 "$dir/$name-$n")" \
			"$(col 2 "$dir/$name-$n")" "$(col 3 "$dir/$name-$n")/$n"
	done
done
echo
for n in $sizes; do
	read -r up rss cost < "$dir/serve-$n"
	printf 'serve %d hosts: %s up; ronda peak RSS %.1f MiB, %.1f KiB a host (goal <= 100)\n' \
		"$n" "$up" "$(echo "$rss / 1024" | bc -l)" "$(echo "$rss / $n" | bc -l)"
	printf '  a held host costs the host %.2f MiB PSS (its sshd and the resident)\n' "$(echo "$cost / 1024" | bc -l)"
	if [ -s "$dir/masters-$n" ]; then
		read -r nm mr mp < "$dir/masters-$n"
		printf '  ControlPersist: %d masters, RSS %.0f MiB in all (%.2f MiB each), PSS %.0f MiB; ronda/masters RSS %.3f\n' \
			"$nm" "$(echo "$mr / 1024" | bc -l)" "$(echo "$mr / 1024 / $nm" | bc -l)" "$(echo "$mp / 1024" | bc -l)" \
			"$(echo "$rss / $mr" | bc -l)"
	fi
	if [ -s "$dir/cp-pdsh-$n" ]; then
		printf '  cold ronda exec / warmed pdsh, wall: %.2f\n' "$(echo "$(col 1 "$dir/cold-$n") / $(col 1 "$dir/cp-pdsh-$n")" | bc -l)"
		printf '  warm check / warmed pdsh, wall: %.3f (goal <= 0.1)\n' "$(echo "$(col 1 "$dir/warm-chk-$n") / $(col 1 "$dir/cp-pdsh-$n")" | bc -l)"
		printf '  warm exec / warmed pdsh, wall: %.3f (goal <= 0.3)\n' "$(echo "$(col 1 "$dir/warm-exe-$n") / $(col 1 "$dir/cp-pdsh-$n")" | bc -l)"
	fi
	printf '  warm exec / cold exec, wall: %.3f (goal <= 0.3)\n' "$(echo "$(col 1 "$dir/warm-exe-$n") / $(col 1 "$dir/cold-$n")" | bc -l)"
	printf '  warm check / cold check, wall: %.3f; warm check %.3f s (goal <= 0.5 at 1000), %.3f ms ronda CPU a host (goal <= 0.3)\n' \
		"$(echo "$(col 1 "$dir/warm-chk-$n") / $(col 1 "$dir/cold-chk-$n")" | bc -l)" "$(col 1 "$dir/warm-chk-$n")" "$(col 2 "$dir/warm-chk-$n")"
done
