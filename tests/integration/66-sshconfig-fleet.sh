#!/bin/bash
# 66-sshconfig-fleet.sh - ssh_config on the real fleet: aliases reach the
# address, port, user and key ssh reaches (ssh itself is the oracle);
# ProxyJump over one bastion session, ProxyCommand, HostKeyAlias,
# StrictHostKeyChecking accept-new, ServerAlive*, IdentitiesOnly; the
# precedence of command line, inventory and ssh_config, shown by `ronda
# hosts --json`; and a keyword ronda cannot honour warned with file:line.
source "$(dirname "$0")/../lib.sh"
dir=$("$TOP/tests/fleet/up.sh" -n 12 -t 300) || { t_fail "fleet up"; t_finish; exit 1; }
trap '"$TOP/tests/fleet/down.sh" "$dir" >/dev/null 2>&1' EXIT
source "$dir/fleet.env"
R="$BUILD/ronda"
T="$dir/sc"
mkdir -p "$T"
source "$TOP/tests/lib-sshd.sh"
js() { jq -r "$@"; }
M=$$
# no inventory anywhere: run from an empty directory
cd "$T" || exit 1

ssh-keygen -q -t ed25519 -N '' -f "$T/b_host" -C bastion
: > "$T/hosts"
sshd_at bast 127.5.0.1 "$T/b_host"
bp=$(cat "$T/bast.port")
cp "$FLEET_KNOWN_HOSTS" "$T/kh"
echo "[127.5.0.1]:$bp $(cut -d' ' -f1,2 "$T/b_host.pub")" >> "$T/kh"
cat > "$T/config" <<EOF
Host box*
  User root
  Port $FLEET_PORT
  IdentityFile $FLEET_KEY
  UserKnownHostsFile $T/kh
Host box1
  HostName 127.0.0.2
Host box2
  HostName 127.0.0.3
Host far*
  ProxyJump jumper
  User root
  Port $FLEET_PORT
  IdentityFile $FLEET_KEY
  UserKnownHostsFile $T/kh
Host far1
  HostName 127.0.0.4
Host far2
  HostName 127.0.0.5
Host far3
  HostName 127.0.0.6
Host jumper
  HostName 127.5.0.1
  Port $bp
  User root
  IdentityFile $FLEET_KEY
  UserKnownHostsFile $T/kh
Host piped
  HostName 127.0.0.7
  User root
  Port $FLEET_PORT
  IdentityFile $FLEET_KEY
  UserKnownHostsFile $T/kh
  ProxyCommand ssh -F $T/config -W %h:%p jumper
Host broken
  HostName 127.0.0.8
  User root
  IdentityFile $FLEET_KEY
  ProxyCommand sh -c 'exit 7'
Host shared
  HostName 127.0.0.9
  User root
  Port $FLEET_PORT
  IdentityFile $FLEET_KEY
  UserKnownHostsFile $T/kh
  ControlMaster auto
EOF
C=(-F "$T/config")

# --- an alias reaches where ssh reaches -------------------------------------------
for h in box1 box2; do
	want=$(ssh -F "$T/config" -o BatchMode=yes "$h" 'echo "$USER $SSH_CONNECTION"' 2>/dev/null | awk '{print $1, $4, $5}')
	got=$("$R" exec "${C[@]}" --json "$h" -- sh -c 'echo "$USER $SSH_CONNECTION"' 2>"$T/$h.err" | js .stdout | head -1 | awk '{print $1, $4, $5}')
	[ -n "$want" ] && [ "$got" = "$want" ] && t_ok "$h: ronda reaches what ssh reaches ($got)" ||
		t_fail "$h: ronda reaches what ssh reaches" "ronda '$got' ssh '$want' $(head -2 "$T/$h.err")"
done

# --- ProxyJump from ssh_config: three hosts, one login on the bastion -------------
"$R" exec "${C[@]}" --json 'far[1-3]' -- sh -c 'echo "$SSH_CONNECTION"' > "$T/far.json" 2>"$T/far.err"
rc=$?
ok=$(js 'select(.status == "ok") | .host' "$T/far.json" | wc -l)
n=$(grep -c 'Accepted publickey' "$T/bast.log")
[ $rc -eq 0 ] && [ "$ok" -eq 3 ] && [ "$n" -eq 1 ] && t_ok "ProxyJump from ssh_config: 3 hosts over one bastion login" ||
	t_fail "ProxyJump from ssh_config" "rc=$rc ok=$ok logins=$n $(head -3 "$T/far.err")"
[ "$(js 'select(.host == "far2") | .stdout' "$T/far.json" | awk '{print $3}')" = 127.0.0.5 ] &&
	t_ok "the jumped host is the one ssh_config names" || t_fail "the jumped host is the one ssh_config names"

# --- ProxyCommand ---------------------------------------------------------------
"$R" exec "${C[@]}" --json piped -- sh -c 'echo "$SSH_CONNECTION"' > "$T/piped.json" 2>"$T/piped.err"
[ "$(js .status "$T/piped.json")" = ok ] && [ "$(js .stdout "$T/piped.json" | awk '{print $3}')" = 127.0.0.7 ] &&
	t_ok "ProxyCommand (ssh -W through the bastion)" || t_fail "ProxyCommand" "$(cat "$T/piped.json") $(head -3 "$T/piped.err")"
"$R" exec "${C[@]}" --json broken -- true > "$T/broken.json" 2>/dev/null
[ "$(js .status "$T/broken.json")" = protocol ] && js .error "$T/broken.json" | grep -q "ProxyCommand exited with status 7" &&
	t_ok "a ProxyCommand that fails says how it exited" || t_fail "a ProxyCommand that fails" "$(cat "$T/broken.json")"
[ "$(ps -eo pgid=,args= | grep -c "[e]xit 7")" -eq 0 ] && t_ok "no ProxyCommand is left running" || t_fail "ProxyCommand left running"

# --- a keyword ronda cannot honour is warned, with its file and line --------------
"$R" exec "${C[@]}" shared -- true > /dev/null 2>"$T/shared.err"
line=$(grep -n 'ControlMaster auto' "$T/config" | cut -d: -f1)
grep -q "$T/config:$line: ControlMaster.*not supported by ronda" "$T/shared.err" &&
	t_ok "ControlMaster: warned with file:line" || t_fail "ControlMaster warned" "$(cat "$T/shared.err")"

# --- precedence: command line > inventory host > groups > ssh_config > defaults ---
cat > "$T/inv.cfg" <<EOF
defaults = { user = "fromdefaults"; port = 2; retries = 5; };
hosts = ( { name = "box1"; user = "fromhost"; } );
groups = { g = { hosts = [ "box2" ]; port = 3; }; };
EOF
"$R" hosts -i "$T/inv.cfg" "${C[@]}" --json 'box1,box2,far1' > "$T/prec.json" 2>/dev/null
got=$(js -s -c 'map({h: .host, u: .user, p: .port, r: .retries, su: .sources.user, sp: .sources.port})' "$T/prec.json")
lb=$(grep -n '^Host box\*' "$T/config" | cut -d: -f1)
lf=$(grep -n '^Host far\*' "$T/config" | cut -d: -f1)
want='[{"h":"box1","u":"fromhost","p":'$FLEET_PORT',"r":5,"su":"inventory:'$T'/inv.cfg:2","sp":"ssh_config:'$T'/config:'$((lb + 2))'"},{"h":"box2","u":"root","p":3,"r":5,"su":"ssh_config:'$T'/config:'$((lb + 1))'","sp":"inventory:'$T'/inv.cfg:3 (group g)"},{"h":"far1","u":"root","p":'$FLEET_PORT',"r":5,"su":"ssh_config:'$T'/config:'$((lf + 2))'","sp":"ssh_config:'$T'/config:'$((lf + 3))'"}]'
[ "$got" = "$want" ] && t_ok "precedence: inventory host and group beat ssh_config, which beats defaults" ||
	t_fail "precedence" "got $got want $want"
"$R" hosts -i "$T/inv.cfg" "${C[@]}" --json -u cli -p 9 box1 > "$T/cli.json" 2>/dev/null
[ "$(js '"\(.user) \(.port) \(.sources.user) \(.sources.port)"' "$T/cli.json")" = "cli 9 command line command line" ] &&
	t_ok "the command line beats them all" || t_fail "the command line beats them all" "$(cat "$T/cli.json")"
"$R" hosts -F none -i "$T/inv.cfg" --json box1 > "$T/none.json" 2>/dev/null
[ "$(js .address "$T/none.json")" = box1 ] && t_ok "-F none reads no ssh_config" || t_fail "-F none" "$(cat "$T/none.json")"

# --- HostKeyAlias, and StrictHostKeyChecking accept-new ----------------------------
echo "aliased $(cut -d' ' -f1,2 "$dir/host_ed25519.pub")" > "$T/kh_alias"
cat > "$T/config2" <<EOF
Host aliased known
  HostName 127.0.0.10
  User root
  Port $FLEET_PORT
  IdentityFile $FLEET_KEY
  UserKnownHostsFile $T/kh_alias
Host aliased
  HostKeyAlias aliased
Host newbie
  HostName 127.0.0.11
  User root
  Port $FLEET_PORT
  IdentityFile $FLEET_KEY
  UserKnownHostsFile $T/kh_new
  StrictHostKeyChecking accept-new
EOF
"$R" exec -F "$T/config2" --json 'aliased,known' -- true > "$T/alias.json" 2>/dev/null
[ "$(js -r 'select(.host == "aliased") | .status' "$T/alias.json")" = ok ] &&
	[ "$(js -r 'select(.host == "known") | .status' "$T/alias.json")" = hostkey-unknown ] &&
	t_ok "HostKeyAlias: known by its alias only" || t_fail "HostKeyAlias" "$(cat "$T/alias.json")"
: > "$T/kh_new"
"$R" exec -F "$T/config2" --json newbie -- true > "$T/new.json" 2>/dev/null
[ "$(js .status "$T/new.json")" = ok ] && ssh-keygen -F "[127.0.0.11]:$FLEET_PORT" -f "$T/kh_new" >/dev/null &&
	t_ok "StrictHostKeyChecking accept-new: recorded in its UserKnownHostsFile" || t_fail "accept-new from ssh_config" "$(cat "$T/new.json")"

# --- AddressFamily: localhost is ::1 and 127.0.0.1; the fleet listens on IPv4 only ---
for fam in inet inet6; do
	printf 'Host %s\n  HostName localhost\n  User root\n  Port %s\n  IdentityFile %s\n  UserKnownHostsFile %s\n  StrictHostKeyChecking accept-new\n  AddressFamily %s\n' \
		"$fam" "$FLEET_PORT" "$FLEET_KEY" "$T/kh_$fam" "$fam" >> "$T/config5"
done
"$R" exec -F "$T/config5" --json --retries 0 'inet,inet6' -- true > "$T/fam.json" 2>/dev/null
[ "$(js 'select(.host == "inet") | .status' "$T/fam.json")" = ok ] &&
	[ "$(js 'select(.host == "inet6") | .status' "$T/fam.json")" = unreachable ] &&
	t_ok "AddressFamily inet reaches the IPv4-only fleet, inet6 does not" || t_fail "AddressFamily" "$(cat "$T/fam.json")"

# --- GlobalKnownHostsFile: checked beside the user's file, never written -----------
grep "^\[127.0.0.13\]:$FLEET_PORT " "$FLEET_KNOWN_HOSTS" > "$T/gkh"
: > "$T/ukh"
for g in with without; do
	{ printf 'Host %s\n  HostName 127.0.0.13\n  User root\n  Port %s\n  IdentityFile %s\n  UserKnownHostsFile %s\n' \
		"$g" "$FLEET_PORT" "$FLEET_KEY" "$T/ukh"
	  [ $g = with ] && printf '  GlobalKnownHostsFile %s\n' "$T/gkh"; } >> "$T/config6"
done
# ronda reads one set of known_hosts files per run: one run each
"$R" exec -F "$T/config6" --json with -- true > "$T/gkh.json" 2>/dev/null
"$R" exec -F "$T/config6" --json without -- true >> "$T/gkh.json" 2>/dev/null
[ "$(js 'select(.host == "with") | .status' "$T/gkh.json")" = ok ] &&
	[ "$(js 'select(.host == "without") | .status' "$T/gkh.json")" = hostkey-unknown ] && [ ! -s "$T/ukh" ] &&
	t_ok "GlobalKnownHostsFile vouches for a host; nothing is written" || t_fail "GlobalKnownHostsFile" "$(cat "$T/gkh.json")"

# --- ServerAliveInterval/CountMax: a silent peer is given up -----------------------
cat > "$T/config3" <<EOF
Host alive
  HostName 127.0.0.12
  User root
  Port $FLEET_PORT
  IdentityFile $FLEET_KEY
  UserKnownHostsFile $T/kh
  ServerAliveInterval 1
  ServerAliveCountMax 2
EOF
"$R" exec -F "$T/config3" --json alive -- hang 432.$M > "$T/ka.json" 2>/dev/null &
rp=$!
stopped=$(session_sshd "hang 432.$M")
[ -n "$stopped" ] && kill -STOP $stopped
wait $rp
[ -n "$stopped" ] && kill -CONT $stopped
js .error "$T/ka.json" | grep -q "2 keepalives unanswered" && t_ok "ServerAlive* from ssh_config give up on a silent peer" ||
	t_fail "ServerAlive* from ssh_config" "stopped=$stopped $(cat "$T/ka.json")"

# --- IdentitiesOnly: the agent's keys are not offered -------------------------------
eval "$(ssh-agent -s)" > /dev/null
ssh-keygen -q -t ed25519 -N '' -f "$T/stray" -C stray
ssh-add -q "$T/stray" 2>/dev/null
printf 'Host box1\n  IdentitiesOnly yes\n' | cat - "$T/config" > "$T/config4"
"$R" exec -F "$T/config4" -vv box1 -- true > /dev/null 2>"$T/only.err"; rc=$?
"$R" exec -F "$T/config" -vv box1 -- true > /dev/null 2>"$T/any.err"
kill "$SSH_AGENT_PID" 2>/dev/null
[ $rc -eq 0 ] && ! grep -q "offering ssh-agent" "$T/only.err" && grep -q "offering ssh-agent" "$T/any.err" &&
	t_ok "IdentitiesOnly yes: no ssh-agent key offered" || t_fail "IdentitiesOnly" "rc=$rc $(grep offering "$T/only.err" | head -2)"

# --- IdentityAgent: another agent's keys instead of $SSH_AUTH_SOCK's --------------
eval "$(ssh-agent -s)" > /dev/null		# $SSH_AUTH_SOCK: a stray key only
ssh-add -q "$T/stray" 2>/dev/null
ssh-agent -s > "$T/other.env"
other=$(sed -n 's/^SSH_AUTH_SOCK=\([^;]*\);.*/\1/p' "$T/other.env")
other_pid=$(sed -n 's/^SSH_AGENT_PID=\([0-9]*\);.*/\1/p' "$T/other.env")
SSH_AUTH_SOCK=$other ssh-add -q "$FLEET_KEY" 2>/dev/null
for a in mine theirs; do
	{ printf 'Host %s\n  HostName 127.0.0.2\n  User root\n  Port %s\n  IdentityFile %s/none\n  UserKnownHostsFile %s\n' \
		"$a" "$FLEET_PORT" "$T" "$T/kh"
	  [ $a = theirs ] && printf '  IdentityAgent %s\n' "$other"; } >> "$T/config7"
done
"$R" exec -F "$T/config7" --json 'mine,theirs' -- true > "$T/agent.json" 2>/dev/null
kill "$SSH_AGENT_PID" "$other_pid" 2>/dev/null
[ "$(js 'select(.host == "theirs") | .status' "$T/agent.json")" = ok ] &&
	[ "$(js 'select(.host == "mine") | .status' "$T/agent.json")" = auth ] &&
	t_ok "IdentityAgent: that agent's key logs in, \$SSH_AUTH_SOCK's does not" || t_fail "IdentityAgent" "$(cat "$T/agent.json")"

t_finish
