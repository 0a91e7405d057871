#!/bin/bash
# 24-agent-aarch64.sh - the aarch64 agent (build/ronda-agent.aarch64) under
# qemu-user: a static aarch64 executable, then the suites that run the agent
# directly, 20 (command line, protocol, checks, process hygiene), 60
# (rotation) and 61 (cleanup), with RONDA_TEST_ARCH=aarch64 (tests/lib.sh),
# each printing its own summary.  qemu-user applies no seccomp filter for its
# guest, so the agent runs with a "sandbox optional" policy
# (tests/tools/qemu-agent) and the suites expect the summary to say so.  The
# sandbox itself is proved on an arm64 kernel elsewhere, not here.
source "$(dirname "$0")/../lib.sh"
AA=$BUILD/ronda-agent.aarch64
if ! command -v qemu-aarch64-static >/dev/null || [ ! -x "$AA" ]; then
	t_fail "qemu-aarch64-static and $AA" "make deps installs qemu-user-static; make builds the agent"
	t_finish; exit 1
fi
f=$(file -b "$AA")
[[ $f == *"ARM aarch64"*"statically linked"* ]] && t_ok "ronda-agent.aarch64: $f" || t_fail "ronda-agent.aarch64 is a static aarch64 ELF" "$f"
size=$(stat -c %s "$AA")
[ "$size" -le $((3 * 1024 * 1024 / 2)) ] && [[ $f == *", stripped"* ]] && t_ok "ronda-agent.aarch64 stripped, $size bytes (at most 1.5 MiB)" \
	|| t_fail "ronda-agent.aarch64 stripped, at most 1.5 MiB" "$size bytes: $f"
v=$(timeout 30 qemu-aarch64-static "$AA" --version)
[[ $v == "ronda-agent "* ]] && t_ok "runs under qemu-user: $v" || t_fail "runs under qemu-user" "$v"
t_finish; rc=$?
for s in 20-agent 60-rotate 61-cleanup; do
	echo "--- $s with the aarch64 agent under qemu-user"
	RONDA_TEST_ARCH=aarch64 T_SUITE="$s (aarch64)" "$TOP/tests/integration/$s.sh" || rc=1
done
exit $rc
