#!/bin/bash
# jump-bench.sh - ronda against pdsh on a fleet reachable only through one
# bastion (tests/fleet/behind.sh, MaxStartups 10:30:20 unless
# JUMP_MAXSTARTUPS says otherwise).
#
#   tests/bench/jump-bench.sh [-n HOSTS] [-r REPEATS]     (default 500, 3)
#
# Runs `echo ok` on every host at fanout HOSTS, REPEATS times each,
# alternating
#   pdsh -R ssh, each ssh through the bastion (ProxyJump jump)
#   ronda exec -J jump (run_ronda below; when this build has no -J it says
#   "ronda: not supported by this build" and measures nothing)
# and prints medians of: hosts reached, wall time, client CPU per host
# (user+sys of the client's process tree), the bastion sshd's CPU, the
# forwarder's CPU, the most bastion connections seen at once (ss, 20 ms)
# and the TCP connections made to the bastion.  First, the forwarder's own
# cost: 64 MiB through one connection via jump (through tests/tools/nsfwd.py)
# and via inner (from inside the namespace, no forwarder).
# RONDA (default build/ronda) and RONDA_JUMP_OPT (default -J) choose the
# ronda under test; ronda_argv builds its command line.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
TOP=$top
source "$top/tests/lib-jump.sh"
n=500 reps=3
while getopts "n:r:" o; do
	case $o in n) n=$OPTARG ;; r) reps=$OPTARG ;; *) exit 64 ;; esac
done
RONDA=${RONDA:-$top/build/ronda}
RONDA_JUMP_OPT=${RONDA_JUMP_OPT:--J}

if ! command -v pdsh > /dev/null && [ "$(id -u)" -eq 0 ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q pdsh > /dev/null 2>&1 ||
		{ apt-get update -q > /dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q pdsh > /dev/null 2>&1; }
fi
have_pdsh=0; command -v pdsh > /dev/null && have_pdsh=1

ulimit -n "$(ulimit -Hn)"
jump_up "$n" 900 || exit 1
trap 'jump_down' EXIT

# ronda_argv N: the ronda command line for N hosts through jump.
ronda_argv() {
	RONDA_ARGV=("$RONDA" exec -i "$JUMP_INVENTORY" --known-hosts "$JUMP_KNOWN_HOSTS" --no-agent -F none
		"$RONDA_JUMP_OPT" jump -f "$1" --rate 0 "node[${FLEET_FIRST#node}-${FLEET_LAST#node}]" -- echo ok)
}
ronda_supported() {
	[ -x "$RONDA" ] && "$RONDA" exec --help 2>&1 | grep -qE -- "(^|[ ,])$RONDA_JUMP_OPT([ ,=]|$)"
}
run_ronda() { # N
	ronda_argv "$1"
	jump_measure "$1" "${RONDA_ARGV[@]}"
}

hz=$(getconf CLK_TCK)
fwd_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$JUMP_FWD_PID/stat"; }
# --- the forwarder's own cost, one connection ------------------------------------
bytes=$((64 * 1048576))
f0=$(fwd_ticks)
s=$(date +%s.%N)
timeout 120 ssh -F "$JUMP_SSH_CONFIG_NOJUMP" -J jump "$FLEET_FIRST" head -c "$bytes" /dev/zero | wc -c > "$JUMP_DIR/through"
t_fwd=$(echo "$(date +%s.%N) - $s" | bc)
f1=$(fwd_ticks)
s=$(date +%s.%N)
jump_ns timeout 120 ssh -F "$JUMP_SSH_CONFIG_NOJUMP" -J inner "$FLEET_FIRST" head -c "$bytes" /dev/zero | wc -c > "$JUMP_DIR/inside"
t_in=$(echo "$(date +%s.%N) - $s" | bc)
printf 'forwarder: 64 MiB through one ssh -J connection: %.2f s via nsfwd (cpu %d ms), %.2f s inside the namespace without it (%s and %s bytes)\n' \
	"$t_fwd" $(((f1 - f0) * 1000 / hz)) "$t_in" "$(cat "$JUMP_DIR/through")" "$(cat "$JUMP_DIR/inside")"

# --- pdsh and ronda -------------------------------------------------------------------
fwd_measure() { # name cmd...: jump_measure plus the forwarder's CPU
	local name=$1 a b r; shift
	a=$(fwd_ticks)
	r=$("$@") || return 1
	b=$(fwd_ticks)
	echo "$r fwd_cpu_ms=$(((b - a) * 1000 / hz))" >> "$JUMP_DIR/bench-$name"
}
ronda_ok=0; ronda_supported && ronda_ok=1
printf 'jump bench: %s hosts behind one bastion (MaxStartups %s), %s repeats, fanout = hosts, `echo ok`\n' \
	"$n" "$JUMP_MAXSTARTUPS" "$reps"
for ((i = 1; i <= reps; i++)); do
	[ $have_pdsh = 1 ] && fwd_measure pdsh jump_pdsh "$n"
	[ $ronda_ok = 1 ] && fwd_measure ronda run_ronda "$n"
done

source "$top/tests/bench/lib-bench.sh"
# its lines are KEY=value: a col of its own
col() { sed -n "s/.* $1=\([^ ]*\).*/\1/p; s/^$1=\([^ ]*\).*/\1/p" "$2" | median; }
printf '%-8s %5s %7s %8s %12s %15s %11s %10s %6s\n' "(median)" runs ok "wall s" "cpu ms/host" "bastion cpu ms" "fwd cpu ms" "max conns" conns
for name in pdsh ronda; do
	f=$JUMP_DIR/bench-$name
	if [ ! -s "$f" ]; then
		[ $name = pdsh ] && echo "pdsh: not installed"
		[ $name = ronda ] && echo "ronda: not supported by this build"
		continue
	fi
	printf '%-8s %5d %7s %8.3f %12.2f %15.0f %11.0f %10s %6s\n' "$name" "$(wc -l < "$f")" "$(col ok "$f")" \
		"$(col wall "$f")" "$(col cpu_ms_host "$f")" "$(col bastion_cpu_ms "$f")" "$(col fwd_cpu_ms "$f")" \
		"$(col max_conns "$f")" "$(col conns "$f")"
done
if [ -s "$JUMP_DIR/bench-pdsh" ] && [ -s "$JUMP_DIR/bench-ronda" ]; then
	awk -v rw="$(col wall "$JUMP_DIR/bench-ronda")" -v pw="$(col wall "$JUMP_DIR/bench-pdsh")" \
	    -v rb="$(col bastion_cpu_ms "$JUMP_DIR/bench-ronda")" -v pb="$(col bastion_cpu_ms "$JUMP_DIR/bench-pdsh")" \
	    -v ro="$(col ok "$JUMP_DIR/bench-ronda")" -v po="$(col ok "$JUMP_DIR/bench-pdsh")" 'BEGIN {
		printf "ratio ronda/pdsh: wall %.2f, bastion cpu %.3f (hosts reached: ronda %d, pdsh %d of %d)\n",
			rw / pw, rb / pb, ro, po, '"$n"' }'
fi
# The targets' own sshd CPU bounds any client's wall from below: the fleet
# shares this machine's cores with everything else.
cores=$(nproc)
for name in pdsh ronda; do
	[ -s "$JUMP_DIR/bench-$name" ] || continue
	awk -v w="$(col wall "$JUMP_DIR/bench-$name")" -v g="$(col fleet_cpu_ms "$JUMP_DIR/bench-$name")" -v c="$cores" -v nm="$name" \
		'BEGIN { printf "%s: the targets'"'"' sshd used %.2f s of CPU; on %d cores that is %.2f s of wall at least (wall %.2f s, %.2f times that)\n",
			nm, g / 1000, c, g / 1000 / c, w, w / (g / 1000 / c) }'
done
