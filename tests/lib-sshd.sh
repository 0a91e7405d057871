# lib-sshd.sh - extra sshd servers beside a loopback fleet, for suites that
# need servers set up unlike the fleet's own (hardened, certificates, ...).
# Source it after lib.sh and after the fleet is up; sshd_at uses $dir (the
# fleet's directory) and $T (the suite's scratch directory).  sshd_common
# needs neither: up.sh and behind.sh write their configs with it too.

# sshd_common LISTEN HOSTKEY AUTHORIZED_KEYS: the sshd_config lines every
# test sshd shares (key login as root only, no PAM, no DNS, no pid file).
sshd_common() {
	cat <<EOC
ListenAddress $1
HostKey $2
AuthorizedKeysFile $3
PidFile none
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PrintMotd no
PrintLastLog no
UseDNS no
EOC
}

free_port() { python3 -c 'import socket,sys; s=socket.socket(); s.bind((sys.argv[1], 0)); print(s.getsockname()[1])' "$1"; }

# sshd_at NAME ADDR HOSTKEY EXTRA-OPTION...: one more sshd of the fleet, on
# its own address, stopped by down.sh (its pid goes to the fleet's list).
# Its inventory line is appended to $T/hosts and its port is in
# $T/NAME.port.  An EXTRA-OPTION given as -o overrides the defaults below
# (sshd takes the first value, and command-line options come first).
sshd_at() {
	local name=$1 addr=$2 key=$3 port
	shift 3
	port=$(free_port "$addr")
	{
		sshd_common "$addr:$port" "$key" "$dir/authorized_keys"
		echo "SetEnv HOME=$dir/home/default PATH=$dir/bin:/usr/bin:/bin RONDA_FLEET_SESSION=$dir"
	} > "$T/$name.conf"
	/usr/sbin/sshd -D -e -f "$T/$name.conf" "$@" 2>"$T/$name.log" &
	echo $! >> "$dir/pids"
	# up when it accepts a connection (bounded: 100 tries)
	for _ in $(seq 100); do
		(exec 3<>"/dev/tcp/$addr/$port") 2>/dev/null && break
		sleep 0.05
	done
	echo "$port" > "$T/$name.port"
	printf '  { name = "%s"; address = "%s"; port = %s; },\n' "$name" "$addr" "$port" >> "$T/hosts"
}
