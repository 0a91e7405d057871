#!/bin/bash
# 10-fleet.sh - the loopback fleet itself: 200 good hosts reachable with
# plain OpenSSH, each fault host failing in its own expected way, and no
# process left behind by down.sh.
source "$(dirname "$0")/../lib.sh"
# 260 hosts: more than the 200 the fleet must handle, and past 250 so that
# addresses spill into 127.0.1.x.
N=${FLEET_N:-260}

start=$(date +%s.%N)
dir=$("$TOP/tests/fleet/up.sh" -n "$N" -t 600) || { t_fail "fleet up"; t_finish; exit 1; }
trap '"$TOP/tests/fleet/down.sh" "$dir" >/dev/null 2>&1' EXIT
elapsed=$(echo "$(date +%s.%N) - $start" | bc)
echo "fleet of $N hosts up in ${elapsed}s"
# The issue's bound; a slow start-up here means tests would crawl.
if (( $(echo "$elapsed < 30" | bc) )); then t_ok "fleet of $N up in under 30 s"; else t_fail "fleet of $N up in under 30 s" "${elapsed}s"; fi
source "$dir/fleet.env"
sshf() { ssh -F "$FLEET_SSH_CONFIG" "$@"; }

# Every good host answers, and on its own address.
awk '$4 == "good" { print $1, $2 }' "$FLEET_HOSTLIST" > "$dir/good.txt"
t0=$(date +%s.%N)
xargs -P 8 -L 1 sh -c 'ssh -F "$0" "$1" "echo \$SSH_CONNECTION" | awk -v h="$1" -v a="$2" "\$3 == a { print h }"' \
	"$FLEET_SSH_CONFIG" < "$dir/good.txt" > "$dir/answered.txt" 2>"$dir/ssh-errors.txt"
echo "ssh to $N hosts (8 at a time) took $(echo "$(date +%s.%N) - $t0" | bc)s"
got=$(sort -u "$dir/answered.txt" | wc -l)
if [ "$got" -eq "$N" ]; then t_ok "ssh reaches all $N good hosts on their own addresses"; else
	t_fail "ssh reaches all $N good hosts on their own addresses" "$got answered; $(head -3 "$dir/ssh-errors.txt")"; fi
if [ "$(sed -n 1p "$dir/good.txt")" = "node001 127.0.0.2" ] && [ "$(sed -n 249p "$dir/good.txt")" = "node249 127.0.0.250" ] &&
   [ "$(sed -n 250p "$dir/good.txt")" = "node250 127.0.1.2" ]; then
	t_ok "addresses start at 127.0.0.2 and continue into 127.0.1.x"
else
	t_fail "addresses start at 127.0.0.2 and continue into 127.0.1.x"
fi

# Sessions must not read root's start-up files: HOME is the fleet's own.
home=$(sshf "$FLEET_FIRST" 'echo $HOME'); home2=$(sshf "$FLEET_LAST" 'echo $HOME')
if [ "$home" = "$FLEET_HOMES/$FLEET_FIRST" ] && [ "$home2" = "$FLEET_HOMES/$FLEET_LAST" ]; then
	t_ok "each host's sessions get its own empty HOME"
else
	t_fail "each host's sessions get its own empty HOME" "HOME=$home, $home2"
fi

# fault host, expected exit status of ssh, expected message on stderr
expect_fault() {
	local host=$1 pattern=$2 err rc
	err=$(timeout 30 ssh -F "$FLEET_SSH_CONFIG" -o ConnectTimeout=2 "$host" true 2>&1 >/dev/null)
	rc=$?
	if [ $rc -eq 255 ] && grep -qE "$pattern" <<<"$err"; then
		t_ok "fault host $host: $pattern"
	else
		t_fail "fault host $host: $pattern" "rc=$rc: $(head -2 <<<"$err")"
	fi
}
expect_fault silent 'timed out during banner exchange'
expect_fault closed 'Connection refused'
expect_fault badkey 'REMOTE HOST IDENTIFICATION HAS CHANGED'
expect_fault noauth 'Permission denied \(publickey\)'
expect_fault garbage 'kex_exchange_identification|invalid characters|Bad packet length'

# The drop host completes a handshake but dies mid-transfer.
if sshf drop true; then t_ok "drop host authenticates"; else t_fail "drop host authenticates"; fi
timeout 30 ssh -F "$FLEET_SSH_CONFIG" drop 'flood 1048576' > "$dir/drop.out" 2>/dev/null
rc=$?
bytes=$(wc -c < "$dir/drop.out")
if [ "$rc" -eq 255 ] && [ "$bytes" -lt 1048576 ]; then t_ok "drop host cuts the connection mid-transfer ($bytes bytes)"; else
	t_fail "drop host cuts the connection mid-transfer" "rc=$rc bytes=$bytes"; fi

# Test commands on good hosts.
out=$(sshf "$FLEET_LAST" 'flood 1048576' 2>"$dir/flood.err" | wc -c)
errb=$(wc -c < "$dir/flood.err")
if [ "$out" -eq 1048576 ] && [ "$errb" -eq 1048576 ]; then t_ok "flood writes 1 MiB to stdout and to stderr"; else
	t_fail "flood writes 1 MiB to stdout and to stderr" "stdout=$out stderr=$errb"; fi
timeout 2 ssh -F "$FLEET_SSH_CONFIG" "$FLEET_FIRST" 'hang 60'
rc=$?
if [ $rc -eq 124 ]; then t_ok "hang hangs"; else t_fail "hang hangs" "rc=$rc"; fi

# down.sh stops everything, including a command orphaned by a lost session.
ssh -F "$FLEET_SSH_CONFIG" "$FLEET_FIRST" 'hang 300' & sp=$!
sleep 0.5
kill "$sp"; wait "$sp" 2>/dev/null
pids=$(cut -d' ' -f1 "$dir/pids")
"$TOP/tests/fleet/down.sh" -k "$dir"
rc=$?
alive=""
for p in $pids; do kill -0 "$p" 2>/dev/null && alive="$alive $p"; done
marked=$(grep -lzxF "RONDA_FLEET_SESSION=$dir" /proc/[0-9]*/environ 2>/dev/null)
listening=$(ss -Htln | awk -v p=":$FLEET_PORT" '$4 ~ p"$"')
if [ $rc -eq 0 ] && [ -z "$alive" ] && [ -z "$marked" ] && [ -z "$listening" ]; then
	t_ok "down.sh leaves no fleet process running"
else
	t_fail "down.sh leaves no fleet process running" "rc=$rc alive=$alive marked=$marked listening=$listening"
fi
rm -rf "$dir"
trap - EXIT
t_finish
