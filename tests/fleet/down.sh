#!/bin/bash
# down.sh - stop a fleet started by up.sh and remove its directory.
#
#   tests/fleet/down.sh [-k] DIR      (-k keeps DIR for inspection)
#
# Stops, by PID, every process recorded in DIR/pids, their descendants, and
# any session process that sshd marked with RONDA_FLEET_SESSION=DIR (commands
# whose session ended and were re-parented to init).  TERM first, KILL after
# a grace period.  Exits non-zero if anything of ours is still alive.
set -uo pipefail

keep=0
[ "${1:-}" = -k ] && { keep=1; shift; }
dir=${1:?usage: down.sh [-k] DIR}
[ -f "$dir/pids" ] || { echo "down.sh: $dir/pids: no such file" >&2; exit 1; }
dir=$(cd "$dir" && pwd)

# Every live PID that belongs to this fleet.
ours() {
	local -A parent_of=() mine=()
	local pid ppid rest stat
	for stat in /proc/[0-9]*/stat; do
		read -r pid _ rest 2>/dev/null < "$stat" || continue
		rest=${rest##*) }	# skip "comm", which may hold spaces
		set -- $rest
		parent_of[$pid]=$2
	done
	local f
	for f in $(grep -lzxF "RONDA_FLEET_SESSION=$dir" /proc/[0-9]*/environ 2>/dev/null); do
		pid=${f#/proc/}; pid=${pid%/environ}
		mine[$pid]=1
	done
	while read -r pid _; do
		[ -n "${parent_of[$pid]:-}" ] && mine[$pid]=1
	done < "$dir/pids"
	# Descendants, until nothing new is found.
	local grew=1
	while [ $grew = 1 ]; do
		grew=0
		for pid in "${!parent_of[@]}"; do
			ppid=${parent_of[$pid]}
			if [ -z "${mine[$pid]:-}" ] && [ -n "${mine[$ppid]:-}" ]; then
				mine[$pid]=1; grew=1
			fi
		done
	done
	echo "${!mine[@]}"
}

pids=$(ours)
[ -n "$pids" ] && kill -TERM $pids 2>/dev/null
for _ in $(seq 1 30); do
	pids=$(ours)
	[ -z "$pids" ] && break
	sleep 0.1
done
if [ -n "$pids" ]; then
	kill -KILL $pids 2>/dev/null
	sleep 0.2
	pids=$(ours)
fi
if [ -n "$pids" ]; then
	echo "down.sh: still running: $pids" >&2
	exit 1
fi
[ $keep = 1 ] || rm -rf "$dir"
exit 0
