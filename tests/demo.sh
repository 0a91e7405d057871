#!/bin/bash
# demo.sh - what `make demo` runs: a loopback fleet of 50 hosts (44 good
# ones and the 6 fault hosts) and a real patrol of it with
# playbooks/patrol.cfg: the agent is pushed to every host, runs its checks
# under seccomp, and the summary comes back.  Then a second, cached run and
# an on-call question, and log cleanup on a few hosts (each has its own
# log tree in its HOME).  The fleet is stopped at the end.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
R="$top/build/ronda"

dir=$("$top/tests/fleet/up.sh" -n 44 -t 300 -l) || exit 1
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

# Log cleanup: each host's own tree, so each host gets its own playbook.
logclean() { # host
	local h="$FLEET_HOMES/$1"
	cat > "$dir/logclean-$1.cfg" <<EOC
name = "demo log cleanup";
tasks = (
  { name = "nginx"; check = "rotate"; path = "$h/logs/nginx/*.log"; size = "10k";
    rotate = 7; compress = true; state = "$h/logs/.rotate.state"; },
  { name = "app archive"; check = "cleanup"; path = "$h/logs/app"; glob = "app-*.log";
    older_than = 30; archive = true; },
  { name = "tmp sweep"; check = "cleanup"; path = "$h/tmp"; glob = "*.tmp"; older_than = 7; }
);
EOC
	echo "$dir/logclean-$1.cfg"
}
tasks() { jq -r 'select(.type == "task") | "  \(.host) \(.task): \(.verdict), \(.message)"'; }
say ronda run --preview logclean.cfg --limit node001   "# what would happen, read-only"
"$R" run "${X[@]}" --json --preview "$(logclean node001)" --limit node001 | tasks
say ronda run logclean.cfg --limit 'node[001-003]'
for h in node001 node002 node003; do
	"$R" run "${X[@]}" --json "$(logclean $h)" --limit $h | tasks
done
echo
echo "demo: stopping the fleet"
