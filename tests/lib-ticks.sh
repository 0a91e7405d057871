# lib-ticks.sh - the loopback fleet's own CPU, for benchmarks and suites.
#
#   fleet_sshd_ticks DIR    clock ticks of the fleet DIR's good sshd: the
#                           listener and every session it reaped (so call it
#                           once the sessions of interest have ended)
fleet_sshd_ticks() {
	local pid total=0 f
	for pid in $(pgrep -f "sshd -D -e -f $1/sshd-good.conf"); do
		read -r -a f < "/proc/$pid/stat" || continue
		total=$((total + f[13] + f[14] + f[15] + f[16]))
	done
	echo $total
}
