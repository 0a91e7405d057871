#!/bin/bash
# 58-jump-harness.sh - the fleet behind bastions (tests/fleet/behind.sh) is
# what it claims, with OpenSSH as the oracle: the targets do not answer in
# the root namespace, ssh -J reaches them, a bastion whose key changed is
# refused, the chain outer,inner works and inner alone is out of reach, a
# bastion without forwarding refuses, one ssh -J session is one connection
# at the bastion, and killing the bastion ends the session.  Then prints
# pdsh's figures through the bastion (MaxStartups 10:30:20) on 200 targets:
# a baseline, not asserted beyond one bastion connection per target; and
# ronda on the same 200 over one connection, with a changed bastion key, a
# chain, a bastion that forbids forwarding and one killed mid-run.
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/lib-jump.sh"
jump_up 200 240 || { t_fail "fleet behind bastions up"; t_finish; exit 1; }
trap 'jump_down' EXIT
S() { timeout 30 ssh -F "$JUMP_SSH_CONFIG_NOJUMP" "$@"; }
T=$JUMP_DIR/t
mkdir -p "$T"

# bounded wait for a condition
until_true() { # tries cmd...
	local n=$1; shift
	for _ in $(seq "$n"); do "$@" && return 0; sleep 0.05; done
	return 1
}

# --- reachable only through the bastion ------------------------------------------
if jump_direct_refused; then
	t_ok "a target is refused from the root namespace"
else
	t_fail "a target is refused from the root namespace" "something answers on $FLEET_FIRST's port $FLEET_PORT"
fi
out=$(S "$FLEET_FIRST" true 2>&1); rc=$?
[ $rc = 255 ] && grep -q 'Connection refused' <<<"$out" && t_ok "ssh without -J is refused" || t_fail "ssh without -J is refused" "rc=$rc $out"

for h in "$FLEET_FIRST" node100 "$FLEET_LAST"; do
	out=$(S -J jump "$h" 'echo $HOME' 2>&1); rc=$?
	[ $rc = 0 ] && [ "$out" = "$FLEET_HOMES/$h" ] && t_ok "ssh -J jump $h reaches $h" || t_fail "ssh -J jump $h" "rc=$rc $out"
done
out=$(timeout 30 ssh -F "$JUMP_SSH_CONFIG" node050 'echo $HOME' 2>&1); rc=$?
[ $rc = 0 ] && [ "$out" = "$FLEET_HOMES/node050" ] && t_ok "JUMP_SSH_CONFIG jumps by itself" || t_fail "JUMP_SSH_CONFIG jumps by itself" "rc=$rc $out"

# --- faults ------------------------------------------------------------------------
if ssh-keygen -F "[$JUMP_BAD_ADDR]:$JUMP_BAD_PORT" -f "$JUMP_KNOWN_HOSTS" > /dev/null; then
	out=$(S -J jumpbad "$FLEET_FIRST" true 2>&1); rc=$?
	[ $rc = 255 ] && grep -q 'REMOTE HOST IDENTIFICATION HAS CHANGED' <<<"$out" &&
		t_ok "a bastion whose host key changed is refused" || t_fail "a changed bastion key is refused" "rc=$rc $out"
else
	t_fail "known_hosts has a line for jumpbad"
fi
out=$(S -J outer,inner node010 'echo $HOME' 2>&1); rc=$?
[ $rc = 0 ] && [ "$out" = "$FLEET_HOMES/node010" ] && t_ok "the chain -J outer,inner reaches a target" || t_fail "-J outer,inner" "rc=$rc $out"
out=$(S -J inner node010 true 2>&1); rc=$?
[ $rc = 255 ] && grep -q "connect to host $JUMP_INNER_ADDR port 22: Connection refused" <<<"$out" &&
	t_ok "inner is out of reach from the root namespace" || t_fail "inner is out of reach" "rc=$rc $out"
# the bastion's own log says why (ssh only says "stdio forwarding failed")
refused() { # bastion log-line
	local out rc
	out=$(S -J "$1" node010 true 2>&1); rc=$?
	[ $rc = 255 ] && grep -q 'stdio forwarding failed' <<<"$out" &&
		until_true 100 grep -q "$2" "$JUMP_DIR/sshd-$1.log" || { echo "rc=$rc $out"; return 1; }
}
why=$(refused outer "to connect to host 127.0.0.11 port $FLEET_PORT, but the request was denied") &&
	t_ok "outer forwards only to inner" || t_fail "outer forwards only to inner" "$why"
why=$(refused nofwd 'refused local port forward') && t_ok "nofwd refuses to forward" || t_fail "nofwd refuses to forward" "$why"

# --- the pdsh baseline: one bastion connection per target ----------------------------
if command -v pdsh > /dev/null; then
	r=$(jump_pdsh 200)
	echo "pdsh -J jump, 200 targets, fanout 200, MaxStartups $JUMP_MAXSTARTUPS: $r"
	echo "  ($(($(jump_field "$r" conns) - $(jump_field "$r" ok))) of them did not get through)"
	[ "$(jump_field "$r" conns)" = 200 ] && t_ok "pdsh -J: one bastion connection per target" ||
		t_fail "pdsh -J: one bastion connection per target" "$r"
else
	echo "pdsh not installed: no baseline"
fi

# --- ronda through the same bastion: one connection carries all 200 ------------------
R="$BUILD/ronda"
RX=(-i "$JUMP_INVENTORY" --known-hosts "$JUMP_KNOWN_HOSTS" --no-agent -F none)
r=$(jump_measure 200 "$R" exec "${RX[@]}" -J jump -f 200 'node[001-200]' -- echo ok)
echo "ronda -J jump, 200 targets, fanout 200, MaxStartups $JUMP_MAXSTARTUPS: $r"
[ "$(jump_field "$r" ok)" = 200 ] && [ "$(jump_field "$r" conns)" = 1 ] && [ "$(jump_field "$r" max_conns)" = 1 ] &&
	t_ok "ronda -J: 200 targets ok over one bastion connection (ss and the forwarder count 1)" ||
	t_fail "ronda -J: 200 targets over one bastion connection" "$r $(head -3 "$JUMP_DIR/measure.err")"
"$R" exec "${RX[@]}" --json -J jumpbad 'node[001-020]' -- true > "$T/bad.json" 2>/dev/null; rc=$?
n=$(jq -r 'select(.status == "unreachable" and (.error | startswith("via bastion jumpbad: hostkey-changed"))) | .host' "$T/bad.json" | wc -l)
[ $rc = 2 ] && [ "$n" = 20 ] && t_ok "ronda: a bastion with a changed key, 20 hosts told so" || t_fail "ronda: changed bastion key" "rc=$rc n=$n $(head -1 "$T/bad.json")"
"$R" exec "${RX[@]}" --json -J outer,inner 'node[001-010]' -- true > "$T/chain.json" 2>"$T/chain.err"; rc=$?
n=$(jq -r 'select(.status == "ok") | .host' "$T/chain.json" | wc -l)
[ $rc = 0 ] && [ "$n" = 10 ] && t_ok "ronda -J outer,inner: 10 hosts behind a chain" || t_fail "ronda -J outer,inner" "rc=$rc n=$n $(head -2 "$T/chain.err")"
"$R" exec "${RX[@]}" --json --retries 0 -J inner node001 -- true > "$T/inner.json" 2>/dev/null
[ "$(jq -r .status "$T/inner.json")" = unreachable ] && jq -r .error "$T/inner.json" | grep -q '^via bastion inner: unreachable' &&
	t_ok "ronda: inner alone is out of reach" || t_fail "ronda: inner alone" "$(cat "$T/inner.json")"
"$R" exec "${RX[@]}" --json --retries 0 -J nofwd 'node[001-003]' -- true > "$T/nofwd.json" 2>/dev/null
n=$(jq -r 'select(.error | test("^via bastion nofwd: no channel to .*prohibited")) | .host' "$T/nofwd.json" | wc -l)
[ "$n" = 3 ] && t_ok "ronda: a bastion without forwarding, refused per host" || t_fail "ronda: nofwd" "$(head -1 "$T/nofwd.json")"
"$R" exec "${RX[@]}" --json --timeout 120 -J outer,inner 'node[001-005]' -- hang 60 > "$T/kill.json" 2>/dev/null &
rp=$!
five() { [ "$(jump_target_conns)" -ge 5 ]; }
if until_true 400 five; then
	jump_kill inner
	wait $rp; rc=$?
	n=$(jq -r 'select(.status == "protocol" and (.error | startswith("via bastion inner: protocol: lost"))) | .host' "$T/kill.json" | wc -l)
	[ $rc = 2 ] && [ "$n" = 5 ] && t_ok "ronda: the inner bastion killed mid-run, its 5 hosts lost, said so" ||
		t_fail "ronda: bastion killed mid-run" "rc=$rc n=$n $(head -2 "$T/kill.json")"
else
	t_fail "ronda: bastion killed mid-run" "the 5 sessions never reached the targets"
	kill $rp
fi

# --- one session, one bastion connection; the bastion killed under it -------------------
jump_fwd_settle
S -J jump node020 hang 60 > "$T/hang.out" 2>&1 &
sp=$!
at_target() { [ "$(jump_target_conns)" -ge 1 ]; }
if until_true 200 at_target; then
	c=$(jump_conns jump); s=$(jump_session_pids jump | wc -l)
	[ "$c" = 1 ] && [ "$s" -ge 1 ] && t_ok "one ssh -J session is one bastion connection" ||
		t_fail "one ssh -J session is one bastion connection" "$c connections, $s session processes"
	jump_kill jump && ! kill -0 "$(jump_pid jump)" 2>/dev/null && t_ok "jump_kill stops the bastion" || t_fail "jump_kill stops the bastion"
	gone() { ! kill -0 "$sp" 2>/dev/null; }
	if until_true 200 gone; then
		wait "$sp"; rc=$?
		[ $rc = 255 ] && t_ok "the session ends when the bastion dies" || t_fail "the session ends when the bastion dies" "rc=$rc $(cat "$T/hang.out")"
	else
		t_fail "the session ends when the bastion dies" "ssh still running after 10 s"
		kill "$sp"
	fi
	out=$(S -J jump "$FLEET_FIRST" true 2>&1); rc=$?
	[ $rc = 255 ] && grep -qE 'Connection (reset|closed)' <<<"$out" && t_ok "a dead bastion: the connection is reset" || t_fail "a dead bastion: reset" "rc=$rc $out"
else
	t_fail "one ssh -J session is one bastion connection" "the session never reached the target: $(cat "$T/hang.out")"
	kill "$sp"
fi
t_finish
