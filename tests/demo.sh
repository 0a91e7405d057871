#!/bin/bash
# demo.sh - what `make demo` runs: a loopback fleet of 50 hosts (44 good
# ones and the fault hosts) and a real patrol of it with the demo's own
# playbook (tests/demo/patrol.cfg.in; playbooks/patrol.cfg is for real
# servers): the agent is pushed to every host, runs its checks under
# seccomp, and the summary comes back.  Three problems are planted, each on
# one host, which gets an sshd of its own in its own mount (or PID)
# namespace, so that the same path or process table says something else
# there: node007's log directory is full, node019 has no demo-worker
# process, node031's heartbeat file is stale.  Then a second, cached run,
# on-call questions, and log cleanup on a few hosts (each has its own log
# tree in its HOME).  The fleet is stopped at the end.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
R="$top/build/ronda"

dir=$("$top/tests/fleet/up.sh" -n 44 -t 300 -l) || exit 1
trap '"$top/tests/fleet/down.sh" "$dir"' EXIT
source "$dir/fleet.env"
source "$top/tests/lib-sshd.sh"	# free_port
X=(-i "$FLEET_INVENTORY" --known-hosts "$FLEET_KNOWN_HOSTS" --connect-timeout 3 --retries 1)
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

# The demo's application, as every host sees it: a log directory, a
# heartbeat file touched now, and a worker process.
D=$dir/demo
mkdir -p "$D/log" "$D/run" "$D/bin"
seq -f 'request %g served' 1 500 > "$D/log/app.log"
touch "$D/run/heartbeat"
touch -d '-2 days' "$D/run/heartbeat.stale"
ln -s "$(command -v sleep)" "$D/bin/demo-worker"	# comm: demo-worker
timeout -k 5 300 "$D/bin/demo-worker" 300 9>&- &
echo "$! demo-worker" >> "$dir/pids"
sed -e "s|@DEMO@|$D|g" -e "s|@PORT@|$FLEET_PORT|g" "$top/tests/demo/patrol.cfg.in" > "$dir/patrol.cfg"

# plant HOST UNSHARE-FLAGS SETUP: HOST's own sshd on a port of its own, in
# new namespaces where SETUP (shell text of ours) ran first.
plant() {
	local name=$1 flags=$2 setup=$3 addr port
	addr=$(awk -v n="$name" '$1 == n { print $2 }' "$FLEET_HOSTLIST")
	port=$(free_port "$addr")
	sed "s|^ListenAddress .*|ListenAddress $addr:$port|" "$dir/sshd-good.conf" > "$dir/sshd-$name.conf"
	# shellcheck disable=SC2086
	timeout -k 5 300 unshare $flags --propagation private \
		sh -c "$setup && exec /usr/sbin/sshd -D -e -f '$dir/sshd-$name.conf'" \
		> "$dir/sshd-$name.log" 2>&1 &
	echo "$! sshd-$name" >> "$dir/pids"
	printf '[%s]:%s %s\n' "$addr" "$port" "$(cut -d' ' -f1,2 "$dir/host_ed25519.pub")" >> "$FLEET_KNOWN_HOSTS"
	sed -i "s|name = \"$name\"; address = \"$addr\"; port = [0-9]*;|name = \"$name\"; address = \"$addr\"; port = $port;|" "$FLEET_INVENTORY"
	for _ in $(seq 100); do
		(exec 3<>"/dev/tcp/$addr/$port") 2>/dev/null && return 0
		sleep 0.05
	done
	echo "demo: $name's sshd did not start:" >&2
	cat "$dir/sshd-$name.log" >&2
	exit 1
}
plant node007 -m "mount -t tmpfs -o size=8m,mode=0755 demo-log '$D/log' && head -c 8000k /dev/zero > '$D/log/app.log.1'"
plant node019 "-m -p -f --mount-proc" true
plant node031 -m "mount --bind '$D/run/heartbeat.stale' '$D/run/heartbeat'"

echo "demo: fleet of $FLEET_HOSTS good hosts + the fault hosts on loopback, files in $dir"
echo "demo: planted: node007's log directory is full, node019 has no worker, node031's heartbeat is stale"
say ronda hosts -i inventory.cfg all
"$R" hosts "${X[@]:0:2}" all

say ronda run -i inventory.cfg demo/patrol.cfg
t0=$(date +%s.%N)
"$R" run "${X[@]}" "$dir/patrol.cfg"
echo "(exit $?, $(echo "$(date +%s.%N) - $t0" | bc | cut -c1-5)s, agent uploaded to each host)"

say ronda run -i inventory.cfg demo/patrol.cfg --limit @fleet   "# cached agent"
t0=$(date +%s.%N)
"$R" run "${X[@]}" "$dir/patrol.cfg" --limit @fleet >/dev/null
echo "(exit $?, $(echo "$(date +%s.%N) - $t0" | bc | cut -c1-5)s, nothing uploaded)"

say ronda check -i inventory.cfg @fleet proc:demo-worker mem   "# on call: who lost a worker?"
"$R" check "${X[@]}" @fleet proc:demo-worker mem
echo "(exit $?)"

say "ronda check -i inventory.cfg @fleet file:demo/run/heartbeat --values | head -4"
"$R" check "${X[@]}" @fleet "file:$D/run/heartbeat" --values | head -4

say ronda exec -b -i inventory.cfg 'node[001-044]' -- uname -sr
"$R" exec "${X[@]}" -b 'node[001-044]' -- uname -sr

# Log cleanup: each host's own tree, so each host gets its own playbook.
logclean() { # host
	local h="$FLEET_HOMES/$1"
	cat > "$dir/logclean-$1.cfg" <<EOC
name = "demo log cleanup";
tasks = (
  { name = "nginx"; check = "rotate"; path = "$h/logs/nginx/*.log"; size = "10k";
    rotate = 7; compress = true; state = "$h/logs/.rotate.state"; },
  { name = "app archive"; check = "cleanup"; path = "$h/logs/app"; glob = "app-*.log";
    older_than = 30; archive = true; },
  { name = "tmp sweep"; check = "cleanup"; path = "$h/tmp"; glob = "*.tmp"; older_than = 7; }
);
EOC
	echo "$dir/logclean-$1.cfg"
}
tasks() { jq -r 'select(.type == "task") | "  \(.host) \(.task): \(.verdict), \(.message)"'; }
say ronda run --preview logclean.cfg --limit node001   "# what would happen, read-only"
"$R" run "${X[@]}" --json --preview "$(logclean node001)" --limit node001 | tasks
say ronda run logclean.cfg --limit 'node[001-003]'
for h in node001 node002 node003; do
	"$R" run "${X[@]}" --json "$(logclean $h)" --limit $h | tasks
done
echo
echo "demo: stopping the fleet"
