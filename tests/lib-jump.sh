# lib-jump.sh - helpers for suites and benchmarks of a fleet behind bastions
# (tests/fleet/behind.sh).  Source it after lib.sh (or with TOP set).
#
#   jump_up N [SECONDS]     starts it; sets JUMP_FLEET (the fleet's DIR) and
#                           sources DIR/fleet.env and DIR/jump.env (FLEET_*,
#                           JUMP_*: see behind.sh and the list below)
#   jump_down               stops it all, deletes the namespace; set it as
#                           the EXIT trap right after jump_up
#   jump_ns CMD...          runs CMD inside the fleet's network namespace
#   jump_addr NAME          a bastion's address (jump jumpbad outer inner nofwd)
#   jump_conns [NAME]       established TCP connections to NAME's sshd now,
#                           counted by ss in the namespace (default jump)
#   jump_target_conns       the same at the targets' sshd
#   jump_sample_start [NAME] / jump_sample_stop
#                           the most connections to NAME seen at once
#                           between the two, by ss every 20 ms (the sampler
#                           is a background child: wait for your own PIDs,
#                           not a bare `wait`, while it runs)
#   jump_fwd_stat NAME FIELD  the forwarder's count for route NAME:
#                           accepted open max_open refused bytes_up bytes_down
#   jump_fwd_reset          max_open := open (waits until the forwarder did)
#   jump_fwd_settle         waits until no forwarded connection is open and
#                           jump has no session process left
#   jump_pid NAME           the bastion's listening sshd
#   jump_session_pids NAME  its per-connection processes (PID walk)
#   jump_kill NAME [SIG]    kills the bastion mid-run: listener and sessions
#   jump_ticks NAME         its CPU in clock ticks (listener, what it reaped,
#                           and its live children)
#   jump_direct_refused     true if a direct connection from the root
#                           namespace to the first target is refused
#   jump_fleet_ticks        the targets' sshd CPU in clock ticks (the
#                           listener and the sessions it reaped)
#   jump_measure N CMD...   runs CMD and prints one line of figures (below)
#   jump_pdsh N             jump_measure of pdsh -R ssh -f N through jump
#   jump_field LINE NAME    one figure of such a line
#
# jump.env: JUMP_DIR (files below) JUMP_NETNS JUMP_SSH_CONFIG (targets via
# ProxyJump jump) JUMP_SSH_CONFIG_NOJUMP (targets direct unless -J)
# JUMP_KNOWN_HOSTS (fleet + bastions) JUMP_INVENTORY (fleet + group bastions)
# JUMP_HOSTKEY JUMP_MAXSTARTUPS JUMP_ADDR/JUMP_PORT (jump, as the root
# namespace reaches it) JUMP_BAD_* JUMP_OUTER_* JUMP_NOFWD_* JUMP_INNER_*
# (inner: 127.5.0.4:22, reachable only inside) JUMP_FWD_PID JUMP_FWD_STATS.
# Inside the namespace every bastion listens on port 22 of its address.
TOP=${TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
source "$TOP/tests/lib-ticks.sh"

jump_up() {
	JUMP_FLEET=$("$TOP/tests/fleet/behind.sh" -n "$1" -t "${2:-300}") || return 1
	source "$JUMP_FLEET/fleet.env"
	source "$JUMP_FLEET/jump.env"
}
jump_down() {
	[ -n "${JUMP_FLEET:-}" ] && "$TOP/tests/fleet/behind-down.sh" "$JUMP_FLEET"
}
jump_ns() { ip netns exec "$JUMP_NETNS" "$@"; }
jump_addr() {
	case $1 in
	jump) echo 127.5.0.1 ;; jumpbad) echo 127.5.0.2 ;; outer) echo 127.5.0.3 ;;
	inner) echo 127.5.0.4 ;; nofwd) echo 127.5.0.5 ;;
	*) echo "jump_addr: no bastion $1" >&2; return 1 ;;
	esac
}
jump_conns() {
	local a; a=$(jump_addr "${1:-jump}") || return 1
	jump_ns ss -Htn state established "( src $a:22 )" | wc -l
}
jump_target_conns() { jump_ns ss -Htn state established "( sport = :$FLEET_PORT )" | wc -l; }

# A sampler in the background, bounded by 600 s and by $JUMP_DIR; stop (from
# any subshell) prints its maximum.  Its output goes nowhere, so it never
# holds a caller's pipe open.
jump_sample_start() {
	local name=${1:-jump} f="$JUMP_DIR/sample"
	rm -f "$f.stop" "$f.done"
	echo 0 > "$f"
	(
		max=0 end=$((SECONDS + 600))
		while [ ! -e "$f.stop" ] && [ -d "$JUMP_DIR" ] && ((SECONDS < end)); do
			c=$(jump_conns "$name")
			((c > max)) && { max=$c; echo "$max" > "$f"; }
			sleep 0.02
		done
		touch "$f.done"
	) > /dev/null 2>&1 &
}
jump_sample_stop() {
	local f="$JUMP_DIR/sample"
	touch "$f.stop"
	for _ in $(seq 250); do
		[ -e "$f.done" ] && break
		sleep 0.02
	done
	[ -e "$f.done" ] || echo "jump_sample_stop: the sampler did not stop" >&2
	cat "$f"
	rm -f "$f" "$f.stop" "$f.done"
}

jump_fwd_stat() {
	awk -v n="$1" -v k="$2" '$1 == n { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) print kv[2] } }' "$JUMP_FWD_STATS"
}
jump_fwd_reset() {
	local g; g=$(jump_fwd_stat jump gen)
	kill -USR1 "$JUMP_FWD_PID" || return 1
	for _ in $(seq 100); do
		(($(jump_fwd_stat jump gen) > g)) && return 0
		sleep 0.02
	done
	echo "jump_fwd_reset: the forwarder did not answer" >&2
	return 1
}
jump_fwd_settle() {
	for _ in $(seq 250); do
		awk '{ for (i = 2; i <= NF; i++) if ($i ~ /^open=/ && $i != "open=0") exit 1 }' "$JUMP_FWD_STATS" &&
			[ -z "$(jump_session_pids jump)" ] && return 0
		sleep 0.02
	done
	echo "jump_fwd_settle: still open: $(cat "$JUMP_FWD_STATS"); sessions: $(jump_session_pids jump | tr '\n' ' ')" >&2
	return 1
}

jump_pid() { cat "$JUMP_DIR/$1.pid"; }
# PID and its descendants, from /proc/*/stat ("comm" may hold spaces).  cat
# reads them: mawk gives up on a file that vanished under it.
jump_tree() {
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v root="$1" '{ pid = $1; sub(/^.*\) /, ""); parent[pid] = $2 }
		END {
			mine[root] = 1; print root
			for (grew = 1; grew; ) { grew = 0
				for (p in parent) if (!(p in mine) && (parent[p] in mine)) { mine[p] = 1; print p; grew = 1 } }
		}'
}
jump_session_pids() { local p; p=$(jump_pid "$1") || return 1; jump_tree "$p" | tail -n +2; }
jump_kill() {
	local p pids; p=$(jump_pid "$1") || return 1
	pids=$(jump_tree "$p")
	kill "-${2:-KILL}" $pids 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$p" 2>/dev/null || return 0
		sleep 0.02
	done
	echo "jump_kill: $1 ($p) is still alive" >&2
	return 1
}
jump_ticks() {
	local p; p=$(jump_pid "$1") || return 1
	# shellcheck disable=SC2046
	cat $(jump_tree "$p" | sed 's|.*|/proc/&/stat|') 2>/dev/null |
		awk '{ sub(/^.*\) /, ""); t += $12 + $13 + $14 + $15 } END { print t + 0 }'
}
jump_fleet_ticks() { fleet_sshd_ticks "$FLEET_DIR"; }
jump_direct_refused() {
	local first err
	first=$(awk 'NR == 1 { print $2 }' "$FLEET_HOSTLIST")
	err=$( (exec 3<>"/dev/tcp/$first/$FLEET_PORT") 2>&1) && return 1
	grep -q 'Connection refused' <<<"$err"
}

# jump_measure N CMD...: runs CMD (bounded: 300 s), which should print
# "HOST: ok" once per host reached, and prints one line of figures:
#   ok=HOSTS-REACHED wall=SECONDS cpu_ms_host=CLIENT-CPU-PER-HOST
#   bastion_cpu_ms=JUMP-SSHD-CPU max_conns=MOST-AT-ONCE(ss) conns=ACCEPTED
#   fleet_cpu_ms=TARGETS-SSHD-CPU
# conns: TCP connections the forwarder passed to jump during CMD (exact).
# CMD's output is left in $JUMP_DIR/measure.out and .err.
jump_measure() {
	local n=$1 t0 t1 a0 a1 g0 g1 max hz; shift
	hz=$(getconf CLK_TCK)
	jump_fwd_settle || return 1
	a0=$(jump_fwd_stat jump accepted); t0=$(jump_ticks jump); g0=$(jump_fleet_ticks)
	jump_sample_start jump
	/usr/bin/time -o "$JUMP_DIR/measure.time" -f "%e %U %S" timeout 300 "$@" \
		> "$JUMP_DIR/measure.out" 2> "$JUMP_DIR/measure.err"
	max=$(jump_sample_stop)
	jump_fwd_settle
	a1=$(jump_fwd_stat jump accepted); t1=$(jump_ticks jump); g1=$(jump_fleet_ticks)
	awk -v n="$n" -v ok="$(grep -c ': ok$' "$JUMP_DIR/measure.out")" -v hz="$hz" -v dt=$((t1 - t0)) \
		-v max="$max" -v c=$((a1 - a0)) -v dg=$((g1 - g0)) 'END { printf "ok=%d wall=%.3f cpu_ms_host=%.2f bastion_cpu_ms=%.0f max_conns=%d conns=%d fleet_cpu_ms=%.0f\n",
			ok, $1, ($2 + $3) * 1000 / n, dt * 1000 / hz, max, c, dg * 1000 / hz }' "$JUMP_DIR/measure.time"
}
# jump_pdsh N: pdsh -R ssh -f N through jump (ProxyJump in JUMP_SSH_CONFIG)
# on the first N targets, `echo ok`, measured by jump_measure.
jump_pdsh() {
	awk -v n="$1" 'NR <= n { print $1 }' "$FLEET_HOSTLIST" > "$JUMP_DIR/pdsh-hosts"
	PDSH_SSH_ARGS="-F $JUMP_SSH_CONFIG %h" jump_measure "$1" pdsh -R ssh -f "$1" -w "^$JUMP_DIR/pdsh-hosts" echo ok
}
# a field of a jump_measure line: jump_field LINE NAME
jump_field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }
