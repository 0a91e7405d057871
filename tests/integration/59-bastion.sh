#!/bin/bash
# 59-bastion.sh - hosts reached through bastions (-J, `via`): one
# authenticated session per bastion carries every host behind it, counted
# in the bastion sshd's own log; a chained jump; a bastion whose host key
# changed, one that forbids forwarding, and one killed mid-run each give
# every host behind it one clear verdict, and nothing is left running.
# Here the targets could also be reached directly; suite 58 puts them
# where only the bastion reaches them.
source "$(dirname "$0")/../lib.sh"
N=60
dir=$("$TOP/tests/fleet/up.sh" -n "$N" -t 300) || { t_fail "fleet up"; t_finish; exit 1; }
trap '"$TOP/tests/fleet/down.sh" "$dir" >/dev/null 2>&1' EXIT
source "$dir/fleet.env"
R="$BUILD/ronda"
T="$dir/bastion"
mkdir -p "$T"
source "$TOP/tests/lib-sshd.sh"
js() { jq -r "$@"; }
M=$$

ssh-keygen -q -t ed25519 -N '' -f "$T/b_host" -C bastion-host
ssh-keygen -q -t ed25519 -N '' -f "$T/other_host" -C other-host
: > "$T/hosts"
sshd_at b1 127.4.0.1 "$T/b_host"
b1_pid=$(tail -1 "$dir/pids")
sshd_at b2 127.4.0.2 "$T/b_host"
sshd_at nofwd 127.4.0.3 "$T/b_host" -o AllowTcpForwarding=no
sshd_at b3 127.4.0.4 "$T/b_host"
b3_pid=$(tail -1 "$dir/pids")
p1=$(cat "$T/b1.port") p2=$(cat "$T/b2.port") p3=$(cat "$T/nofwd.port") p4=$(cat "$T/b3.port")
# known_hosts: the fleet, and the bastions by their one key
cp "$FLEET_KNOWN_HOSTS" "$T/kh"
for a in "127.4.0.1]:$p1" "127.4.0.2]:$p2" "127.4.0.3]:$p3" "127.4.0.4]:$p4"; do
	echo "[$a $(cut -d' ' -f1,2 "$T/b_host.pub")" >> "$T/kh"
done
X=(-i "$FLEET_INVENTORY" --known-hosts "$T/kh" --connect-timeout 10)
logins() { grep -c 'Accepted publickey' "$T/$1.log"; }

# --- 60 hosts through one bastion: one session on it ---------------------------
"$R" exec "${X[@]}" --json -J "127.4.0.1:$p1" "node[001-0$N]" -- hostname > "$T/all.json" 2>"$T/all.err"
rc=$?
ok=$(js 'select(.status == "ok") | .host' "$T/all.json" | wc -l)
[ $rc -eq 0 ] && [ "$ok" -eq $N ] && t_ok "$N hosts ok through one bastion" ||
	t_fail "$N hosts ok through one bastion" "rc=$rc ok=$ok $(head -3 "$T/all.err")"
n=$(logins b1)
[ "$n" -eq 1 ] && t_ok "the bastion saw one login for $N hosts" || t_fail "one bastion login" "$n logins"
# each host ran its own session: the target's own host name came back
[ "$(js -s 'map(.stdout) | unique | length' "$T/all.json")" -ge 1 ] &&
	[ "$(js -s 'map(select(.kex != null)) | length' "$T/all.json")" -eq $N ] &&
	t_ok "every host negotiated its own session" || t_fail "every host negotiated its own session"

# --- via in the inventory, on a group --------------------------------------------
sed "s#^defaults = {#defaults = { via = \"127.4.0.2:$p2\";#" "$FLEET_INVENTORY" > "$T/inv_via.cfg"
"$R" hosts -i "$T/inv_via.cfg" --json node001 > "$T/h.json" 2>&1
[ "$(js .via "$T/h.json")" = "127.4.0.2:$p2" ] && t_ok "ronda hosts shows via" || t_fail "ronda hosts shows via" "$(cat "$T/h.json")"
"$R" exec -i "$T/inv_via.cfg" --known-hosts "$T/kh" 'node[001-010]' -- true > /dev/null 2>"$T/via.err"
rc=$?
[ $rc -eq 0 ] && [ "$(logins b2)" -eq 1 ] && t_ok "inventory via: 10 hosts, one login on the bastion" ||
	t_fail "inventory via" "rc=$rc logins=$(logins b2) $(head -3 "$T/via.err")"

# --- a chained jump: b1 reached directly, b2 through b1 -----------------------------
"$R" exec "${X[@]}" --json -J "127.4.0.1:$p1,127.4.0.2:$p2" 'node[001-020]' -- true > "$T/chain.json" 2>"$T/chain.err"
rc=$?
ok=$(js 'select(.status == "ok") | .host' "$T/chain.json" | wc -l)
[ $rc -eq 0 ] && [ "$ok" -eq 20 ] && [ "$(logins b1)" -eq 2 ] && [ "$(logins b2)" -eq 2 ] &&
	t_ok "a chained jump: 20 hosts, one more login on each bastion" ||
	t_fail "a chained jump" "rc=$rc ok=$ok b1=$(logins b1) b2=$(logins b2) $(head -3 "$T/chain.err")"

# --- 2 sessions in flight for 20 hosts behind a chain: the bastions last until
# the last queued host is done, and each host is reached through them once
"$R" exec "${X[@]}" --json --forks 2 -J "127.4.0.1:$p1,127.4.0.2:$p2" 'node[001-020]' -- hostname > "$T/chain2.json" 2>"$T/chain2.err"
rc=$?
ok=$(js 'select(.status == "ok") | .host' "$T/chain2.json" | wc -l)
[ $rc -eq 0 ] && [ "$ok" -eq 20 ] && [ "$(logins b1)" -eq 3 ] && [ "$(logins b2)" -eq 3 ] &&
	t_ok "--forks 2 through a chained jump: 20 hosts, one more login on each bastion" ||
	t_fail "--forks 2 through a chained jump" "rc=$rc ok=$ok b1=$(logins b1) b2=$(logins b2) $(head -3 "$T/chain2.err")"

# --- a bastion whose host key changed: every host told why, at once ----------------
sed "s#^\[127.4.0.1\]:$p1 .*#[127.4.0.1]:$p1 $(cut -d' ' -f1,2 "$T/other_host.pub")#" "$T/kh" > "$T/kh_changed"
"$R" exec -i "$FLEET_INVENTORY" --known-hosts "$T/kh_changed" --json -J "127.4.0.1:$p1" 'node[001-030]' -- true > "$T/chg.json" 2>/dev/null
rc=$?
n=$(js 'select(.status == "unreachable" and (.error | test("^via bastion 127.4.0.1:[0-9]+: hostkey-changed: HOST KEY CHANGED"))) | .host' "$T/chg.json" | wc -l)
att=$(js -s 'map(.attempts) | max' "$T/chg.json")
[ $rc -eq 2 ] && [ "$n" -eq 30 ] && [ "$att" -le 1 ] && t_ok "a changed bastion key: 30 hosts unreachable via it, no retries" ||
	t_fail "a changed bastion key" "rc=$rc n=$n attempts=$att $(head -2 "$T/chg.json")"
[ "$(logins b1)" -eq 3 ] && t_ok "no login on a bastion whose key changed" || t_fail "no login on a bastion whose key changed"

# --- a bastion that forbids forwarding -------------------------------------------------
"$R" exec "${X[@]}" --json --retries 0 -J "127.4.0.3:$p3" 'node[001-005]' -- true > "$T/nofwd.json" 2>/dev/null
rc=$?
n=$(js 'select(.status == "unreachable" and (.error | test("no channel to 127.0.0.[0-9]+ port [0-9]+: .*prohibited"))) | .host' "$T/nofwd.json" | wc -l)
[ $rc -eq 2 ] && [ "$n" -eq 5 ] && t_ok "AllowTcpForwarding no: each host says the channel was refused" ||
	t_fail "AllowTcpForwarding no" "rc=$rc n=$n $(head -1 "$T/nofwd.json")"

# --- a bastion killed mid-run ---------------------------------------------------------
"$R" exec "${X[@]}" --json --timeout 120 -J "127.4.0.4:$p4" 'node[001-010]' -- hang 654.$M > "$T/kill.json" 2>/dev/null &
rp=$!
running=$(procs_running "sleep 654.$M" 10 200)
# the bastion's listener and its per-connection processes, by parent PID
for p in $(ps -o pid= --ppid "$b3_pid") $b3_pid; do kill -KILL "$p" 2>/dev/null; done
wait $rp; rc=$?
n=$(js 'select(.status == "protocol" and (.error | test("^via bastion 127.4.0.4:[0-9]+: protocol: lost"))) | .host' "$T/kill.json" | wc -l)
[ "$running" -eq 10 ] && [ $rc -eq 2 ] && [ "$n" -eq 10 ] && t_ok "a bastion killed mid-run: its 10 hosts lost, said so" ||
	t_fail "a bastion killed mid-run" "running=$running rc=$rc n=$n $(js "[.host,.status,.error] | @tsv" "$T/kill.json")"
for _ in $(seq 1 100); do [ "$(pgrep -f "sleep 654.$M" | wc -l)" -eq 0 ] && break; sleep 0.1; done
left=$(pgrep -f "sleep 654.$M" | wc -l)
[ "$left" -eq 0 ] && t_ok "no command left running behind the dead bastion" || t_fail "commands left behind the dead bastion" "$left"

# --- bad chains are refused before anything connects ------------------------------------
"$R" exec "${X[@]}" -J 'root@-oProxyCommand=x' node001 -- true > /dev/null 2>"$T/bad.err"; rc=$?
[ $rc -eq 64 ] && grep -q "invalid host name" "$T/bad.err" && t_ok "a bastion that looks like an option is refused" ||
	t_fail "a bastion that looks like an option is refused" "rc=$rc $(cat "$T/bad.err")"

t_finish
