#!/bin/bash
# 40-exec.sh - ronda exec against the loopback fleet: 200 good hosts and
# every fault host in one run, each fault's class, the time bound, output
# caps, folding, command timeouts that leave nothing running, accept-new,
# Ctrl-C, descriptors above 1024, and exit codes.
source "$(dirname "$0")/../lib.sh"
N=200
dir=$("$TOP/tests/fleet/up.sh" -n "$N" -t 600) || { t_fail "fleet up"; t_finish; exit 1; }
trap '"$TOP/tests/fleet/down.sh" "$dir" >/dev/null 2>&1' EXIT
source "$dir/fleet.env"
R="$BUILD/ronda"
X=(-i "$FLEET_INVENTORY" --known-hosts "$FLEET_KNOWN_HOSTS")
# Hung commands carry this run's PID in their duration, so that pgrep
# counts only ours when other test runs share the machine.
M=$$
js() { jq -r "$@"; }

# --- one run: every good host and every fault host ------------------------
CT=5 RETRIES=1
t0=$(date +%s.%N)
"$R" exec "${X[@]}" --json --connect-timeout $CT --retries $RETRIES 'all' -- sh -c 'echo "$SSH_CONNECTION"' > "$dir/all.json" 2>"$dir/all.err"
rc=$?
el=$(echo "$(date +%s.%N) - $t0" | bc)
# the tarpit's attempts, the longest backoff between them (0.5 s x 1.5
# jitter), and 3 s for 200 handshakes on two cores shared with the fleet
# No host waits for another and nothing lingers after the last: the run
# ends within 1.5 s (starting the program, tearing down) of the host that
# finished last, by each host's own start and total.  A wall-clock bound
# would measure the machine's load instead: 200 handshakes on two cores.
last=$(js -s 'map(.ms.start + .ms.total) | max' "$dir/all.json")
echo "200 good + 6 fault hosts: ${el}s, the last host done at ${last} ms, exit $rc"
[ $rc -eq 2 ] && t_ok "exit 2 when some hosts are unreachable" || t_fail "exit 2 when some hosts are unreachable" "rc=$rc $(head -3 "$dir/all.err")"
if [ -n "$last" ] && (( $(echo "$el * 1000 < $last + 1500 && $el * 1000 >= $last" | bc) )); then
	t_ok "the run ends with its last host (${el}s, the last host at ${last} ms)"
else
	t_fail "the run ends with its last host" "${el}s, the last host at ${last} ms"
fi
# The tarpit's own time, from its first attempt to its verdict, is bounded
# by its deadlines alone, however busy the machine is.
tp=$(js 'select(.host == "silent") | .ms.total' "$dir/all.json")
tbound=$(echo "($CT * ($RETRIES + 1) + 0.75 + 0.5) * 1000" | bc)
if [ -n "$tp" ] && (( $(echo "$tp >= $CT * ($RETRIES + 1) * 1000 && $tp < $tbound" | bc) )); then
	t_ok "the tarpit took ${tp} ms: its deadlines, and no more"
else
	t_fail "the tarpit's own time" "${tp} ms, want [$((CT * (RETRIES + 1) * 1000)), $tbound)"
fi
status_of() { js --arg h "$1" 'select(.host == $h) | .status' "$dir/all.json"; }
field_of() { js --arg h "$1" "select(.host == \$h) | $2" "$dir/all.json"; }
good=$(js 'select(.host | startswith("node")) | select(.status == "ok") | .host' "$dir/all.json" | wc -l)
[ "$good" -eq $N ] && t_ok "all $N good hosts ok" || t_fail "all $N good hosts ok" "$good ok"
# each good host answered from its own address
own=$(js 'select(.host | startswith("node")) | "\(.address) \(.stdout | split(" ")[2])"' "$dir/all.json" | awk '$1 == $2' | wc -l)
[ "$own" -eq $N ] && t_ok "each host ran the command on its own address" || t_fail "each host ran the command on its own address" "$own"
expect() { # host status attempts
	local s a
	s=$(status_of "$1"); a=$(field_of "$1" .attempts)
	if [ "$s" = "$2" ] && [ "$a" = "$3" ]; then t_ok "$1: $2 after $3 attempt(s)"; else t_fail "$1: $2 after $3 attempt(s)" "got $s after $a: $(field_of "$1" .error)"; fi
}
expect silent timeout 2
expect closed unreachable 2
expect badkey hostkey-changed 1
expect noauth auth 1
expect garbage protocol 1
expect drop ok 1
grep -q '^timeout .* silent' "$dir/all.err" 2>/dev/null; true

# --- drop mid-transfer ------------------------------------------------------
"$R" exec "${X[@]}" --json drop -- flood 1000000 > "$dir/drop.json" 2>/dev/null
s=$(js .status "$dir/drop.json"); e=$(js .error "$dir/drop.json")
[ "$s" = protocol ] && [[ $e == *"connection lost"* ]] && t_ok "drop mid-transfer: protocol, connection lost" || t_fail "drop mid-transfer" "$s: $e"

# --- human output, folding, summary -----------------------------------------
"$R" exec "${X[@]}" -b 'node[001-200]' -- echo same > "$dir/fold.out" 2>"$dir/fold.err"
rc=$?
if [ $rc -eq 0 ] && grep -qx 'node\[001-200\] (200)' "$dir/fold.out" && [ "$(grep -cx same "$dir/fold.out")" -eq 1 ]; then
	t_ok "-b folds 200 identical outputs into one block"
else
	t_fail "-b folds 200 identical outputs into one block" "rc=$rc $(head -5 "$dir/fold.out")"
fi
grep -qE '^ok +200 +node\[001-200\]$' "$dir/fold.err" && t_ok "summary line folds hosts" || t_fail "summary line folds hosts" "$(cat "$dir/fold.err")"
"$R" exec "${X[@]}" 'node[001-003]' -- sh -c 'echo a; echo b' > "$dir/plain.out" 2>/dev/null
[ "$(grep -c '^node00[1-3]: [ab]$' "$dir/plain.out")" -eq 6 ] && t_ok "unfolded output prefixed per host" || t_fail "unfolded output prefixed per host" "$(cat "$dir/plain.out")"
"$R" exec "${X[@]}" -b 'node[001-004]' -- sh -c 'case $(hostname -I 2>/dev/null; echo "$SSH_CONNECTION") in *127.0.0.[23]\ *) echo low;; *) echo high;; esac' > "$dir/two.out" 2>/dev/null
grep -qx 'node\[001-002\] (2)' "$dir/two.out" && grep -qx 'node\[003-004\] (2)' "$dir/two.out" && t_ok "-b keeps different outputs apart" || t_fail "-b keeps different outputs apart" "$(cat "$dir/two.out")"

# --- exit status and failures -------------------------------------------------
"$R" exec "${X[@]}" --json 'node[001-003]' -- sh -c 'exit 7' > "$dir/fail.json" 2>/dev/null
rc=$?
[ $rc -eq 1 ] && [ "$(js 'select(.status == "failed" and .exit_code == 7) | .host' "$dir/fail.json" | wc -l)" -eq 3 ] &&
	t_ok "exit code 7 reported, ronda exits 1" || t_fail "exit code 7 reported, ronda exits 1" "rc=$rc"
"$R" exec "${X[@]}" node001 -- true >/dev/null 2>&1; [ $? -eq 0 ] && t_ok "exit 0 when all ok" || t_fail "exit 0 when all ok"
"$R" exec "${X[@]}" node001 true >/dev/null 2>&1; [ $? -eq 64 ] && t_ok "exit 64 without --" || t_fail "exit 64 without --"
printf 'hosts = ( { name = "x"; prot = 22; } );\n' > "$dir/bad.cfg"
"$R" exec -i "$dir/bad.cfg" x -- true 2>"$dir/bad.err"; rc=$?
[ $rc -eq 78 ] && grep -q "bad.cfg:1" "$dir/bad.err" && t_ok "exit 78 with file:line for a bad inventory" || t_fail "exit 78 with file:line for a bad inventory" "rc=$rc $(cat "$dir/bad.err")"
# hostile arguments arrive intact
"$R" exec "${X[@]}" --json node001 -- printf '[%s]' 'a b' '$(id)' "it's" '*' > "$dir/q.json" 2>/dev/null
[ "$(js .stdout "$dir/q.json")" = "[a b][\$(id)][it's][*]" ] && t_ok "arguments reach the host unexpanded" || t_fail "arguments reach the host unexpanded" "$(js .stdout "$dir/q.json")"

# --- output cap -------------------------------------------------------------
"$R" exec "${X[@]}" --json node002 -- flood 10485760 > "$dir/flood.json" 2>/dev/null
len=$(js '.stdout | length' "$dir/flood.json"); cut=$(js .stdout_truncated "$dir/flood.json"); s=$(js .status "$dir/flood.json")
[ "$s" = ok ] && [ "$len" -eq 1048576 ] && [ "$cut" = true ] && t_ok "10 MiB output capped at 1 MiB and flagged" || t_fail "10 MiB output capped" "status=$s len=$len cut=$cut"
"$R" exec "${X[@]}" --json --max-output 1000 node002 -- flood 5000 > "$dir/flood2.json" 2>/dev/null
[ "$(js '.stderr | length' "$dir/flood2.json")" -eq 1000 ] && [ "$(js .stderr_truncated "$dir/flood2.json")" = true ] && t_ok "--max-output caps stderr too" || t_fail "--max-output caps stderr too"

# --- command timeout: killed, nothing left on the host -----------------------
t0=$(date +%s.%N)
"$R" exec "${X[@]}" --json --timeout 2 'node[010-019]' -- hang 987.$M > "$dir/hang.json" 2>/dev/null
rc=$?; el=$(echo "$(date +%s.%N) - $t0" | bc)
n=$(js 'select(.status == "timeout") | .host' "$dir/hang.json" | wc -l)
[ $rc -eq 2 ] && [ "$n" -eq 10 ] && (( $(echo "$el < 8" | bc) )) && t_ok "--timeout 2 stops 10 hung commands (${el}s)" || t_fail "--timeout stops hung commands" "rc=$rc n=$n el=$el"
sleep 0.5
left=$(pgrep -f "sleep 987.$M" | wc -l)
[ "$left" -eq 0 ] && t_ok "no hung command left running on the hosts" || t_fail "no hung command left running on the hosts" "$left left"

# --- Ctrl-C -------------------------------------------------------------------
"$R" exec "${X[@]}" --json 'node[020-039]' -- hang 876.$M > "$dir/int.json" 2>"$dir/int.err" &
rp=$!
# interrupt once every host's command runs: bounded by events, not a sleep
running=$(procs_running "sleep 876.$M" 20)
kill -INT $rp
t0=$(date +%s.%N)
wait $rp; rc=$?
el=$(echo "$(date +%s.%N) - $t0" | bc)
sleep 0.5
left=$(pgrep -f "sleep 876.$M" | wc -l)
nint=$(js 'select(.status == "interrupted") | .host' "$dir/int.json" | wc -l)
[ "$running" -eq 20 ] && [ $rc -eq 3 ] && [ "$nint" -eq 20 ] && t_ok "Ctrl-C: exit 3, every host reported interrupted (${el}s)" || t_fail "Ctrl-C: exit 3, hosts interrupted" "running=$running rc=$rc interrupted=$nint $(tail -3 "$dir/int.err")"
[ "$left" -eq 0 ] && t_ok "Ctrl-C leaves no command running on the hosts" || t_fail "Ctrl-C leaves no command running" "$left left"

# --- a few sessions for many hosts: the engine reuses its conns --------------
# 7 conns carry 200 good hosts and the faults (the tarpit holds one through
# its retry): every host still answers from its own address.
"$R" exec "${X[@]}" --json --forks 7 --connect-timeout 3 --retries 1 'all' -- sh -c 'echo "$SSH_CONNECTION"' > "$dir/few.json" 2>/dev/null
own=$(js 'select(.host | startswith("node")) | select(.status == "ok") | "\(.address) \(.stdout | split(" ")[2])"' "$dir/few.json" | awk '$1 == $2' | wc -l)
fs=$(js -r 'select(.host | startswith("node") | not) | "\(.host)=\(.status)"' "$dir/few.json" | sort | tr '\n' ' ')
[ "$own" -eq $N ] && [ "$fs" = "arm64=ok badkey=hostkey-changed closed=unreachable drop=ok garbage=protocol noauth=auth silent=timeout " ] &&
	t_ok "--forks 7 over $N hosts and the faults: each host its own answer and verdict" ||
	t_fail "--forks 7: each host its own answer and verdict" "own=$own faults: $fs"
# Ctrl-C with 3 in flight and 27 queued: the queued ones are "not started"
"$R" exec "${X[@]}" --json --forks 3 'node[100-129]' -- hang 654.$M > "$dir/int3.json" 2>"$dir/int3.err" &
rp=$!
running=$(procs_running "sleep 654.$M" 3)
kill -INT $rp
wait $rp; rc=$?
nint=$(js 'select(.status == "interrupted") | .host' "$dir/int3.json" | wc -l)
nns=$(js 'select(.status == "interrupted" and .error == "not started: interrupted") | .host' "$dir/int3.json" | wc -l)
[ "$running" -eq 3 ] && [ $rc -eq 3 ] && [ "$nint" -eq 30 ] && [ "$nns" -eq 27 ] &&
	t_ok "Ctrl-C at --forks 3: 3 stopped, 27 not started, all 30 reported" ||
	t_fail "Ctrl-C at --forks 3" "running=$running rc=$rc interrupted=$nint not-started=$nns"

# --- a peer that vanishes mid-command: keepalives notice ---------------------
"$R" exec "${X[@]}" --json --keepalive 1 --keepalive-count 2 node050 -- hang 765.$M > "$dir/ka.json" 2>/dev/null &
rp=$!
stopped=$(session_sshd "hang 765.$M")
[ -n "$stopped" ] && kill -STOP $stopped
t0=$(date +%s.%N)
wait $rp; rc=$?
el=$(echo "$(date +%s.%N) - $t0" | bc)
[ -n "$stopped" ] && kill -CONT $stopped
s=$(js .status "$dir/ka.json"); e=$(js .error "$dir/ka.json")
if [ -n "$stopped" ] && [ "$s" = timeout ] && [[ $e == *keepalive* ]] && (( $(echo "$el < 8" | bc) )); then
	t_ok "a silent peer is given up after its keepalives (${el}s)"
else
	t_fail "a silent peer is given up after its keepalives" "stopped=$stopped rc=$rc status=$s error=$e el=$el"
fi

# --- ssh-agent: its keys first; a silent agent costs 2 s, not the run -------------
ag=$(mktemp -d)
ssh-agent -a "$ag/agent.sock" > "$ag/env"
apid=$(sed -n 's/.*SSH_AGENT_PID=\([0-9]*\).*/\1/p' "$ag/env")
SSH_AUTH_SOCK="$ag/agent.sock" ssh-add "$FLEET_KEY" 2>/dev/null
# an inventory without identities, and a HOME without keys: only the agent can log in
sed '/identity/d' "$FLEET_INVENTORY" > "$ag/inv.cfg"
HOME=$ag SSH_AUTH_SOCK="$ag/agent.sock" "$R" exec -i "$ag/inv.cfg" --known-hosts "$FLEET_KNOWN_HOSTS" --json 'node[001-020]' -- true > "$ag/a.json" 2>/dev/null
n=$(js 'select(.status == "ok") | .host' "$ag/a.json" | wc -l)
[ "$n" -eq 20 ] && t_ok "ssh-agent keys log in to 20 hosts" || t_fail "ssh-agent keys log in" "$n ok"
HOME=$ag SSH_AUTH_SOCK="$ag/agent.sock" "$R" exec --no-agent -i "$ag/inv.cfg" --known-hosts "$FLEET_KNOWN_HOSTS" --json node001 -- true > "$ag/b.json" 2>/dev/null
[ "$(js .status "$ag/b.json")" = auth ] && t_ok "--no-agent leaves the agent out" || t_fail "--no-agent leaves the agent out"
kill "$apid"
"$BUILD/faultd" -t 60 silent-unix "$ag/silent.sock" & fpid=$!
sleep 0.2
t0=$(date +%s.%N)
SSH_AUTH_SOCK="$ag/silent.sock" "$R" exec "${X[@]}" --json node001 -- true > "$ag/c.json" 2>"$ag/c.err"
el=$(echo "$(date +%s.%N) - $t0" | bc)
kill "$fpid"; wait "$fpid" 2>/dev/null
[ "$(js .status "$ag/c.json")" = ok ] && grep -q 'ssh-agent' "$ag/c.err" && (( $(echo "$el < 5" | bc) )) &&
	t_ok "a silent ssh-agent is given up on; identity files still work (${el}s)" || t_fail "silent ssh-agent" "$(js .status "$ag/c.json") el=$el"
rm -rf "$ag"

# --- accept-new: 200 new hosts, each key written once ---------------------------
: > "$dir/kh_new"
"$R" exec -i "$FLEET_INVENTORY" --known-hosts "$dir/kh_new" 'node[001-200]' -- true >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] && [ ! -s "$dir/kh_new" ] && t_ok "strict refuses unknown keys and writes nothing" || t_fail "strict refuses unknown keys" "rc=$rc"
"$R" exec -i "$FLEET_INVENTORY" --known-hosts "$dir/kh_new" --hostkeys accept-new 'node[001-200]' -- true >/dev/null 2>&1; rc=$?
lines=$(wc -l < "$dir/kh_new"); uniq=$(sort -u "$dir/kh_new" | wc -l)
[ $rc -eq 0 ] && [ "$lines" -eq 200 ] && [ "$uniq" -eq 200 ] && t_ok "accept-new records 200 keys, once each" || t_fail "accept-new records 200 keys once each" "rc=$rc lines=$lines uniq=$uniq"
ssh-keygen -F "[127.0.0.2]:$FLEET_PORT" -f "$dir/kh_new" >/dev/null && t_ok "ssh-keygen -F finds a recorded key" || t_fail "ssh-keygen -F finds a recorded key"
"$R" exec -i "$FLEET_INVENTORY" --known-hosts "$dir/kh_new" --hostkeys accept-new 'node[001-200]' -- true >/dev/null 2>&1; rc=$?
[ $rc -eq 0 ] && [ "$(wc -l < "$dir/kh_new")" -eq 200 ] && t_ok "a second accept-new run adds nothing" || t_fail "a second accept-new run adds nothing"
sed "s#^\[127.0.0.2\]:$FLEET_PORT .*#[127.0.0.2]:$FLEET_PORT $(cut -d' ' -f1,2 "$dir/host_other.pub")#" "$dir/kh_new" > "$dir/kh_changed"
"$R" exec -i "$FLEET_INVENTORY" --known-hosts "$dir/kh_changed" --hostkeys accept-new --json node001 -- true > "$dir/chg.json" 2>/dev/null
[ "$(js .status "$dir/chg.json")" = hostkey-changed ] && t_ok "accept-new still refuses a changed key" || t_fail "accept-new still refuses a changed key" "$(js .status "$dir/chg.json")"

# --- descriptors above 1024 -----------------------------------------------------
(
	ulimit -n 4096
	for fd in $(seq 10 1200); do eval "exec $fd</dev/null"; done
	"$R" exec "${X[@]}" --json 'node[001-050]' -- true
) > "$dir/fd.json" 2>/dev/null
[ "$(js 'select(.status == "ok") | .host' "$dir/fd.json" | wc -l)" -eq 50 ] && t_ok "sockets above descriptor 1200 work" || t_fail "sockets above descriptor 1200 work"

# --- names go through the resolver on the loop ------------------------------------------
: > "$dir/kh_dns"
"$R" exec -u root -p "$FLEET_PORT" -k "$FLEET_KEY" --known-hosts "$dir/kh_dns" --hostkeys accept-new \
	--json --connect-timeout 3 --retries 0 'localhost,no-such-host.invalid' -- true > "$dir/dns.json" 2>/dev/null
l=$(js 'select(.host == "localhost") | .status' "$dir/dns.json")
n=$(js 'select(.host == "no-such-host.invalid") | "\(.status) \(.error)"' "$dir/dns.json")
[ "$l" = ok ] && [[ $n == "unreachable cannot resolve no-such-host.invalid"* ]] && t_ok "localhost resolves; an unknown name is unreachable ($n)" || t_fail "name resolution" "localhost=$l invalid=$n"

t_finish
