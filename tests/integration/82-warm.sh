#!/bin/bash
# 82-warm.sh - check --warm, run --warm and exec --warm through ronda serve: the same
# summary, JSON, --out files and exit status as a cold run of the same
# job on the same hosts (fault hosts included); maintain work, sudo and
# hosts the daemon does not hold go cold with a note, or fail with
# --warm=required; no daemon: cold with a note, or exit 69.  A host whose
# sshd goes away is unreachable with the cause, and after sshd is back it
# is served again on a new session, its host key checked again (a changed
# key keeps it out).  Every wait is bounded by the event it waits for.
source "$(dirname "$0")/../lib.sh"
dir=$("$TOP/tests/fleet/up.sh" -n 6 -t 300) || { t_fail "fleet up"; t_finish; exit 1; }
run=$(mktemp -d /tmp/ronda-warm.XXXXXX)
chmod 700 "$run"
export XDG_RUNTIME_DIR=$run
sp= pp=
cleanup() {
	[ -n "$sp" ] && kill "$sp" 2>/dev/null && wait "$sp" 2>/dev/null
	[ -n "$pp" ] && kill "$pp" 2>/dev/null
	"$TOP/tests/fleet/down.sh" "$dir" >/dev/null 2>&1
	[ -n "${KEEP:-}" ] || rm -rf "$run"
}
trap cleanup EXIT
source "$dir/fleet.env"
R="$BUILD/ronda"

# a host of its own sshd, which the test stops and starts again
P_ADDR=127.0.0.250 P_PORT=22050
sed "s/^ListenAddress .*/ListenAddress $P_ADDR:$P_PORT/" "$FLEET_DIR/sshd-good.conf" > "$run/phoenix.conf"
sed "s/^hosts = (/hosts = (\n  { name = \"phoenix\"; address = \"$P_ADDR\"; port = $P_PORT; },/" "$FLEET_INVENTORY" > "$run/inventory.cfg"
cp "$FLEET_KNOWN_HOSTS" "$run/known_hosts"
echo "[$P_ADDR]:$P_PORT $(cut -d' ' -f1,2 "$FLEET_DIR/host_ed25519.pub")" >> "$run/known_hosts"
phoenix_up() {
	/usr/sbin/sshd -D -e -f "$run/phoenix.conf" "$@" 2>> "$run/phoenix.log" &
	pp=$!
}
phoenix_up
X=(-i "$run/inventory.cfg" --known-hosts "$run/known_hosts")
HOSTS='node[001-006],closed,badkey,noauth,phoenix'
js() { jq -r "$@"; }
status_json() { "$R" serve --status --json 2>/dev/null; }
# wait_state FILTER [TENTHS]: until jq FILTER over the status is true (30 s)
wait_state() {
	for _ in $(seq 1 "${2:-300}"); do
		[ "$(status_json | js "$1" 2>/dev/null)" = true ] && return 0
		sleep 0.1
	done
	return 1
}
# what differs between any two runs of a job: timings, clocks, live values
norm() { jq -S -c 'walk(if type == "object" then del(.ms, .agent_ms, .started, .uptime_s, .boot_time, .duration_s, .time) else . end)' "$@"; }

# no daemon yet
"$R" check "${X[@]}" --warm node001 file:/etc/hostname > "$run/nd.out" 2> "$run/nd.err"; rc=$?
[ $rc -eq 0 ] && grep -q "^ronda: --warm: no warm daemon at $run/ronda/serve.sock: .*; running cold" "$run/nd.err" &&
	grep -q '^1 host(s): 1 ok' "$run/nd.out" &&
	t_ok "--warm and no daemon: a note, then the cold run" || t_fail "--warm and no daemon" "rc=$rc $(cat "$run/nd.err")"
"$R" check "${X[@]}" --warm=required node001 file:/etc/hostname > "$run/nd.out" 2> "$run/nd.err"; rc=$?
[ $rc -eq 69 ] && [ ! -s "$run/nd.out" ] && grep -q -- '--warm=required: no warm daemon' "$run/nd.err" &&
	t_ok "--warm=required and no daemon: exit 69, nothing run" || t_fail "--warm=required and no daemon" "rc=$rc $(cat "$run/nd.err")"

"$R" serve "${X[@]}" "$HOSTS" > /dev/null 2> "$run/serve.err" &
sp=$!
if wait_state '[.hosts[] | select(.host | test("^node|phoenix")) | .state == "up"] | all and length == 7' &&
   wait_state '[.hosts[] | select(.host | test("^node|phoenix") | not) | .state == "down"] | all'; then
	t_ok "the daemon holds 7 hosts, their agents up; 3 fault hosts down"
else
	t_fail "the daemon holds its hosts" "$(status_json | head -c 600)"
fi

# warm and cold, the same job on the same hosts: summary, JSON, --out, exit status
# checks whose answers do not change from one second to the next
CHECKS=(file:/nonexistent port:22000 file:/etc/nologin:absent 'sysctl:kernel.pid_max>=1' mount:/)
"$R" check "${X[@]}" --warm --out "$run/ow" "$HOSTS" "${CHECKS[@]}" > "$run/w.txt" 2> "$run/w.err"; wrc=$?
"$R" check "${X[@]}" --out "$run/oc" "$HOSTS" "${CHECKS[@]}" > "$run/c.txt" 2> "$run/c.err"; crc=$?
grep -q "^ronda: answered by the warm daemon at $run/ronda/serve.sock" "$run/w.err" &&
	! grep -q 'warm daemon' "$run/c.err" &&
	t_ok "check --warm says the daemon answered" || t_fail "check --warm says so" "$(cat "$run/w.err")"
[ $wrc -eq 2 ] && [ $wrc -eq $crc ] && cmp -s "$run/w.txt" "$run/c.txt" &&
	grep -q '^10 host(s): 0 ok, 0 warn, 7 fail, 3 unreachable' "$run/w.txt" &&
	t_ok "check: the same summary, byte for byte, and exit status ($wrc) warm and cold" ||
	t_fail "check: warm = cold summary" "rc $wrc/$crc $(diff "$run/w.txt" "$run/c.txt" | head -8)"
"$R" check "${X[@]}" --warm --json "$HOSTS" "${CHECKS[@]}" 2> /dev/null | norm > "$run/w.json"; wrc=$?
"$R" check "${X[@]}" --json "$HOSTS" "${CHECKS[@]}" 2> /dev/null | norm > "$run/c.json"
[ "$(wc -l < "$run/w.json")" -ge 40 ] && cmp -s "$run/w.json" "$run/c.json" &&
	t_ok "check --json: the same $(wc -l < "$run/w.json") lines warm and cold (timings and clocks aside)" ||
	t_fail "check --json warm = cold" "$(diff "$run/w.json" "$run/c.json" | head -6)"
ow=$(ls -d "$run"/ow/*/) oc=$(ls -d "$run"/oc/*/)
same=1
for f in $(cd "$oc" && find . -type f | sort); do
	case $f in
	*.json) [ "$(norm "$ow/$f" 2>/dev/null)" = "$(norm "$oc/$f")" ] || { same=0; echo "differs: $f"; } ;;
	*) cmp -s "$ow/$f" "$oc/$f" || { same=0; echo "differs: $f"; } ;;
	esac
done > "$run/out.diff"
[ $same = 1 ] && [ "$(cd "$ow" && find . -type f | sort)" = "$(cd "$oc" && find . -type f | sort)" ] &&
	[ "$(ls "$oc/hosts" | wc -l)" -eq 10 ] &&
	t_ok "--out: the same files, the same contents warm and cold" || t_fail "--out warm = cold" "$(cat "$run/out.diff")"

# run --warm: an inspect playbook, the same as cold
cat > "$run/book.cfg" <<'EOF'
name = "warm-book";
defaults = { timeout = 30.0; profile = "inspect"; };
tasks = (
  { name = "echo"; check = "command"; argv = [ "echo", "warm or cold" ]; exit = 0; },
  { name = "false"; check = "command"; argv = [ "false" ]; exit = 0; }
);
EOF
"$R" run "${X[@]}" --warm "$run/book.cfg" --limit 'node[001-006],phoenix' > "$run/rw.txt" 2> "$run/rw.err"; wrc=$?
"$R" run "${X[@]}" "$run/book.cfg" --limit 'node[001-006],phoenix' > "$run/rc.txt" 2> /dev/null; crc=$?
[ $wrc -eq 1 ] && [ $crc -eq 1 ] && cmp -s "$run/rw.txt" "$run/rc.txt" && grep -q 'answered by the warm daemon' "$run/rw.err" &&
	grep -q '^7 host(s): 0 ok, 0 warn, 7 fail' "$run/rw.txt" &&
	t_ok "run --warm: the same summary and exit status (1) as cold" ||
	t_fail "run --warm = cold" "rc $wrc/$crc $(diff "$run/rw.txt" "$run/rc.txt" | head -6) $(cat "$run/rw.err")"

# what the daemon does not take: maintain work, sudo, hosts it does not hold
sed 's/profile = "inspect"/profile = "maintain"/' "$run/book.cfg" > "$run/maint.cfg"
"$R" run "${X[@]}" --warm "$run/maint.cfg" --limit node001 > /dev/null 2> "$run/m.err"; rc=$?
grep -q '^ronda: --warm: maintain work never goes to the warm daemon; running cold' "$run/m.err" && [ $rc -eq 1 ] &&
	t_ok "run --warm of maintain work: a note, then the cold run" || t_fail "maintain goes cold" "rc=$rc $(cat "$run/m.err")"
"$R" run "${X[@]}" --warm=required "$run/maint.cfg" --limit node001 > "$run/m.out" 2> "$run/m.err"; rc=$?
[ $rc -eq 64 ] && [ ! -s "$run/m.out" ] && grep -q 'maintain work never goes to the warm daemon' "$run/m.err" &&
	t_ok "--warm=required of maintain work: refused (64), nothing run" || t_fail "maintain refused" "rc=$rc $(cat "$run/m.err")"
"$R" check "${X[@]}" --warm --become node001 file:/etc/hostname > /dev/null 2> "$run/b.err"
grep -q 'do not run through sudo.*running cold' "$run/b.err" && t_ok "--warm --become: cold, with a note" || t_fail "--become goes cold" "$(cat "$run/b.err")"
"$R" check "${X[@]}" --warm 'node001,silent' file:/etc/hostname > /dev/null 2> "$run/u.err"
grep -q 'it does not hold silent; running cold' "$run/u.err" &&
	t_ok "--warm over a host the daemon does not hold: all cold, with a note" || t_fail "a host not held" "$(cat "$run/u.err")"
"$R" check "${X[@]}" --warm=required --timeout 2 'node001,silent' file:/etc/hostname > "$run/u.out" 2> /dev/null; rc=$?
grep -q 'unreachable  silent (1): not held by the warm daemon' "$run/u.out" && [ $rc -eq 2 ] &&
	t_ok "--warm=required over a host not held: it is unreachable, 'not held'" || t_fail "required, not held" "rc=$rc $(cat "$run/u.out")"

# a maintain job sent to the daemon by hand is refused by the daemon itself
python3 - "$run/ronda/serve.sock" > "$run/raw.out" <<'PY'
import json, socket, struct, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
job = json.dumps({"ronda": 1, "profile": "maintain", "tasks": []}) + "\n"
req = json.dumps({"op": "job", "job": job, "hosts": ["node001"], "timeout": 5}).encode()
s.sendall(struct.pack(">I", len(req)) + req)
n = struct.unpack(">I", s.recv(4, socket.MSG_WAITALL))[0]
print(s.recv(n, socket.MSG_WAITALL).decode())
PY
grep -q '"error": *"the warm daemon runs inspect jobs only"' "$run/raw.out" &&
	t_ok "the daemon refuses a maintain job itself" || t_fail "the daemon refuses maintain" "$(cat "$run/raw.out")"

# exec --warm: a new channel on each held session, the same as cold
EX=(-- sh -c 'echo "out $1"; echo "err $1" >&2; [ "$(hostname)" ] && exit 3' _ arg)
"$R" exec "${X[@]}" --warm "$HOSTS" "${EX[@]}" > "$run/ew.out" 2> "$run/ew.err"; wrc=$?
"$R" exec "${X[@]}" "$HOSTS" "${EX[@]}" > "$run/ec.out" 2> "$run/ec.err"; crc=$?
grep -q '^ronda exec: answered by the warm daemon' "$run/ew.err" && sed -i '/answered by the warm daemon/d' "$run/ew.err"
[ $wrc -eq 2 ] && [ $crc -eq 2 ] && [ "$(sort "$run/ew.out")" = "$(sort "$run/ec.out")" ] &&
	[ "$(sort "$run/ew.err")" = "$(sort "$run/ec.err")" ] && [ "$(grep -c 'out arg' "$run/ew.out")" -eq 7 ] &&
	t_ok "exec --warm: the same lines (7 hosts), summary and exit status (2) as cold" ||
	t_fail "exec --warm = cold" "rc $wrc/$crc $(diff <(sort "$run/ew.out") <(sort "$run/ec.out") | head -4) $(diff <(sort "$run/ew.err") <(sort "$run/ec.err") | head -6)"
"$R" exec "${X[@]}" --warm --json "$HOSTS" "${EX[@]}" 2> /dev/null | norm | sort > "$run/ew.json"
"$R" exec "${X[@]}" --json "$HOSTS" "${EX[@]}" 2> /dev/null | norm | sort > "$run/ec.json"
[ "$(wc -l < "$run/ew.json")" -eq 10 ] && cmp -s "$run/ew.json" "$run/ec.json" &&
	t_ok "exec --warm --json: the same 10 objects as cold (timings aside)" || t_fail "exec --json warm = cold" "$(diff "$run/ew.json" "$run/ec.json" | head -6)"
"$R" exec "${X[@]}" --warm -b 'node[001-006],phoenix' -- uname -s > "$run/bw" 2> /dev/null
"$R" exec "${X[@]}" -b 'node[001-006],phoenix' -- uname -s > "$run/bc" 2> /dev/null
cmp -s "$run/bw" "$run/bc" && grep -q '^Linux$' "$run/bw" && t_ok "exec --warm -b: the same folded output" || t_fail "exec -b warm = cold" "$(diff "$run/bw" "$run/bc")"
printf 'a\0b\377\n' | "$R" exec "${X[@]}" --warm node001 -- od -An -c > "$run/iw" 2> /dev/null
printf 'a\0b\377\n' | "$R" exec "${X[@]}" node001 -- od -An -c > "$run/ic" 2> /dev/null
cmp -s "$run/iw" "$run/ic" && grep -q 'a  \\0   b 377  \\n' "$run/iw" && t_ok "exec --warm: stdin, any bytes, as cold" || t_fail "exec stdin warm = cold" "$(cat "$run/iw" "$run/ic")"
"$R" exec "${X[@]}" --warm --timeout 2 node001 -- sleep 60 > /dev/null 2> "$run/tw"; wrc=$?
[ $wrc -eq 2 ] && grep -q '^timeout  *1  node001: command still running after 2s; killed' "$run/tw" &&
	t_ok "exec --warm --timeout: killed, timeout, as cold" || t_fail "exec --warm timeout" "rc=$wrc $(cat "$run/tw")"
for _ in $(seq 1 50); do pgrep -f '^sleep 60$' > /dev/null || break; sleep 0.1; done
! pgrep -f '^sleep 60$' > /dev/null && t_ok "exec --warm --timeout: nothing left running on the host" || t_fail "the killed command is gone" "$(pgrep -af '^sleep 60$')"
"$R" exec "${X[@]}" --warm --become node001 -- true 2> "$run/eb" > /dev/null
grep -q 'do not run through sudo.*running cold' "$run/eb" && t_ok "exec --warm --become: cold, with a note" || t_fail "exec --become goes cold" "$(cat "$run/eb")"
"$R" exec "${X[@]}" --warm --serial 2 'node[001-004]' -- true 2> "$run/es" > /dev/null; rc=$?
[ $rc -eq 0 ] && grep -q -- '--serial and --max-fail run in batches.*running cold' "$run/es" &&
	! grep -q 'answered by the warm daemon' "$run/es" &&
	t_ok "exec --warm --serial: batches, so cold, with a note" || t_fail "--serial goes cold" "rc=$rc $(cat "$run/es")"
[ "$(status_json | js '[.hosts[] | select(.host | test("^node|phoenix")) | .state == "up" and .connects == 1] | all')" = true ] &&
	"$R" check "${X[@]}" --warm=required 'node[001-006]' mem > /dev/null 2>&1 &&
	t_ok "after the execs every resident agent still answers, on its first session" || t_fail "residents after exec" "$(status_json | head -c 300)"

# phoenix's sshd goes away (listener and session): unreachable with the cause
old=$(ss -tnpH src "$P_ADDR:$P_PORT" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
kill "$pp"; wait "$pp" 2>/dev/null; pp=
[ -n "$old" ] && kill "$old"
if wait_state '.hosts[] | select(.host == "phoenix") | .state == "down" and (.why | test("refused"))'; then
	"$R" check "${X[@]}" --warm phoenix file:/etc/hostname > "$run/p.out" 2> "$run/p.err"; rc=$?
	[ $rc -eq 2 ] && grep -q "^unreachable  phoenix (1): connect to $P_ADDR port $P_PORT: Connection refused" "$run/p.out" &&
		grep -q 'answered by the warm daemon' "$run/p.err" &&
		t_ok "sshd gone: the warm answer is unreachable, with the cause" || t_fail "sshd gone: unreachable" "rc=$rc $(cat "$run/p.out" "$run/p.err")"
else
	t_fail "sshd gone: the host is down" "$(status_json | js '.hosts[] | select(.host == "phoenix")')"
fi
# sshd back, with another host key: the daemon's new session is refused
phoenix_up -o HostKey="$FLEET_DIR/host_other"
# (the daemon's backoff has grown while sshd was away: up to 30 s)
if wait_state '.hosts[] | select(.host == "phoenix") | .state == "down" and (.why | test("HOST KEY CHANGED"))' 700; then
	"$R" check "${X[@]}" --warm phoenix file:/etc/hostname > "$run/p.out" 2> /dev/null; rc=$?
	[ $rc -eq 2 ] && grep -q '^unreachable  phoenix (1): HOST KEY CHANGED' "$run/p.out" &&
		t_ok "sshd back with a changed key: checked again on reconnect, refused" || t_fail "changed key on reconnect" "rc=$rc $(cat "$run/p.out")"
else
	t_fail "changed key on reconnect" "$(status_json | js '.hosts[] | select(.host == "phoenix")')"
fi
kill "$pp"; wait "$pp" 2>/dev/null; pp=
# sshd back with its own key: served again on a new session
phoenix_up
if wait_state '.hosts[] | select(.host == "phoenix") | .state == "up" and .connects == 2' 700; then
	"$R" check "${X[@]}" --warm=required phoenix file:/etc/hostname > "$run/p.out" 2> /dev/null; rc=$?
	[ $rc -eq 0 ] && grep -q '^1 host(s): 1 ok' "$run/p.out" &&
		t_ok "sshd restarted: served again on its second session" || t_fail "served again" "rc=$rc $(cat "$run/p.out")"
else
	t_fail "sshd restarted: up again" "$(status_json | js '.hosts[] | select(.host == "phoenix")')"
fi
[ "$(status_json | js '[.hosts[] | select(.host | test("^node")) | .connects == 1] | all')" = true ] &&
	t_ok "the other hosts kept their first session throughout" || t_fail "others kept their session" "$(status_json | head -c 400)"

# the daemon stops while a warm exec runs: its client is told, as a cold
# run interrupted would say, and nothing is left on the hosts
"$R" exec "${X[@]}" --warm 'node[001-002]' -- sleep 47 > "$run/int.out" 2> "$run/int.err" &
cp=$!
procs_running '^sleep 47$' 2 > /dev/null
kill -TERM "$sp"; wait "$sp"; src=$?; sp=
wait "$cp"; crc=$?
[ $src -eq 0 ] && [ $crc -eq 3 ] && grep -q '^interrupted  *2  node\[001-002\]: interrupted; command killed' "$run/int.err" &&
	t_ok "the daemon stopped mid-exec: its client says interrupted (exit 3)" || t_fail "daemon stopped mid-exec" "daemon $src client $crc $(cat "$run/int.err")"
for _ in $(seq 1 50); do pgrep -f '^sleep 47$' > /dev/null || break; sleep 0.1; done
! pgrep -f '^sleep 47$' > /dev/null && t_ok "and nothing of it is left on the hosts" || t_fail "left on the hosts" "$(pgrep -af '^sleep 47$')"
t_finish
