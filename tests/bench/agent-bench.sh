#!/bin/bash
# agent-bench.sh - ronda-agent's figures, as medians (make agent-bench).
#
#   tests/bench/agent-bench.sh [BUILD-DIR]
#
# Reports: the stripped size of the static binary; the wall time of
# --version, --self-test and the patrol job (agent/jobs/patrol.json, every
# check type once); and the spawn latency of posix_spawn against fork+exec
# (and of the agent's full spawn_run, with pipes and poll), 1000 spawns each.
# Timing is done inside the agent's --bench-run/--bench-spawn modes, with
# CLOCK_MONOTONIC around posix_spawn+waitpid, not by the shell.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
A=$BUILD/ronda-agent
RUNS=${RUNS:-200}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

[ -x "$A" ] || { echo "bench: no $A; run make first" >&2; exit 1; }
cp "$A" "$T/agent"
strip "$T/agent"
size=$(stat -c %s "$T/agent")
printf 'stripped_size_bytes %d (%.2f MiB; target <= 1.5 MiB)\n' "$size" "$(echo "$size / 1048576" | bc -l)"

# --bench-run wants INPUT then the program; shift the helper's first arg.
med_run() { local in=$1; shift; "$A" --bench-run "$RUNS" "$in" -- "$@" | sed -n 's/^median_us //p'; }
v=$(med_run /dev/null "$T/agent" --version)
s=$(med_run /dev/null "$T/agent" --self-test)
p=$(med_run agent/jobs/patrol.json "$T/agent" run)
printf 'version_median_ms %.3f (target <= 2 ms)\n' "$(echo "$v / 1000" | bc -l)"
printf 'self_test_median_ms %.3f\n' "$(echo "$s / 1000" | bc -l)"
printf 'patrol_job_median_ms %.3f (target <= 20 ms; %s runs)\n' "$(echo "$p / 1000" | bc -l)" "$RUNS"
"$A" --bench-spawn 1000 | sed 's/_us / (us) /'
