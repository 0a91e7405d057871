#!/bin/bash
# 44-exec-guard.sh - the exec guard kills the command's whole tree: children
# that call setsid, or that timeout(1) puts in a group of their own, die on
# a timeout and on Ctrl-C; and the command holds no descriptor of the SSH
# channel beyond stdin, stdout and stderr.
source "$(dirname "$0")/../lib.sh"
dir=$("$TOP/tests/fleet/up.sh" -n 4 -t 300) || { t_fail "fleet up"; t_finish; exit 1; }
trap '"$TOP/tests/fleet/down.sh" "$dir" >/dev/null 2>&1' EXIT
source "$dir/fleet.env"
R="$BUILD/ronda"
X=(-i "$FLEET_INVENTORY" --known-hosts "$FLEET_KNOWN_HOSTS" --connect-timeout 5 --retries 0)
js() { jq -r "$@"; }
# Durations carry this run's PID, so pgrep counts only our processes.
M=$$
# The command: one setsid child, one under timeout(1), one plain, then it hangs.
tree() { # tag
	echo "setsid sleep 1001.$M$1 & timeout 1002.$M$1 sleep 1003.$M$1 & sleep 1004.$M$1 & sleep 1005.$M$1"
}
left() { pgrep -f "sleep 100[1-5].$M$1" | wc -l; }
# Waits (at most 10 s) until n processes of tag run, by polling /proc.
wait_for() { # tag n
	for _ in $(seq 1 100); do [ "$(left "$1")" -ge "$2" ] && return 0; sleep 0.1; done; return 1
}
# Waits (at most 10 s) until none is left; the guard's grace is 2 s.
wait_gone() {
	for _ in $(seq 1 100); do [ "$(left "$1")" -eq 0 ] && return 0; sleep 0.1; done; return 1
}
cleanup_tag() { for p in $(pgrep -f "sleep 100[1-5].$M$1"); do kill -KILL "$p" 2>/dev/null; done; }

# --- a timeout ---------------------------------------------------------------
"$R" exec "${X[@]}" --json --timeout 3 node001 -- sh -c "$(tree 1)" > "$dir/t.json" 2>/dev/null; rc=$?
s=$(js .status "$dir/t.json")
if wait_gone 1; then gone=1; else gone=0; fi
[ $rc -eq 2 ] && [ "$s" = timeout ] && t_ok "the command timed out" || t_fail "the command timed out" "rc=$rc status=$s"
[ $gone = 1 ] && t_ok "timeout: no setsid, timeout or plain child is left" || t_fail "timeout: children left" "$(pgrep -af "sleep 100[1-5].${M}1")"
cleanup_tag 1

# --- Ctrl-C ------------------------------------------------------------------
"$R" exec "${X[@]}" 'node[001-002]' -- sh -c "$(tree 2)" > "$dir/i.out" 2>"$dir/i.err" &
rp=$!
if wait_for 2 10; then started=1; else started=0; fi
kill -INT $rp
wait $rp; rc=$?
if wait_gone 2; then gone=1; else gone=0; fi
[ $started = 1 ] && [ $rc -eq 3 ] && t_ok "Ctrl-C: exit 3 once the commands ran" || t_fail "Ctrl-C: exit 3" "started=$started rc=$rc"
[ $gone = 1 ] && t_ok "Ctrl-C: no setsid, timeout or plain child is left on 2 hosts" || t_fail "Ctrl-C: children left" "$(pgrep -af "sleep 100[1-5].${M}2")"
cleanup_tag 2

# --- a command that ignores TERM: KILL after the grace --------------------------
"$R" exec "${X[@]}" --json --timeout 2 node002 -- sh -c "trap '' TERM; sleep 1001.${M}3; sleep 1002.${M}3" > "$dir/k.json" 2>/dev/null; rc=$?
if wait_gone 3; then gone=1; else gone=0; fi
[ $rc -eq 2 ] && [ "$(js .status "$dir/k.json")" = timeout ] && [ $gone = 1 ] && t_ok "a command that ignores TERM is killed" || t_fail "a command that ignores TERM is killed" "rc=$rc $(cat "$dir/k.json") $(pgrep -af "sleep 100[1-5].${M}3")"
cleanup_tag 3

# --- a command that ends by itself: its exit status, nothing killed early --------
"$R" exec "${X[@]}" --json node003 -- sh -c 'sleep 0.3; exit 7' > "$dir/e.json" 2>/dev/null
[ "$(js .exit_code "$dir/e.json")" = 7 ] && [ "$(js .status "$dir/e.json")" = failed ] && t_ok "exit status 7 still comes back" || t_fail "exit status 7" "$(cat "$dir/e.json")"

# --- descriptors: stdin, stdout, stderr and nothing else of the channel ------------
"$R" exec "${X[@]}" --json node004 -- sh -c 'ls -l /proc/self/fd/ | sed "s/.* \([0-9]*\) -> /\1 /"' > "$dir/fd.json" 2>/dev/null
fds=$(js .stdout "$dir/fd.json")
extra=$(echo "$fds" | awk '$1 > 2 && /socket:|pipe:/' )
n012=$(echo "$fds" | awk '$1 <= 2' | wc -l)
[ "$n012" -eq 3 ] && [ -z "$extra" ] && t_ok "the command holds no channel descriptor beyond 0-2" || t_fail "channel descriptors leak to the command" "$(echo "$fds" | tr '\n' ' ')"

t_finish
