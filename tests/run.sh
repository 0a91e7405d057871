#!/bin/bash
# run.sh - runs every test suite and adds up the results.
#
#   tests/run.sh [SUITE...]    (default: everything)
#
# Suites: the cmocka unit tests of build/, build/musl/ARCH/ (the agent's,
# linked with musl) and build-san/ (sanitizers), then
# the shell suites in tests/integration/.  Each suite's output is shown as it
# runs; the last line is "N passed, N failed" across all of them, and the exit
# status is non-zero if anything failed.  A suite that dies without a summary
# counts as one failure.  A single suite: tests/run.sh tests/integration/10-fleet.sh
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0 failed=0 broken=() times=()
run_suite() {
	local out rc p f
	out=$(mktemp)
	timeout -k 10 900 "$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\.$/\1/p' "$out" | awk '{s+=$1} END {print s+0}')
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s).*/\1/p' "$out" | awk '{s+=$1} END {print s+0}')
	rm -f "$out"
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "[  FAILED  ] $* exited with status $rc"
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	[ "$f" -gt 0 ] && broken+=("$*")
}

if [ $# -gt 0 ]; then
	suites=("$@")
else
	# build/musl/ARCH/unit: the agent's unit tests on musl (make musl-unit-build)
	suites=(build/unit/* $(compgen -G "build/musl/$(uname -m)/unit/*") build-san/unit/* tests/integration/*.sh)
fi
for s in "${suites[@]}"; do
	[ -e "$s" ] || { echo "run.sh: no such suite: $s"; failed=$((failed + 1)); continue; }
	echo
	echo "=== $s"
	t0=$SECONDS
	case $s in
	build-san/*) ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 run_suite "$s" ;;
	*) run_suite "$s" ;;
	esac
	times+=("$((SECONDS - t0)) s  $s")
done
echo
# the slowest suites, so that the 15-minute budget is watched
printf '%s\n' "${times[@]}" | sort -rn | head -8 | sed 's/^/time: /'
echo "time: ${SECONDS} s in all"
[ ${#broken[@]} -gt 0 ] && printf 'failing suite: %s\n' "${broken[@]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
