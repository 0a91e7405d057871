#!/bin/bash
# demo.sh - what `make demo` runs: a loopback fleet of 50 hosts (44 good
# ones and the 6 fault hosts) and a real patrol of it with
# playbooks/patrol.cfg: the agent is pushed to every host, runs its checks
# under seccomp, and the summary comes back.  Then a second, cached run and
# an on-call question.  The fleet is stopped at the end.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
R="$top/build/ronda"

dir=$("$top/tests/fleet/up.sh" -n 44 -t 300) || exit 1
trap '"$top/tests/fleet/down.sh" "$dir"' EXIT
source "$dir/fleet.env"
X=(-i "$FLEET_INVENTORY" --known-hosts "$FLEET_KNOWN_HOSTS" --connect-timeout 3 --retries 1)
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

echo "demo: fleet of $FLEET_HOSTS good hosts + 6 fault hosts on loopback, files in $dir"
say ronda hosts -i inventory.cfg all
"$R" hosts "${X[@]:0:2}" all

say ronda run -i inventory.cfg playbooks/patrol.cfg
t0=$(date +%s.%N)
"$R" run "${X[@]}" "$top/playbooks/patrol.cfg"
echo "(exit $?, $(echo "$(date +%s.%N) - $t0" | bc | cut -c1-5)s, agent uploaded to each host)"

say ronda run -i inventory.cfg playbooks/patrol.cfg --limit @fleet   "# cached agent"
t0=$(date +%s.%N)
"$R" run "${X[@]}" "$top/playbooks/patrol.cfg" --limit @fleet >/dev/null
echo "(exit $?, $(echo "$(date +%s.%N) - $t0" | bc | cut -c1-5)s, nothing uploaded)"

say ronda check -i inventory.cfg 'node[001-044]' disk:/:90% mem:5% proc:sshd
"$R" check "${X[@]}" 'node[001-044]' disk:/:90% mem:5% proc:sshd
echo "(exit $?)"

say ronda exec -b -i inventory.cfg 'node[001-044]' -- uname -sr
"$R" exec "${X[@]}" -b 'node[001-044]' -- uname -sr
echo
echo "demo: stopping the fleet"
