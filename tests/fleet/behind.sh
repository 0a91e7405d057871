#!/bin/bash
# behind.sh - a loopback fleet reachable only through SSH bastions.
#
#   tests/fleet/behind.sh [-n HOSTS] [-t SECONDS]      (prints DIR)
#   tests/fleet/behind-down.sh DIR
#
# Makes a network namespace ronda-jump-XXXXXX of its own (XXXXXX: the
# suffix of DIR=/tmp/ronda-fleet.XXXXXX), starts in it the usual fleet
# (tests/fleet/up.sh, its sshd on port 24000.. so that nothing in the root
# namespace answers there) and five bastion sshds, each on port 22 of its
# own address, all with the host key DIR/jump/host_ed25519 (jumpbad: another):
#   jump     127.5.0.1  the bastion: AllowTcpForwarding yes, PermitOpen any,
#                       MaxStartups $JUMP_MAXSTARTUPS (default 10:30:20)
#   jumpbad  127.5.0.2  the same, but its host key is not the one known_hosts
#                       has for it (known_hosts says jump's key)
#   outer    127.5.0.3  may forward only to inner: PermitOpen 127.5.0.4:22
#   inner    127.5.0.4  PermitOpen any, and unreachable from the root
#                       namespace: the chain is -J outer,inner
#   nofwd    127.5.0.5  AllowTcpForwarding no
# The targets and inner are not reachable from the root namespace at all;
# jump, jumpbad, outer and nofwd are, on the same addresses and a free port
# each, through tests/tools/nsfwd.py (a forwarder listening in the root
# namespace that connects from inside).  Everything lives in DIR: the fleet's
# files (fleet.env, hosts.txt, ...) and DIR/jump.env, DIR/jump/: see
# tests/lib-jump.sh for the variables, files and helper functions.  Every
# process is on DIR/pids and lives at most SECONDS (default 900); the
# namespace outlives them only until behind-down.sh, or until the next
# behind.sh, which deletes empty ronda-jump-* namespaces whose DIR is gone.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
n=200 life=900
while getopts "n:t:h" o; do
	case $o in
	n) n=$OPTARG ;; t) life=$OPTARG ;;
	*) echo "usage: $0 [-n HOSTS] [-t SECONDS]" >&2; exit 64 ;;
	esac
done
[[ $life =~ ^[0-9]+$ ]] && (( life >= 1 && life <= 900 )) || { echo "behind.sh: -t must be 1..900" >&2; exit 64; }
[ "$(id -u)" -eq 0 ] || { echo "behind.sh: needs root (ip netns, sshd)" >&2; exit 1; }
SSHD=/usr/sbin/sshd
source "$top/tests/lib-sshd.sh"	# sshd_common
maxstartups=${JUMP_MAXSTARTUPS:-10:30:20}

# Namespaces a previous run left: ours by name, DIR gone, nothing inside.
for ns in $(ip netns list | awk '$1 ~ /^ronda-jump-/ { print $1 }'); do
	[ -d "/tmp/ronda-fleet.${ns#ronda-jump-}" ] && continue
	[ -n "$(ip netns pids "$ns" 2>/dev/null)" ] && continue
	ip netns del "$ns" 2>/dev/null || true
done

dir=$(mktemp -d /tmp/ronda-fleet.XXXXXX)
ns=ronda-jump-${dir#/tmp/ronda-fleet.}
J=$dir/jump
ip netns add "$ns"
echo "$ns" > "$dir/netns"
trap 'echo "behind.sh: failed, stopping" >&2; "$here/behind-down.sh" "$dir" >&2 || true' ERR
ip -n "$ns" link set lo up

# The fleet's port: free in the root namespace too, so that a direct
# connection from there is refused rather than reaching another fleet.
port=""
for p in $(seq 24000 10 24990); do
	ss -Htln "( sport >= :$p and sport <= :$((p + 7)) )" | grep -q . || { port=$p; break; }
done
[ -n "$port" ] || { echo "behind.sh: no free port range in 24000-24999" >&2; false; }
ip netns exec "$ns" "$here/up.sh" -n "$n" -d "$dir" -p "$port" -t "$life" > /dev/null
source "$dir/fleet.env"

mkdir -p "$J"
ssh-keygen -q -t ed25519 -N '' -C ronda-jump-host -f "$J/host_ed25519"
ssh-keygen -q -t ed25519 -N '' -C ronda-jump-other -f "$J/host_other"

# name address hostkey extra-lines
bastions=()
bastion() {
	local name=$1 addr=$2 key=$3; shift 3
	{ sshd_common "$addr:22" "$key" "$dir/authorized_keys"; cat <<EOC; } > "$J/sshd-$name.conf"
MaxStartups $maxstartups
LoginGraceTime 60
SetEnv HOME=$dir/home/default PATH=$dir/bin:/usr/bin:/bin RONDA_FLEET_SESSION=$dir
EOC
	printf '%s\n' "$@" >> "$J/sshd-$name.conf"
	ip netns exec "$ns" "$SSHD" -t -f "$J/sshd-$name.conf"
	ip netns exec "$ns" timeout -k 5 "$life" "$SSHD" -D -e -f "$J/sshd-$name.conf" > "$J/sshd-$name.log" 2>&1 9>&- &
	echo "$! bastion-$name" >> "$dir/pids"
	echo "$!" > "$J/$name.timeout.pid"
	bastions+=("$name=$addr")
}
bastion jump 127.5.0.1 "$J/host_ed25519" "AllowTcpForwarding yes" "PermitOpen any"
bastion jumpbad 127.5.0.2 "$J/host_other" "AllowTcpForwarding yes" "PermitOpen any"
bastion outer 127.5.0.3 "$J/host_ed25519" "AllowTcpForwarding yes" "PermitOpen 127.5.0.4:22"
bastion inner 127.5.0.4 "$J/host_ed25519" "AllowTcpForwarding yes" "PermitOpen any"
bastion nofwd 127.5.0.5 "$J/host_ed25519" "AllowTcpForwarding no"

routes=()
for b in jump=127.5.0.1 jumpbad=127.5.0.2 outer=127.5.0.3 nofwd=127.5.0.5; do
	routes+=("${b%%=*}=${b#*=}=${b#*=}:22")
done
timeout -k 5 "$life" python3 "$top/tests/tools/nsfwd.py" -n "$ns" -t "$life" -P "$J/nsfwd.pid" \
	-o "$J/ports" -s "$J/nsfwd.stats" "${routes[@]}" > "$J/nsfwd.log" 2>&1 9>&- &
echo "$! nsfwd" >> "$dir/pids"

# Ready: the forwarder wrote its ports, every bastion listens in the namespace.
deadline=$((SECONDS + 15))
ready() {
	[ -s "$J/ports" ] || return 1
	local b
	for b in "${bastions[@]}"; do
		ip netns exec "$ns" ss -Htln "src ${b#*=}:22" | grep -q . || return 1
	done
}
until ready; do
	while read -r pid name; do
		kill -0 "$pid" 2>/dev/null || { echo "behind.sh: $name exited:" >&2; cat "$J/${name#bastion-}.log" "$J/sshd-${name#bastion-}.log" 2>/dev/null >&2; false; }
	done < <(grep -E ' (bastion-|nsfwd)' "$dir/pids")
	(( SECONDS < deadline )) || { echo "behind.sh: bastions not up after 15 s" >&2; false; }
	sleep 0.05
done
fport() { awk -v n="$1" '$1 == n { print $2 }' "$J/ports"; }
# ... and each route of the forwarder reaches its bastion's banner.
for b in jump=127.5.0.1 jumpbad=127.5.0.2 outer=127.5.0.3 nofwd=127.5.0.5; do
	banner=$(timeout 5 bash -c 'exec 3<>"/dev/tcp/$1/$2" && head -c 4 <&3' _ "${b#*=}" "$(fport "${b%%=*}")" 2>&1) || true
	[ "$banner" = SSH- ] || { echo "behind.sh: no SSH banner from ${b%%=*} through the forwarder: $banner" >&2; false; }
done
for b in jump jumpbad outer inner nofwd; do
	pid=$(cat "$J/$b.timeout.pid")
	# sshd is the child of timeout; ip netns exec exec'd into timeout
	for c in $(cat "/proc/$pid/task/$pid/children"); do echo "$c" > "$J/$b.pid"; done
	[ -s "$J/$b.pid" ] || { echo "behind.sh: no sshd under $pid for $b" >&2; false; }
done

# known_hosts: the fleet's and every bastion's, as the root namespace sees
# it (inner as outer sees it, on port 22: no brackets).  jumpbad's line is
# jump's key, which is not the key it shows.
key=$(cut -d' ' -f1,2 "$J/host_ed25519.pub")
{
	cat "$FLEET_KNOWN_HOSTS"
	for b in jump=127.5.0.1 jumpbad=127.5.0.2 outer=127.5.0.3 nofwd=127.5.0.5; do
		printf '[%s]:%s %s\n' "${b#*=}" "$(fport "${b%%=*}")" "$key"
	done
	printf '127.5.0.4 %s\n' "$key"
} > "$J/known_hosts"

# ssh_config: the bastions first (sshd takes the first value it finds), then
# ProxyJump jump for everything else, then the fleet's own config.
# ssh_config.nojump: the same without that default (-J on the command line).
hostblocks() {
	echo "Host jump jumpbad outer inner nofwd"
	echo "  ProxyJump none"
	for b in jump=127.5.0.1 jumpbad=127.5.0.2 outer=127.5.0.3 nofwd=127.5.0.5; do
		printf 'Host %s\n  HostName %s\n  Port %s\n' "${b%%=*}" "${b#*=}" "$(fport "${b%%=*}")"
	done
	printf 'Host inner\n  HostName 127.5.0.4\n  Port 22\n'
}
{
	hostblocks
	printf 'Host *\n  ProxyJump jump\n  UserKnownHostsFile %s\n' "$J/known_hosts"
	cat "$FLEET_SSH_CONFIG"
} > "$J/ssh_config"
{
	hostblocks
	printf 'Host *\n  UserKnownHostsFile %s\n' "$J/known_hosts"
	cat "$FLEET_SSH_CONFIG"
} > "$J/ssh_config.nojump"

# The fleet's inventory with the bastions as hosts too (group bastions).
{
	echo "# ronda inventory of the fleet behind bastions in $dir"
	echo "defaults = { user = \"root\"; identity = \"$FLEET_KEY\"; };"
	echo "hosts = ("
	{
		cat "$FLEET_HOSTLIST"
		for b in jump=127.5.0.1 jumpbad=127.5.0.2 outer=127.5.0.3 nofwd=127.5.0.5; do
			echo "${b%%=*} ${b#*=} $(fport "${b%%=*}") bastion"
		done
		echo "inner 127.5.0.4 22 bastion"
	} | awk '{ printf "%s  { name = \"%s\"; address = \"%s\"; port = %s; }", (NR > 1 ? ",\n" : ""), $1, $2, $3 } END { print "" }'
	echo ");"
	echo "groups = {"
	echo "  fleet = { hosts = [ \"node[${FLEET_FIRST#node}-${FLEET_LAST#node}]\" ]; };"
	echo "  faults = { hosts = [ \"silent\", \"closed\", \"badkey\", \"noauth\", \"drop\", \"garbage\" ]; };"
	echo "  bastions = { hosts = [ \"jump\", \"jumpbad\", \"outer\", \"inner\", \"nofwd\" ]; };"
	echo "};"
} > "$J/inventory.cfg"

cat > "$dir/jump.env" <<EOE
JUMP_DIR=$J
JUMP_NETNS=$ns
JUMP_SSH_CONFIG=$J/ssh_config
JUMP_SSH_CONFIG_NOJUMP=$J/ssh_config.nojump
JUMP_KNOWN_HOSTS=$J/known_hosts
JUMP_INVENTORY=$J/inventory.cfg
JUMP_HOSTKEY=$J/host_ed25519
JUMP_MAXSTARTUPS=$maxstartups
JUMP_ADDR=127.5.0.1
JUMP_PORT=$(fport jump)
JUMP_BAD_ADDR=127.5.0.2
JUMP_BAD_PORT=$(fport jumpbad)
JUMP_OUTER_ADDR=127.5.0.3
JUMP_OUTER_PORT=$(fport outer)
JUMP_INNER_ADDR=127.5.0.4
JUMP_INNER_PORT=22
JUMP_NOFWD_ADDR=127.5.0.5
JUMP_NOFWD_PORT=$(fport nofwd)
JUMP_FWD_PID=$(cat "$J/nsfwd.pid")
JUMP_FWD_STATS=$J/nsfwd.stats
EOE

# The point of it all: no target answers in the root namespace.
first=$(awk 'NR == 1 { print $2 }' "$FLEET_HOSTLIST")
if (exec 3<>"/dev/tcp/$first/$FLEET_PORT") 2>/dev/null; then
	echo "behind.sh: $first:$FLEET_PORT answers in the root namespace" >&2
	false
fi
trap - ERR
echo "$dir"
