#!/bin/bash
# demo.sh - what `make demo` runs: a small loopback fleet and a look at it.
#
# Until the orchestrator can patrol, the demo shows the fleet that ronda's
# tests run against: plain ssh reaches three of its hosts with the generated
# keys, and the fleet is stopped again.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

dir=$("$top/tests/fleet/up.sh" -n 10 -t 300)
trap '"$top/tests/fleet/down.sh" "$dir"' EXIT
source "$dir/fleet.env"
echo "demo: fleet of $FLEET_HOSTS hosts on port $FLEET_PORT, files in $dir"
for h in node001 node005 node010; do
	printf '%s: ' "$h"
	ssh -F "$FLEET_SSH_CONFIG" "$h" 'set -- $SSH_CONNECTION; echo "$(uname -sr), answering on $3:$4"'
done
"$top/build/ronda" --version
"$top/build/ronda-agent" --version
echo "demo: stopping the fleet"
