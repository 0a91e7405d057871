#!/bin/bash
# copy-bench.sh - ronda copy against pdcp and clush --copy on one loopback
# fleet, in one run (make bench runs it after fleet-bench.sh).
#
#   tests/bench/copy-bench.sh [-n "200 500"] [-r REPEATS] [-s BYTES] [-b RONDA]
#
# For each fleet size N: push one file of BYTES (default 1 MiB, random) to
# every host at fanout N, alternating ronda copy, pdcp -R ssh (pdsh
# package; runs `pdcp -z` on the host) and clush --copy (clustershell;
# scp underneath), REPEATS times each (default 3), the destination removed
# before every run so each tool really writes every host.  Prints the
# median wall time, client CPU per host, and ronda's ratio to each.
# ronda writes to each host's own $HOME (the fleet's hosts share one
# machine, and a shared path would let ronda find the file already there);
# pdcp and clush write one path, /tmp/ronda-copy-bench.PID/, rewritten by
# every host: the same bytes written per host either way.  "sshd ms/host"
# is the fleet's side (tests/lib-ticks.sh: sshd and every process under
# it), which shares this machine's cores with the client.  With -b, another
# ronda (a build of main, say) runs too, as "base", in the same
# alternation: a before and after under the same load.
# pdsh and clustershell are installed with apt-get when missing (as root).
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
source "$top/tests/lib-ticks.sh"
sizes="200 500" reps=3 bytes=1048576 base=""
while getopts "n:r:s:b:" o; do
	case $o in n) sizes=$OPTARG ;; r) reps=$OPTARG ;; s) bytes=$OPTARG ;; b) base=$OPTARG ;; *) exit 64 ;; esac
done
max=0; for n in $sizes; do (( n > max )) && max=$n; done

install() { # command package
	command -v "$1" >/dev/null && return 0
	[ "$(id -u)" -eq 0 ] || return 1
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null 2>&1 ||
		{ apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$2" >/dev/null 2>&1; }
	command -v "$1" >/dev/null
}
have_pdcp=0; install pdcp pdsh && have_pdcp=1
have_clush=0; install clush clustershell && have_clush=1

dir=$("$top/tests/fleet/up.sh" -n "$max" -t 900) || exit 1
shared=/tmp/ronda-copy-bench.$$
trap '"$top/tests/fleet/down.sh" "$dir"; rm -rf "$shared"' EXIT
source "$dir/fleet.env"
ulimit -n "$(ulimit -Hn)"
mkdir -p "$shared"
head -c "$bytes" /dev/urandom > "$dir/blob"
sum=$(sha256sum < "$dir/blob")

# measure NAME N CMD... -> appends "wall cpu_ms_per_host sshd_ms_per_host" to $dir/NAME-N
measure() {
	local name=$1 n=$2 t0 t1; shift 2
	t0=$(fleet_sshd_ticks "$dir")
	/usr/bin/time -o "$dir/time.txt" -f "%e %U %S" timeout 600 "$@" >"$dir/out.txt" 2>"$dir/err.txt"
	echo "exit $?" >> "$dir/err.txt"
	t1=$(fleet_sshd_ticks "$dir")
	awk -v n="$n" -v t=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" \
		'{ printf "%.3f %.2f %.2f\n", $1, ($2 + $3) * 1000 / n, t * 1000 / hz / n }' <<<"$(tail -1 "$dir/time.txt")" >> "$dir/$name-$n"
}
source "$top/tests/bench/lib-bench.sh"
# every host of the first n has the file (ronda: in its HOME)
check_homes() { # n
	local bad=0 i h
	for ((i = 1; i <= $1; i++)); do
		h=$(printf "$FLEET_HOMES/node%03d/bench.bin" "$i")
		[ "$( { sha256sum < "$h"; } 2>/dev/null)" = "$sum" ] || bad=$((bad + 1))
	done
	echo $bad
}

printf 'copy bench: %s bytes to each of %s hosts max, %s repeats, fanout = hosts\n' "$bytes" "$max" "$reps"
for n in $sizes; do
	head -n "$n" "$FLEET_HOSTLIST" | awk '{ print $1 }' > "$dir/hosts-$n"
	pat="node[001-$(printf %03d "$n")]"
	for ((i = 1; i <= reps; i++)); do
		for who in ronda ${base:+base}; do
			bin=$top/build/ronda; [ $who = base ] && bin=$base
			rm -f "$FLEET_HOMES"/node*/bench.bin
			measure $who "$n" "$bin" copy -i "$FLEET_INVENTORY" --known-hosts "$FLEET_KNOWN_HOSTS" \
				--json -f "$n" --rate 0 "$pat" "$dir/blob" bench.bin
			sent=$(grep -c '"stdout":"sent 1,' "$dir/out.txt")
			bad=$(check_homes "$n")
			[ "$sent" -eq "$n" ] && [ "$bad" -eq 0 ] || echo "WARNING: $who run $i: $sent of $n sent, $bad hosts without the file:" \
				"$(jq -r 'select(.status != "ok") | "\(.status) \(.error)"' "$dir/out.txt" | sort | uniq -c | sort -rn | head -3)"
		done
		if [ $have_pdcp = 1 ]; then
			rm -f "$shared/bench.bin"
			PDSH_SSH_ARGS="-F $FLEET_SSH_CONFIG %h" measure pdcp "$n" \
				pdcp -R ssh -f "$n" -w "^$dir/hosts-$n" "$dir/blob" "$shared/bench.bin"
			[ "$(sha256sum < "$shared/bench.bin" 2>/dev/null)" = "$sum" ] || echo "WARNING: pdcp run $i did not write the file: $(head -3 "$dir/err.txt")"
		fi
		if [ $have_clush = 1 ]; then
			rm -f "$shared/bench.bin"
			measure clush "$n" clush -f "$n" -o "-F $FLEET_SSH_CONFIG" -w "$(paste -sd, "$dir/hosts-$n")" \
				--copy "$dir/blob" --dest "$shared/bench.bin"
			[ "$(sha256sum < "$shared/bench.bin" 2>/dev/null)" = "$sum" ] || echo "WARNING: clush run $i did not write the file: $(head -3 "$dir/err.txt")"
		fi
	done
	echo
	printf '%-16s %5s %9s %13s %14s\n' "copy N=$n" runs "wall s" "cpu ms/host" "sshd ms/host"
	for name in ronda base pdcp clush; do
		[ -f "$dir/$name-$n" ] || continue
		printf '%-16s %5d %9.3f %13.2f %14.2f\n' "$name" "$(wc -l < "$dir/$name-$n")" \
			"$(col 1 "$dir/$name-$n")" "$(col 2 "$dir/$name-$n")" "$(col 3 "$dir/$name-$n")"
	done
	for other in ${base:+base} pdcp clush; do
		[ -f "$dir/$other-$n" ] || { echo "$other not installed: no comparison"; continue; }
		printf 'ratio ronda/%-6s wall %.2f   cpu/host %.3f\n' "$other" \
			"$(echo "$(col 1 "$dir/ronda-$n") / $(col 1 "$dir/$other-$n")" | bc -l)" \
			"$(echo "$(col 2 "$dir/ronda-$n") / $(col 2 "$dir/$other-$n")" | bc -l)"
	done
done
