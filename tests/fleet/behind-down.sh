#!/bin/bash
# behind-down.sh - stop a fleet started by behind.sh and delete its namespace.
#
#   tests/fleet/behind-down.sh [-k] DIR      (-k keeps DIR for inspection)
#
# down.sh stops, by PID, everything on DIR/pids (the fleet, the bastions,
# the forwarder) and their descendants; anything still inside the namespace
# then is ours too (the namespace is this fleet's alone) and is killed by
# PID before the namespace is deleted.  Exits non-zero if something stayed.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
keep=0
[ "${1:-}" = -k ] && { keep=1; shift; }
dir=${1:?usage: behind-down.sh [-k] DIR}
rc=0
ns=$(cat "$dir/netns" 2>/dev/null)
if [ -f "$dir/pids" ]; then
	"$here/down.sh" -k "$dir" || rc=1
fi
if [ -n "$ns" ] && ip netns list | awk '{ print $1 }' | grep -qxF "$ns"; then
	pids=$(ip netns pids "$ns")
	if [ -n "$pids" ]; then
		echo "behind-down.sh: still in $ns, killed: $pids" >&2
		kill -KILL $pids 2>/dev/null
		for _ in $(seq 1 20); do
			[ -z "$(ip netns pids "$ns")" ] && break
			sleep 0.1
		done
		rc=1
	fi
	ip netns del "$ns" || rc=1
fi
[ $keep = 1 ] || rm -rf "$dir"
exit $rc
