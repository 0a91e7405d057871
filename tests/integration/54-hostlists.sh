#!/bin/bash
# 54-hostlists.sh - host lists and user@host:port against a real fleet:
# ronda exec -w ^FILE with lines written from the fleet's hosts.txt
# (root@ADDR:PORT, comments, blank lines), the same list on stdin with '-',
# an inventory host with a port known to known_hosts only by its name, and
# IPv6 loopback: an extra sshd on [::1] reached as root@[::1]:PORT and as
# the bare ::1 with -p.  Each host must answer from the address and port
# the list gave, as the user it gave.
source "$(dirname "$0")/../lib.sh"
dir=$("$TOP/tests/fleet/up.sh" -n 4 -t 120) || { t_fail "fleet up"; t_finish; exit 1; }
T=$(mktemp -d)
trap '"$TOP/tests/fleet/down.sh" "$dir" >/dev/null 2>&1; rm -rf "$T"' EXIT
source "$dir/fleet.env"
R="$BUILD/ronda"
# No inventory: the list alone says where and as whom.
printf '# no hosts\n' > "$T/empty.cfg"
X=(-i "$T/empty.cfg" --known-hosts "$FLEET_KNOWN_HOSTS" --no-agent -k "$FLEET_KEY" --connect-timeout 10)
WHO='echo "$(id -un) $SSH_CONNECTION"'

# The good hosts of hosts.txt ("name addr port kind") as user@addr:port.
{
	echo "# the fleet's good hosts, written from $FLEET_HOSTLIST"
	awk '$4 == "good" { printf "root@%s:%s   # %s\n\n", $2, $3, $1 }' "$FLEET_HOSTLIST"
} > "$T/list.txt"
awk '$4 == "good" { print $2, $3 }' "$FLEET_HOSTLIST" | sort > "$T/want"
n=$(wc -l < "$T/want")
# Every host's answer: the user and the server end of SSH_CONNECTION.
answers() { jq -r '"\(.host) \(.stdout | rtrimstr("\n"))"' | awk '{ print $1, $2, $5, $6 }' | sort; }
want_answers() { awk '{ printf "%s:%s root %s %s\n", $1, $2, $1, $2 }' "$T/want" | sort; }

"$R" exec "${X[@]}" --json -w "^$T/list.txt" -- sh -c "$WHO" > "$T/file.json" 2>"$T/file.err"; rc=$?
if [ $rc -eq 0 ] && [ "$(answers < "$T/file.json")" = "$(want_answers)" ]; then
	t_ok "exec -w ^FILE: $n hosts answer as root from the address:port listed"
else
	t_fail "exec -w ^FILE" "rc=$rc $(head -c 300 "$T/file.err") $(answers < "$T/file.json" | head -3)"
fi
"$R" exec "${X[@]}" --json --hostfile "$T/list.txt" -- sh -c "$WHO" > "$T/hf.json" 2>"$T/hf.err"; rc=$?
if [ $rc -eq 0 ] && [ "$(answers < "$T/hf.json")" = "$(want_answers)" ]; then
	t_ok "exec --hostfile FILE: the same $n hosts"
else
	t_fail "exec --hostfile FILE" "rc=$rc $(head -c 300 "$T/hf.err")"
fi

# The same list on stdin; the command still runs on every host.
"$R" exec "${X[@]}" --json - -- sh -c "$WHO" < "$T/list.txt" > "$T/stdin.json" 2>"$T/stdin.err"; rc=$?
if [ $rc -eq 0 ] && [ "$(answers < "$T/stdin.json")" = "$(want_answers)" ]; then
	t_ok "exec - reads the list from stdin: $n hosts"
else
	t_fail "exec - reads the list from stdin" "rc=$rc $(head -c 300 "$T/stdin.err")"
fi
out=$("$R" exec "${X[@]}" - -w - -- true < "$T/list.txt" 2>&1); rc=$?
[ $rc -eq 64 ] && [[ $out == *"'-' is given twice"* ]] && t_ok "a second '-' is refused (64)" \
	|| t_fail "a second '-' is refused" "rc=$rc $out"

# A bad line stops the run before any host is touched, naming file:line.
printf 'root@127.0.0.2:%s\n\nroot@127.0.0.3:0\n' "$FLEET_PORT" > "$T/bad.txt"
out=$("$R" exec "${X[@]}" -w "^$T/bad.txt" -- touch "$T/touched" 2>&1); rc=$?
if [ $rc -eq 64 ] && [[ $out == *"$T/bad.txt:3: bad host 'root@127.0.0.3:0'"* ]] && [ ! -e "$T/touched" ]; then
	t_ok "a bad line is a usage error naming file:line, and nothing runs"
else
	t_fail "a bad line is a usage error naming file:line" "rc=$rc $out"
fi

# An inventory host with a port keeps its address and user; known_hosts
# knows it only by its name, [node001]:PORT, as ssh would look it up.
first_addr=$(awk -v h="$FLEET_FIRST" '$1 == h { print $2 }' "$FLEET_HOSTLIST")
hostkey=$(cut -d' ' -f1,2 "$dir/host_ed25519.pub")
printf '[%s]:%s %s\n' "$FLEET_FIRST" "$FLEET_PORT" "$hostkey" > "$T/kh_by_name"
out=$("$R" exec -i "$FLEET_INVENTORY" --known-hosts "$T/kh_by_name" --no-agent --json \
	"$FLEET_FIRST:$FLEET_PORT" -- sh -c "$WHO" 2>"$T/name.err"); rc=$?
got=$(jq -r '"\(.host) \(.address) \(.stdout | rtrimstr("\n"))"' <<<"$out" | awk '{ print $1, $2, $3, $6, $7 }')
if [ $rc -eq 0 ] && [ "$got" = "$FLEET_FIRST:$FLEET_PORT $first_addr root $first_addr $FLEET_PORT" ]; then
	t_ok "inventory host with :port, known_hosts by name [$FLEET_FIRST]:$FLEET_PORT"
else
	t_fail "inventory host with :port, known_hosts by name" "rc=$rc got '$got' $(head -c 300 "$T/name.err")"
fi

# IPv6 loopback: the fleet listens on 0.0.0.0 only, so one more sshd on [::1].
if ! ip -6 addr show lo 2>/dev/null | grep -q 'inet6 ::1/128'; then
	t_ok "IPv6 cases (skipped: no ::1 on lo, IPv6 loopback unavailable on this machine)"
	t_finish
	exit 0
fi
port6=$(python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1", 0)); print(s.getsockname()[1])')
sed -e "s/^ListenAddress .*/ListenAddress [::1]:$port6/" "$dir/sshd-good.conf" > "$T/sshd-v6.conf"
timeout -k 5 120 /usr/sbin/sshd -D -e -f "$T/sshd-v6.conf" > "$T/sshd-v6.log" 2>&1 &
echo "$! sshd-v6" >> "$dir/pids"
for _ in $(seq 100); do
	(exec 3<>"/dev/tcp/::1/$port6") 2>/dev/null && break
	sleep 0.05
done
cp "$FLEET_KNOWN_HOSTS" "$T/kh6"
printf '[::1]:%s %s\n' "$port6" "$hostkey" >> "$T/kh6"
X6=(-i "$T/empty.cfg" --known-hosts "$T/kh6" --no-agent -k "$FLEET_KEY" --connect-timeout 10)
v6() { jq -r '"\(.host) \(.address) \(.port) \(.stdout | rtrimstr("\n"))"' | awk '{ print $1, $2, $3, $4, $7, $8 }'; }
out=$("$R" exec "${X6[@]}" --json "root@[::1]:$port6" -- sh -c "$WHO" 2>"$T/v6.err"); rc=$?
got=$(v6 <<<"$out")
if [ $rc -eq 0 ] && [ "$got" = "[::1]:$port6 ::1 $port6 root ::1 $port6" ]; then
	t_ok "exec root@[::1]:$port6 reaches the IPv6 sshd"
else
	t_fail "exec root@[::1]:PORT" "rc=$rc got '$got' $(head -c 300 "$T/v6.err")"
fi
out=$("$R" exec "${X6[@]}" --json -u root -p "$port6" ::1 -- sh -c "$WHO" 2>"$T/v6b.err"); rc=$?
got=$(v6 <<<"$out")
if [ $rc -eq 0 ] && [ "$got" = "::1 ::1 $port6 root ::1 $port6" ]; then
	t_ok "exec ::1 -p $port6: a bare IPv6 address"
else
	t_fail "exec ::1 -p PORT" "rc=$rc got '$got' $(head -c 300 "$T/v6b.err")"
fi
# In a list, beside the IPv4 hosts.
{ cat "$T/list.txt"; echo "root@[::1]:$port6"; } > "$T/list6.txt"
"$R" exec "${X6[@]}" --json -w "^$T/list6.txt" -- sh -c "$WHO" > "$T/l6.json" 2>"$T/l6.err"; rc=$?
hosts=$(jq -r 'select(.status == "ok") | .host' "$T/l6.json" | wc -l)
if [ $rc -eq 0 ] && [ "$hosts" -eq $((n + 1)) ] && grep -q "\"host\":\"\[::1\]:$port6\"" "$T/l6.json"; then
	t_ok "a list of $n IPv4 hosts and [::1]:$port6: all ok"
else
	t_fail "a list with IPv4 and IPv6 hosts" "rc=$rc ok=$hosts $(head -c 300 "$T/l6.err")"
fi
t_finish
