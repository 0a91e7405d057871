#!/bin/bash
# 80-fuzz.sh - the libFuzzer targets (tests/fuzz/, built into build-fuzz/fuzz/
# by `make fuzz-build FUZZ=1`): each replays its whole seed corpus
# (tests/fuzz/corpus/NAME/), then fuzzes for FUZZ_TIME seconds (10 here; 60
# in `make fuzz`).  A crash, a leak, undefined behaviour or an input slower
# than 10 s fails the target; libFuzzer writes it to build-fuzz/crashes/.
# The figures (executions, crashes) come from libFuzzer's final stats.
source "$(dirname "$0")/../lib.sh"
cd "$TOP"
FB=$TOP/build-fuzz
FUZZ_TIME=${FUZZ_TIME:-10}
targets=(${FUZZ_TARGETS:-inventory pattern playbook checkspec knownhosts sshcert ident agent_output job frame lines rerun merge})
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir -p "$FB/crashes"

for t in "${targets[@]}"; do
	bin=$FB/fuzz/fuzz_$t seeds=tests/fuzz/corpus/$t
	if [ ! -x "$bin" ]; then
		t_fail "fuzz_$t" "no $bin (make fuzz-build FUZZ=1)"
		continue
	fi
	n=$(find "$seeds" -type f | wc -l)
	# Replay: each seed once, as a file argument (no mutation).
	if [ "$n" -gt 0 ] && timeout -k 5 300 "$bin" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$FB/crashes/$t-" $(find "$seeds" -type f | sort) >"$T/$t.replay" 2>&1; then
		t_ok "fuzz_$t replays its $n seed(s)"
	else
		t_fail "fuzz_$t replays its $n seed(s)" "$(grep -m3 -E 'ERROR|runtime error|SUMMARY' "$T/$t.replay")"
	fi
	# Fuzz: new inputs go to build-fuzz/corpus/NAME, never into the tree.
	mkdir -p "$FB/corpus/$t"
	timeout -k 5 $((FUZZ_TIME + 120)) "$bin" -max_total_time="$FUZZ_TIME" -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$FB/crashes/$t-" \
		"$FB/corpus/$t" "$seeds" >"$T/$t.fuzz" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$T/$t.fuzz" | tail -1)
	crashes=$([ $rc -eq 0 ] && echo 0 || echo 1)
	if [ $rc -eq 0 ] && [ -n "$execs" ] && [ "$execs" -gt 0 ]; then
		t_ok "fuzz_$t: ${FUZZ_TIME} s, ${execs} executions, 0 crashes"
	else
		t_fail "fuzz_$t: ${FUZZ_TIME} s, ${execs:-?} executions, $crashes crash(es)" \
			"rc=$rc $(grep -m3 -E 'ERROR|runtime error|SUMMARY|Test unit written' "$T/$t.fuzz")"
	fi
done
t_finish
