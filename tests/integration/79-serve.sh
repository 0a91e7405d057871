#!/bin/bash
# 79-serve.sh - ronda serve, the warm daemon: it holds a session and a
# resident agent (ronda-agent serve, up once its hello came) per host, answers --status on a 0600 socket in a 0700
# directory and only to its own uid (SO_PEERCRED, tested with uid 65534
# let past the file modes), refuses a second daemon on its socket, brings
# back a host whose session sshd was killed (down with the cause, then up
# with a new session), opens no TCP port, and on SIGTERM ends every
# session, leaves nothing running on the hosts and removes its socket.
# Every wait is bounded by the event it waits for.
source "$(dirname "$0")/../lib.sh"
dir=$("$TOP/tests/fleet/up.sh" -n 10 -t 300) || { t_fail "fleet up"; t_finish; exit 1; }
run=$(mktemp -d /tmp/ronda-serve.XXXXXX)
chmod 700 "$run"
export XDG_RUNTIME_DIR=$run
SOCK=$run/ronda/serve.sock
sp=
cleanup() {
	[ -n "$sp" ] && kill "$sp" 2>/dev/null && wait "$sp" 2>/dev/null
	"$TOP/tests/fleet/down.sh" "$dir" >/dev/null 2>&1
	rm -rf "$run"
}
trap cleanup EXIT
source "$dir/fleet.env"
R="$BUILD/ronda"
X=(-i "$FLEET_INVENTORY" --known-hosts "$FLEET_KNOWN_HOSTS")
js() { jq -r "$@"; }
status_json() { "$R" serve --status --json 2>/dev/null; }
# wait_state FILTER: until jq FILTER over the status is true (at most 30 s)
wait_state() {
	for _ in $(seq 1 300); do
		[ "$(status_json | js "$1" 2>/dev/null)" = true ] && return 0
		sleep 0.1
	done
	return 1
}
# the per-connection sshd serving ADDRESS:PORT
session_of() { ss -tnpH src "$1:$FLEET_PORT" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2; }
# the resident agents (ronda-agent serve, from a host's cache) under sshd sessions
residents() { for p in $(pgrep '^agent-'); do grep -q 'sshd: root@notty' "/proc/$(awk '{print $4}' "/proc/$p/stat")/cmdline" 2>/dev/null &&
	tr '\0' ' ' < "/proc/$p/cmdline" | grep -q "^$FLEET_HOMES/.*/agent-[0-9a-f]* serve " && echo "$p"; done | wc -l; }

"$R" serve --status > /dev/null 2> "$run/none.err"; rc=$?
[ $rc -eq 69 ] && grep -q "no warm daemon at $SOCK" "$run/none.err" &&
	t_ok "--status with no daemon: exit 69, the socket named" || t_fail "--status with no daemon" "rc=$rc $(cat "$run/none.err")"

"$R" serve "${X[@]}" --keepalive 1 'node[001-010],closed' > /dev/null 2> "$run/serve.err" &
sp=$!
if wait_state '[.hosts[] | select(.host != "closed") | .state == "up"] | all and length == 10'; then
	t_ok "10 hosts up, each on its session"
else
	t_fail "10 hosts up" "$(status_json | head -c 400) $(tail -3 "$run/serve.err")"
fi
wait_state '.hosts[] | select(.host == "closed") | .state == "down" and (.why | test("unreachable: .*refused"))' &&
	t_ok "a refusing host is down, with the cause" || t_fail "a refusing host is down" "$(status_json | js '.hosts[] | select(.host == "closed")')"
[ "$(residents)" -ge 10 ] && t_ok "a resident agent per host (ronda-agent serve under each session)" || t_fail "a resident agent per host" "$(residents)"
[ "$(stat -c %a "$SOCK")" = 600 ] && [ "$(stat -c %a "$run/ronda")" = 700 ] &&
	t_ok "socket 0600 in a 0700 directory" || t_fail "socket and directory modes" "$(stat -c '%a %n' "$SOCK" "$run/ronda")"
"$R" serve --status > "$run/table" 2> "$run/table.err"
grep -q '^node005  *up ' "$run/table" && grep -q '^11 host(s): 10 up, 0 starting, 0 connecting, 1 down; daemon pid '"$sp" "$run/table.err" &&
	t_ok "--status: a table and a summary with the daemon's pid" || t_fail "--status table" "$(head -3 "$run/table") $(cat "$run/table.err")"
[ -z "$(ss -tlnpH | grep "pid=$sp,")" ] && t_ok "the daemon listens on no TCP port" || t_fail "no TCP port" "$(ss -tlnpH | grep "pid=$sp,")"

# a second daemon on the same socket is refused, and the first is unharmed
"$R" serve "${X[@]}" node001 > /dev/null 2> "$run/second.err"; rc=$?
[ $rc -eq 78 ] && grep -q 'a warm daemon already answers there' "$run/second.err" && kill -0 "$sp" &&
	t_ok "a second daemon on the socket: exit 78, the first one unharmed" || t_fail "a second daemon" "rc=$rc $(cat "$run/second.err")"

# another uid, let past the file modes, is refused by its credentials
chmod 755 "$run" "$run/ronda"; chmod 666 "$SOCK"
setpriv --reuid=65534 --regid=65534 --clear-groups "$R" serve --status --socket "$SOCK" > "$run/other.out" 2> "$run/other.err"; rc=$?
chmod 700 "$run" "$run/ronda"; chmod 600 "$SOCK"
[ $rc -eq 77 ] && grep -q "refused: uid 65534 is not the daemon's (0)" "$run/other.err" && [ ! -s "$run/other.out" ] &&
	grep -q 'refused a client of uid 65534' "$run/serve.err" &&
	t_ok "uid 65534 refused by SO_PEERCRED (exit 77), no host shown, the refusal logged" ||
	t_fail "uid 65534 refused" "rc=$rc $(cat "$run/other.err" "$run/other.out") $(tail -2 "$run/serve.err")"

# a lost session: down with the cause, then back on a new one
old=$(session_of 127.0.0.6)
kill -KILL "$old"
wait_state '.hosts[] | select(.host == "node005") | .state == "down" or .connects == 2'
seen=$(status_json | js '.hosts[] | select(.host == "node005") | "\(.state) \(.why)"')
if wait_state '.hosts[] | select(.host == "node005") | .state == "up" and .connects == 2'; then
	new=$(session_of 127.0.0.6)
	[ -n "$new" ] && [ "$new" != "$old" ] && t_ok "a killed session comes back on a new one (sshd $old -> $new; seen: $seen)" ||
		t_fail "a killed session comes back" "old=$old new=$new"
else
	t_fail "a killed session comes back" "$(status_json | js '.hosts[] | select(.host == "node005")')"
fi
[ "$(status_json | js '[.hosts[] | select(.host != "node005" and .host != "closed") | .connects == 1] | all')" = true ] &&
	t_ok "the other hosts kept their first session" || t_fail "the other hosts kept their first session" "$(status_json | head -c 300)"

# out of descriptors: a daemon with room for its hosts and a few clients
# pauses accepting (a second at a time) instead of spinning on EMFILE, and
# answers again once the crowd has gone
S2=$run/fd/serve.sock
bash -c 'ulimit -n 40; exec "$@"' _ "$R" serve "${X[@]}" --socket "$S2" 'node[001-005]' > /dev/null 2> "$run/fd.err" &
fp=$!
for _ in $(seq 1 300); do [ "$("$R" serve --status --json --socket "$S2" 2>/dev/null | js '[.hosts[] | select(.state == "up")] | length')" = 5 ] && break; sleep 0.1; done
timeout 20 python3 - "$S2" <<'PY'
import socket, sys, time
held = [socket.socket(socket.AF_UNIX) for _ in range(60)]
for s in held:
    s.connect(sys.argv[1])
time.sleep(2.5)
PY
pauses=$(grep -c 'out of descriptors' "$run/fd.err")
"$R" serve --status --socket "$S2" > /dev/null 2>&1; src=$?
kill "$fp"; wait "$fp"
[ "$pauses" -ge 1 ] && [ "$pauses" -le 4 ] && [ $src -eq 0 ] &&
	t_ok "out of descriptors: $pauses pause(s) in 2.5 s, not a spin; answers again after" ||
	t_fail "out of descriptors" "pauses=$pauses status rc=$src"

# SIGTERM: every session ends, nothing left on the hosts, the socket gone
kill -TERM "$sp"
for _ in $(seq 1 100); do kill -0 "$sp" 2>/dev/null || break; sleep 0.1; done
wait "$sp"; rc=$?; sp=
for _ in $(seq 1 50); do [ "$(residents)" -eq 0 ] && break; sleep 0.1; done
[ $rc -eq 0 ] && [ ! -e "$SOCK" ] && [ "$(residents)" -eq 0 ] &&
	t_ok "SIGTERM: exit 0, the socket removed, no resident left on the hosts" ||
	t_fail "SIGTERM" "rc=$rc socket=$(ls "$SOCK" 2>&1) residents=$(residents)"
t_finish
