#!/bin/bash
# fleet-bench.sh - ronda against pdsh on the same loopback fleet, in one run.
#
#   tests/bench/fleet-bench.sh [-n "200 500"] [-r REPEATS] [-P] [-b "BUILD..."]
#                                                              (make bench)
#
# For each fleet size N, runs `true` on every host at fanout N, alternating
#   ronda exec
#   pdsh -R ssh with OpenSSH's default key exchange (sntrup761x25519)
#   pdsh -R ssh with -o KexAlgorithms=curve25519-sha256 (libssh2's choice)
# REPEATS times each (default 5), and prints medians of: wall time, client
# CPU per host (user+sys of the whole client process tree, from rusage),
# peak client memory per session (memory cgroup peak when cgroup v1 memory
# is there, else the largest process's max RSS), and the fleet's own sshd
# CPU over the same interval; then the ratios ronda/pdsh.
# Then, at every size, a patrol with playbooks/patrol.cfg: first run (the
# agent uploaded to every host) and cached run, and `ronda exec -- true` on
# the same hosts; the ratios first/cached and cached/exec.  -P measures
# only the patrol; -b "build OTHER" alternates the patrols of several build
# directories (an A/B: AGENT_LIBC=glibc into OTHER), each with its agents.
# pdsh is installed with apt-get when missing (as root); without it only
# ronda is measured.  Every run is bounded by `timeout`.
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
sizes="200 500" reps=5 patrol_only=0 builds=build
while getopts "n:r:Pb:" o; do
	case $o in n) sizes=$OPTARG ;; r) reps=$OPTARG ;; P) patrol_only=1 ;; b) builds=$OPTARG ;;
	*) exit 64 ;; esac
done
for b in $builds; do
	[ -x "$top/$b/ronda" ] || [ -x "$b/ronda" ] || { echo "bench: no $b/ronda" >&2; exit 1; }
done
bdir() { if [ -x "$top/$1/ronda" ]; then echo "$top/$1"; else echo "$1"; fi; }
max=0; for n in $sizes; do (( n > max )) && max=$n; done

if [ $patrol_only = 0 ] && ! command -v pdsh >/dev/null && [ "$(id -u)" -eq 0 ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q pdsh >/dev/null 2>&1 ||
		{ apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q pdsh >/dev/null 2>&1; }
fi
have_pdsh=0; command -v pdsh >/dev/null && have_pdsh=1

dir=$("$top/tests/fleet/up.sh" -n "$max" -t 900) || exit 1
trap '"$top/tests/fleet/down.sh" "$dir"; rmdir "$cg" 2>/dev/null' EXIT
source "$dir/fleet.env"
ulimit -n "$(ulimit -Hn)"
# OpenSSH's defaults for the pdsh baseline: the fleet config pins curve25519.
grep -v KexAlgorithms "$FLEET_SSH_CONFIG" > "$dir/ssh_config.defaults"

cg=/sys/fs/cgroup/memory/ronda-bench-$$
mkdir "$cg" 2>/dev/null || cg=""

source "$top/tests/lib-ticks.sh"
sshd_ticks() { fleet_sshd_ticks "$dir"; }
hz=$(getconf CLK_TCK)

# measure NAME N CMD... -> appends "wall cpu_ms_per_host mem_kb_per_session sshd_ms" to $dir/NAME-N
measure() {
	local name=$1 n=$2; shift 2
	local s0 s1 peak out
	s0=$(sshd_ticks)
	if [ -n "$cg" ]; then
		echo 0 > "$cg/memory.max_usage_in_bytes"
		/usr/bin/time -o "$dir/time.txt" -f "%e %U %S %M" bash -c 'echo $$ > "$1/cgroup.procs"; shift; exec "$@"' _ "$cg" timeout 300 "$@" >"$dir/out.txt" 2>"$dir/err.txt"
		out=$(tail -1 "$dir/time.txt")
		peak=$(( $(cat "$cg/memory.max_usage_in_bytes") / 1024 ))
	else
		/usr/bin/time -o "$dir/time.txt" -f "%e %U %S %M" timeout 300 "$@" >"$dir/out.txt" 2>"$dir/err.txt"
		out=$(tail -1 "$dir/time.txt")
		peak=$(awk '{print $4}' <<<"$out")
	fi
	s1=$(sshd_ticks)
	local lines; lines=$(grep -c '"status":"ok"' "$dir/out.txt")	# exec: one line per host; patrol: host lines
	awk -v n="$n" -v p="$peak" -v ds=$((s1 - s0)) -v hz="$hz" -v l="$lines" \
		'{ printf "%.3f %.2f %.1f %.0f %d\n", $1, ($2 + $3) * 1000 / n, p / n, ds * 1000 / hz, l }' <<<"$out" >> "$dir/$name-$n"
}

source "$top/tests/bench/lib-bench.sh"

printf 'bench: %s hosts max, %s repeats, fanout = hosts, command `true`\n' "$max" "$reps"
[ $patrol_only = 1 ] && sizes_exec="" || sizes_exec=$sizes
for n in $sizes_exec; do
	head -n "$n" "$FLEET_HOSTLIST" | awk '{ print $1 }' > "$dir/hosts-$n"
	pattern="$FLEET_FIRST"
	last=$(tail -1 "$dir/hosts-$n")
	for ((i = 1; i <= reps; i++)); do
		measure ronda "$n" "$top/build/ronda" exec -i "$FLEET_INVENTORY" --known-hosts "$FLEET_KNOWN_HOSTS" \
			--json -n -f "$n" --rate 0 "node[001-$(printf %03d "$n")]" -- true
		if [ $have_pdsh = 1 ]; then
			PDSH_SSH_ARGS="-F $dir/ssh_config.defaults %h" measure pdsh-default "$n" \
				pdsh -R ssh -f "$n" -w "^$dir/hosts-$n" true
			PDSH_SSH_ARGS="-F $dir/ssh_config.defaults -o KexAlgorithms=curve25519-sha256 %h" measure pdsh-curve "$n" \
				pdsh -R ssh -f "$n" -w "^$dir/hosts-$n" true
		fi
	done
	echo
	printf '%-14s %5s %9s %13s %14s %12s\n' "N=$n (median)" runs "wall s" "cpu ms/host" "mem KiB/sess" "sshd cpu s"
	for name in ronda pdsh-default pdsh-curve; do
		[ -f "$dir/$name-$n" ] || continue
		printf '%-14s %5d %9.3f %13.2f %14.1f %12.2f\n' "$name" "$(wc -l < "$dir/$name-$n")" \
			"$(col 1 "$dir/$name-$n")" "$(col 2 "$dir/$name-$n")" "$(col 3 "$dir/$name-$n")" \
			"$(echo "$(col 4 "$dir/$name-$n") / 1000" | bc -l)"
	done
	if [ $have_pdsh = 1 ]; then
		for base in pdsh-curve pdsh-default; do
			printf 'ratio ronda/%-12s wall %.2f   cpu/host %.3f   mem/session %.3f\n' "$base" \
				"$(echo "$(col 1 "$dir/ronda-$n") / $(col 1 "$dir/$base-$n")" | bc -l)" \
				"$(echo "$(col 2 "$dir/ronda-$n") / $(col 2 "$dir/$base-$n")" | bc -l)" \
				"$(echo "$(col 3 "$dir/ronda-$n") / $(col 3 "$dir/$base-$n")" | bc -l)"
		done
	else
		echo "pdsh not installed: no comparison"
	fi
	# every ronda run must actually have reached every host
	awk -v n="$n" '$5 != n { bad++ } END { if (bad) printf "WARNING: %d ronda run(s) did not reach all %d hosts\n", bad, n; else printf "every ronda run reached all %d hosts\n", n }' "$dir/ronda-$n"
done

# --- patrol figures ----------------------------------------------------------
# At every size: first run (agent uploaded) and cached run, and the ratios
# first/cached and cached patrol / ronda exec true on the same hosts; with
# several builds, each build's runs in turn within every repeat.
for n in $sizes; do
	pat="node[001-$(printf %03d "$n")]"
	for b in $builds; do rm -f "$dir/uploaded-${b//\//_}"; done
	for ((i = 1; i <= reps; i++)); do
		for b in $builds; do
			B=$(bdir "$b") k=${b//\//_}
			rm -rf "$FLEET_HOMES"/*/.cache
			measure "patrol-first@$k" "$n" "$B/ronda" run -i "$FLEET_INVENTORY" --known-hosts "$FLEET_KNOWN_HOSTS" \
				--json -f "$n" "$top/playbooks/patrol.cfg" --limit "$pat"
			jq -s '[.[] | select(.type == "host") | .uploaded_bytes] | add' "$dir/out.txt" >> "$dir/uploaded-$k"
			# the stamp that spares a cached run the hash is made once the agent's
			# ctime is 2 s old: this run makes it, the next one is measured
			sleep 2
			timeout 300 "$B/ronda" run -i "$FLEET_INVENTORY" --known-hosts "$FLEET_KNOWN_HOSTS" \
				-f "$n" "$top/playbooks/patrol.cfg" --limit "$pat" > /dev/null 2>&1
			measure "patrol-cached@$k" "$n" "$B/ronda" run -i "$FLEET_INVENTORY" --known-hosts "$FLEET_KNOWN_HOSTS" \
				--json -f "$n" "$top/playbooks/patrol.cfg" --limit "$pat"
		done
		measure exec-true "$n" "$(bdir "${builds%% *}")/ronda" exec -i "$FLEET_INVENTORY" --known-hosts "$FLEET_KNOWN_HOSTS" \
			--json -n -f "$n" --rate 0 "$pat" -- true
	done
	for b in $builds; do
		B=$(bdir "$b") k=${b//\//_}
		echo
		printf '%-16s %5s %9s %13s %14s %12s   (%s)\n' "patrol N=$n" runs "wall s" "cpu ms/host" "mem KiB/sess" "sshd cpu s" "$B"
		for name in "patrol-first@$k" "patrol-cached@$k" exec-true; do
			printf '%-16s %5d %9.3f %13.2f %14.1f %12.2f\n' "${name%@*}" "$(wc -l < "$dir/$name-$n")" \
				"$(col 1 "$dir/$name-$n")" "$(col 2 "$dir/$name-$n")" "$(col 3 "$dir/$name-$n")" \
				"$(echo "$(col 4 "$dir/$name-$n") / 1000" | bc -l)"
		done
		printf 'ratio first/cached wall %.2f   cached patrol/exec true wall %.2f   fleet sshd cpu first/cached %.2f, cached/exec %.2f\n' \
			"$(echo "$(col 1 "$dir/patrol-first@$k-$n") / $(col 1 "$dir/patrol-cached@$k-$n")" | bc -l)" \
			"$(echo "$(col 1 "$dir/patrol-cached@$k-$n") / $(col 1 "$dir/exec-true-$n")" | bc -l)" \
			"$(echo "$(col 4 "$dir/patrol-first@$k-$n") / $(col 4 "$dir/patrol-cached@$k-$n")" | bc -l)" \
			"$(echo "$(col 4 "$dir/patrol-cached@$k-$n") / $(col 4 "$dir/exec-true-$n")" | bc -l)"
		echo "(first runs uploaded $(median < "$dir/uploaded-$k" | awk -v n="$n" '{ printf "%.1f MiB (median), %.0f bytes per host", $1 / 1048576, $1 / n }'): the $(stat -c %s "$B/ronda-agent")-byte agent, gzip-compressed; cached = the second run after the first, stamped)"
		awk -v n="$n" '$5 != n { bad++ } END { if (bad) printf "WARNING: %d patrol run(s) did not reach all %d hosts\n", bad, n }' \
			"$dir/patrol-first@$k-$n" "$dir/patrol-cached@$k-$n"
	done
done
