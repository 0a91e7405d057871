#!/bin/bash
# up.sh - start a loopback fleet of SSH hosts for tests, the demo and benchmarks.
#
#   tests/fleet/up.sh [-n HOSTS] [-d DIR] [-p PORT] [-t SECONDS] [-l]
#
# One OpenSSH sshd listens on the wildcard address at PORT, so every loopback
# address 127.0.0.2 ... (127.0.1.2 ... past 250 hosts) is a distinct good host.
# Fault hosts live on 127.1.0.x, each on its own port:
#   silent   accepts TCP and never speaks        (faultd silent)
#   closed   nothing listens                     (connection refused)
#   badkey   sshd whose host key is not the one in known_hosts
#   noauth   sshd that accepts no key            (authentication fails)
#   drop     proxy that cuts the link after a few KiB of server output
#   garbage  answers with junk instead of an SSH banner
# 127.1.0.7 on the good port is the aarch64 stand-in: uname -m says
# aarch64, and its agent (ronda-agent.aarch64) runs under qemu-user through
# RONDA_AGENT_VIA (nothing is registered with binfmt_misc), with a host
# policy of its own that says "sandbox optional": qemu-user cannot apply
# the agent's seccomp filter.
# Good hosts have bin/hang and bin/flood on their PATH for hang and flood tests,
# and each its own empty HOME, DIR/home/NAME (fault hosts: DIR/home/default).
# With -l every good host also gets a log tree in its HOME for rotation and
# cleanup: logs/nginx/{access,error}.log, logs/app/ with dated files from
# the last 40 days, and tmp/ with files of every age.
#
# Everything lives in DIR (default: a new mktemp directory, printed on stdout):
# keys, sshd configs and logs, known_hosts, ssh_config, hosts.txt, fleet.env
# (shell variables describing the fleet) and pids (every process started).
# tests/fleet/down.sh DIR stops it all.  Nothing outlives SECONDS (default 900).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
n=200 dir="" port="" life=900 logtree=0
DROP_BYTES=${DROP_BYTES:-12288}

usage() { echo "usage: $0 [-n HOSTS] [-d DIR] [-p PORT] [-t SECONDS]" >&2; exit 64; }
while getopts "n:d:p:t:lh" o; do
	case $o in
	n) n=$OPTARG ;; d) dir=$OPTARG ;; p) port=$OPTARG ;; t) life=$OPTARG ;; l) logtree=1 ;;
	*) usage ;;
	esac
done
[[ $n =~ ^[0-9]+$ ]] && (( n >= 1 && n <= 5000 )) || { echo "up.sh: -n must be 1..5000" >&2; exit 64; }
[[ $life =~ ^[0-9]+$ ]] && (( life >= 1 && life <= 3600 )) || { echo "up.sh: -t must be 1..3600" >&2; exit 64; }

SSHD=/usr/sbin/sshd
FAULTD=${FAULTD:-$top/build/faultd}
[ -x "$SSHD" ] || { echo "up.sh: $SSHD missing (make deps installs openssh-server)" >&2; exit 1; }
[ -x "$FAULTD" ] || { echo "up.sh: $FAULTD missing (run make)" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { echo "up.sh: sshd needs root" >&2; exit 1; }

source "$top/tests/lib-sshd.sh"	# sshd_common
listening() { ss -Htln "sport = :$1" 2>/dev/null | grep -q .; }
# Fleets started at the same time must not pick the same ports: hold a lock
# from choosing the port until every listener is up.
exec 9>/tmp/ronda-fleet.lock
flock -w 60 9 || { echo "up.sh: another fleet held /tmp/ronda-fleet.lock for 60 s" >&2; exit 1; }
# A free base port with the next 7 free too.
if [ -z "$port" ]; then
	for p in $(seq 22000 10 22990); do
		ok=1
		for k in 0 1 2 3 4 5 6 7; do listening $((p + k)) && { ok=0; break; }; done
		[ $ok = 1 ] && { port=$p; break; }
	done
	[ -n "$port" ] || { echo "up.sh: no free port range in 22000-22999" >&2; exit 1; }
fi

[ -n "$dir" ] || dir=$(mktemp -d /tmp/ronda-fleet.XXXXXX)
mkdir -p "$dir"
# 711: test users other than root must reach authorized_keys and bin/;
# the private keys stay 0600.
chmod 711 "$dir"
dir=$(cd "$dir" && pwd)
mkdir -p "$dir/bin" "$dir/home" /run/sshd
: > "$dir/pids"

# Stop what we started if anything below fails.
trap 'echo "up.sh: failed, stopping the fleet" >&2; "$here/down.sh" "$dir" >&2 || true' ERR

ssh-keygen -q -t ed25519 -N '' -C ronda-fleet-client -f "$dir/id_ed25519"
ssh-keygen -q -t ed25519 -N '' -C ronda-fleet-host -f "$dir/host_ed25519"
ssh-keygen -q -t ed25519 -N '' -C ronda-fleet-other -f "$dir/host_other"
cp "$dir/id_ed25519.pub" "$dir/authorized_keys"
chmod 644 "$dir/authorized_keys"

cat > "$dir/bin/hang" <<'EOS'
#!/bin/sh
# Hangs for $1 seconds (at most 900) without output.
s=${1:-900}
[ "$s" -gt 900 ] 2>/dev/null && s=900
exec sleep "$s"
EOS
cat > "$dir/bin/flood" <<'EOS'
#!/bin/sh
# Writes $1 bytes (default 16 MiB) to stdout and as many to stderr, at once.
n=${1:-16777216}
head -c "$n" /dev/zero | tr '\0' o &
head -c "$n" /dev/zero | tr '\0' e >&2
wait
EOS
chmod 755 "$dir/bin/hang" "$dir/bin/flood"
mkdir -p "$dir/foreign"
cat > "$dir/foreign/uname" <<'EOS'
#!/bin/sh
# The aarch64 stand-in (127.1.0.7).
[ "$1" = -m ] && { echo aarch64; exit 0; }
exec /bin/uname "$@"
EOS
# RONDA_AGENT_VIA of the stand-in: AGENT run ... gets the stand-in's own
# policy (it cannot be /etc/ronda/agent.cfg, which every fleet host shares);
# the agent's children (AGENT --probe, --exec) go through unchanged.
cat > "$dir/foreign/qemu-agent" <<EOS
#!/bin/sh
if [ "\$2" = run ]; then a=\$1; shift 2; exec qemu-aarch64-static "\$a" run --policy "$dir/foreign/agent.cfg" "\$@"; fi
exec qemu-aarch64-static "\$@"
EOS
echo "sandbox optional" > "$dir/foreign/agent.cfg"
chmod 644 "$dir/foreign/agent.cfg"
chmod 755 "$dir/foreign/uname" "$dir/foreign/qemu-agent"

# sshd_config common to every fleet sshd.  HOME is an empty directory so
# root's slow shell start-up files are not measured; RONDA_FLEET_SESSION
# marks every session process so down.sh can find orphans.
sshd_config() { # name listen hostkey authorized_keys
	{ sshd_common "$2" "$3" "$4"; cat <<EOC; } > "$dir/sshd-$1.conf"
MaxStartups 5000
MaxSessions 64
MaxAuthTries 6
LoginGraceTime 60
ClientAliveInterval 0
Subsystem sftp internal-sftp
EOC
	# sshd keeps the first SetEnv that applies: specific blocks first.
	# 127.1.0.7 on the good port: the aarch64 stand-in, with its own HOME.
	# Each good host gets its own HOME (its own agent cache, its own files),
	# chosen by the address it was reached on: not by a Match block per host
	# (sshd parses its whole config again for every session, so 5,000 blocks
	# made every login cost O(hosts)), but by the login shell: root's bash,
	# run by sshd with a command, sources ~/.bashrc (and not BASH_ENV), and
	# HOME is DIR/home/default until that file, DIR/home/default/.bashrc,
	# sets the host's own.  So a test user of a good host needs bash as
	# its shell (with another, HOME stays DIR/home/default).
	if [ "$1" = good ]; then
		printf 'Match LocalAddress 127.1.0.7\n  SetEnv HOME=%s/home/arm64 PATH=%s/foreign:%s RONDA_AGENT_VIA=%s/foreign/qemu-agent RONDA_FLEET_SESSION=%s\n' \
			"$dir" "$dir" "$fleet_path" "$dir" "$dir" >> "$dir/sshd-$1.conf"
	fi
	printf 'Match all\n  SetEnv HOME=%s/home/default %s\n' "$dir" "$fleet_env" >> "$dir/sshd-$1.conf"
}
host_addr() { echo "127.0.$((($1 - 1) / 249)).$((2 + ($1 - 1) % 249))"; }
host_name() { printf "node%0${width}d" "$1"; }
width=${#n}; (( width < 3 )) && width=3
fleet_path="$dir/bin:/usr/local/bin:/usr/bin:/bin"
fleet_env="PATH=$fleet_path RONDA_FLEET_SESSION=$dir"
mkdir -p "$dir/home/default" "$dir/home/arm64"
for ((i = 1; i <= n; i++)); do mkdir -p "$dir/home/$(host_name "$i")"; done
# The sessions' ~/.bashrc: a good host's HOME from the address the session
# came in on (SSH_CONNECTION's third word), the inverse of host_addr.
cat > "$dir/home/default/.bashrc" <<EOH
# sourced by bash -c in every session (see sshd_config in up.sh)
_a=\${SSH_CONNECTION#* * }; _a=\${_a%% *}
case \$_a in
127.0.*.*)
	_x=\${_a#127.0.}
	_i=\$(( \${_x%%.*} * 249 + \${_x#*.} - 1 ))
	if (( _i >= 1 && _i <= $n )); then
		printf -v _h 'node%0${width}d' "\$_i"
		export HOME="$dir/home/\$_h"
		# the host's own rc file, as bash on that host would read it
		if [ -r "\$HOME/.bashrc" ]; then unset _a _x _i _h; . "\$HOME/.bashrc"; fi
	fi ;;
esac
unset _a _x _i _h
EOH

# A host's log tree (-l): realistic names and ages, a few hundred KiB.
log_tree() { # home
	local h=$1 d
	mkdir -p "$h/logs/nginx" "$h/logs/app" "$h/tmp"
	seq -f '127.0.0.1 - - [28/Nov/2026:03:%02g:00 +0000] "GET /index.html HTTP/1.1" 200 612' 1 3000 > "$h/logs/nginx/access.log"
	seq -f '2026/11/28 03:%02g:00 [error] 42#42: upstream timed out' 1 200 > "$h/logs/nginx/error.log"
	for d in $(seq 1 40); do
		f="$h/logs/app/app-$(date -d "-$d days" +%Y%m%d).log"
		seq -f "job %g done" 1 500 > "$f"
		touch -d "-$d days" "$f"
	done
	seq -f "job %g started" 1 2000 > "$h/logs/app/current.log"
	for d in 0 1 3 8 15 30; do
		head -c 20000 /dev/zero > "$h/tmp/scratch-$d.tmp"
		touch -d "-$d days" "$h/tmp/scratch-$d.tmp"
	done
}
if [ $logtree = 1 ]; then
	# made once, then copied with its times to every host
	log_tree "$dir/logtree"
	for ((i = 1; i <= n; i++)); do cp -a "$dir/logtree/." "$dir/home/$(host_name "$i")/"; done
	cp -a "$dir/logtree/." "$dir/home/arm64/"
	rm -rf "$dir/logtree"
fi

start() { # name command...
	local name=$1; shift
	timeout -k 5 "$life" "$@" >"$dir/$name.log" 2>&1 9>&- &
	echo "$! $name" >> "$dir/pids"
}

sshd_config good "0.0.0.0:$port" "$dir/host_ed25519" "$dir/authorized_keys"
sshd_config badkey "127.1.0.3:$((port + 3))" "$dir/host_other" "$dir/authorized_keys"
sshd_config noauth "127.1.0.4:$((port + 4))" "$dir/host_ed25519" none
for c in good badkey noauth; do
	"$SSHD" -t -f "$dir/sshd-$c.conf"
	start "sshd-$c" "$SSHD" -D -e -f "$dir/sshd-$c.conf"
done
start faultd-silent "$FAULTD" -t "$life" silent 127.1.0.1 $((port + 1))
start faultd-drop "$FAULTD" -t "$life" drop 127.1.0.5 $((port + 5)) 127.0.0.2 "$port" "$DROP_BYTES"
start faultd-garbage "$FAULTD" -t "$life" garbage 127.1.0.6 $((port + 6))

# Host list, known_hosts, ssh_config.
hostkey=$(cut -d' ' -f1,2 "$dir/host_ed25519.pub")
{
	echo "Host *"
	echo "  User root"
	echo "  IdentityFile $dir/id_ed25519"
	echo "  IdentitiesOnly yes"
	echo "  UserKnownHostsFile $dir/known_hosts"
	echo "  GlobalKnownHostsFile /dev/null"
	echo "  StrictHostKeyChecking yes"
	echo "  CheckHostIP no"
	echo "  BatchMode yes"
	echo "  ConnectTimeout 5"
	echo "  KexAlgorithms curve25519-sha256"
	echo "  LogLevel ERROR"
} > "$dir/ssh_config"
: > "$dir/known_hosts"
: > "$dir/hosts.txt"
add_host() { # name addr port kind
	printf '%s %s %s %s\n' "$1" "$2" "$3" "$4" >> "$dir/hosts.txt"
	printf 'Host %s\n  HostName %s\n  Port %s\n' "$1" "$2" "$3" >> "$dir/ssh_config"
	printf '[%s]:%s %s\n' "$2" "$3" "$hostkey" >> "$dir/known_hosts"
}
for ((i = 1; i <= n; i++)); do
	add_host "$(host_name "$i")" "$(host_addr "$i")" "$port" good
done
add_host silent 127.1.0.1 $((port + 1)) silent
add_host closed 127.1.0.2 $((port + 2)) closed
add_host badkey 127.1.0.3 $((port + 3)) badkey
add_host noauth 127.1.0.4 $((port + 4)) noauth
add_host drop 127.1.0.5 $((port + 5)) drop
add_host garbage 127.1.0.6 $((port + 6)) garbage
add_host arm64 127.1.0.7 "$port" arm64

# The same fleet as a ronda inventory: good hosts in group fleet, fault
# hosts in group faults, each with its address and port.
{
	echo "# ronda inventory of the loopback fleet in $dir"
	echo "defaults = { user = \"root\"; identity = \"$dir/id_ed25519\"; };"
	echo "hosts = ("
	awk '{ printf "%s  { name = \"%s\"; address = \"%s\"; port = %s; }", (NR > 1 ? ",\n" : ""), $1, $2, $3 } END { print "" }' "$dir/hosts.txt"
	echo ");"
	echo "groups = {"
	echo "  fleet = { hosts = [ \"node[$(printf "%0${width}d" 1)-$(printf "%0${width}d" "$n")]\" ]; };"
	echo "  faults = { hosts = [ \"silent\", \"closed\", \"badkey\", \"noauth\", \"drop\", \"garbage\" ]; };"
	echo "  arm = { hosts = [ \"arm64\" ]; };"
	echo "};"
} > "$dir/inventory.cfg"

cat > "$dir/fleet.env" <<EOE
FLEET_DIR=$dir
FLEET_PORT=$port
FLEET_HOSTS=$n
FLEET_KEY=$dir/id_ed25519
FLEET_KNOWN_HOSTS=$dir/known_hosts
FLEET_HOMES=$dir/home
FLEET_SSH_CONFIG=$dir/ssh_config
FLEET_HOSTLIST=$dir/hosts.txt
FLEET_FIRST=$(printf "node%0${width}d" 1)
FLEET_LAST=$(printf "node%0${width}d" "$n")
FLEET_DROP_BYTES=$DROP_BYTES
FLEET_INVENTORY=$dir/inventory.cfg
EOE

# Ready when every listener accepts; a daemon that died is an error.
deadline=$((SECONDS + 15))
for p in "$port" $((port + 1)) $((port + 3)) $((port + 4)) $((port + 5)) $((port + 6)); do
	until listening "$p"; do
		while read -r pid name; do
			kill -0 "$pid" 2>/dev/null || { echo "up.sh: $name exited:" >&2; cat "$dir/$name.log" >&2; false; }
		done < "$dir/pids"
		(( SECONDS < deadline )) || { echo "up.sh: port $p not listening after 15 s" >&2; false; }
		sleep 0.05
	done
done
if listening $((port + 2)); then echo "up.sh: port $((port + 2)) should be closed" >&2; false; fi
trap - ERR
exec 9>&-
echo "$dir"
