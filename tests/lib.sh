# lib.sh - a tiny test harness for the shell suites, sourced by each one.
#
# t_ok NAME / t_fail NAME WHY record a result; t_check NAME CMD... records
# whether CMD succeeded.  t_finish prints cmocka-style summary lines (which
# tests/run.sh adds up) and returns non-zero if anything failed.
T_SUITE=${T_SUITE:-$(basename "$0" .sh)}
T_PASS=0
T_FAIL=0
T_FAILED=()
TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${BUILD:-$TOP/build}
# RONDA_TEST_ARCH=aarch64: the suites that run the agent directly (20, 60,
# 61) run the aarch64 agent under qemu-user (tests/tools/qemu-agent) instead;
# T_ARCH says which one they test.
T_ARCH=$(uname -m)
if [ "${RONDA_TEST_ARCH:-}" = aarch64 ]; then
	T_ARCH=aarch64
	export RONDA_QEMU_AGENT=$BUILD/ronda-agent.aarch64
	A=$TOP/tests/tools/qemu-agent
	# a policy that others may write is refused (a checkout under umask 002)
	chmod go-w "$TOP/tests/tools/sandbox-optional.cfg"
fi

echo "[==========] Running suite $T_SUITE."
t_ok() {
	T_PASS=$((T_PASS + 1))
	echo "[       OK ] $1"
}
t_fail() {
	T_FAIL=$((T_FAIL + 1))
	T_FAILED+=("$1")
	echo "[  FAILED  ] $1${2:+: $2}"
}
t_check() {
	local name=$1; shift
	if "$@"; then t_ok "$name"; else t_fail "$name" "command failed: $*"; fi
}
# t_agent ARG...: runs the agent ($A, else $BUILD/ronda-agent) with SIGTERM
# after T_AGENT_LIMIT seconds (default 300) and SIGKILL T_AGENT_GRACE (10)
# seconds later: an agent that ignores SIGTERM (a sanitized one spinning in
# LeakSanitizer under seccomp, PITFALLS) must not outlive its test.
t_agent() {
	timeout -k "${T_AGENT_GRACE:-10}" "${T_AGENT_LIMIT:-300}" "${A:-$BUILD/ronda-agent}" "$@"
}
# procs_running PATTERN N [TRIES]: waits (TRIES x 0.1 s, default 300) until
# at least N processes match PATTERN, then prints how many do.
procs_running() {
	for _ in $(seq 1 "${3:-300}"); do
		[ "$(pgrep -f "$1" | wc -l)" -ge "$2" ] && break
		sleep 0.1
	done
	pgrep -f "$1" | wc -l
}
# session_sshd PATTERN: waits (at most 10 s) for a process whose command line
# matches PATTERN and prints the PIDs of the per-connection sshd serving it
# ("sshd: root@notty"), found by walking parent PIDs; nothing on time out.
session_sshd() {
	local pid pp found=""
	for _ in $(seq 1 100); do
		for pid in $(pgrep -f "$1"); do
			pp=$pid
			for _ in 1 2 3 4 5; do
				pp=$(awk '{print $4}' "/proc/$pp/stat" 2>/dev/null) || break
				grep -q 'sshd: root@notty' "/proc/$pp/cmdline" 2>/dev/null && { found="$found $pp"; break; }
			done
		done
		[ -n "$found" ] && break
		sleep 0.1
	done
	echo $found
}
# t_secret_scan SECRETFILE PATTERN PID: until PID ends (at most 200 rounds
# of 0.05 s), whenever a process whose command line matches PATTERN (pgrep
# -f) runs, looks for SECRETFILE's line (without its newline) in every
# /proc/*/cmdline and /proc/*/environ.  Sets T_SCANS to the scans made and
# T_HITS to the files that held it (suites 68 and 77: a sudo password).
t_secret_scan() {
	local f
	T_SCANS=0 T_HITS=""
	for _ in $(seq 200); do
		kill -0 "$3" 2>/dev/null || break
		if pgrep -f "$2" >/dev/null; then
			for f in /proc/[0-9]*/cmdline /proc/[0-9]*/environ; do
				grep -aqF -f <(head -c -1 "$1") "$f" 2>/dev/null && T_HITS="$T_HITS $f"
			done
			T_SCANS=$((T_SCANS + 1))
		fi
		sleep 0.05
	done
}
t_finish() {
	echo "[==========] $((T_PASS + T_FAIL)) test(s) run."
	echo "[  PASSED  ] $T_PASS test(s)."
	if [ "$T_FAIL" -gt 0 ]; then
		echo "[  FAILED  ] $T_FAIL test(s), listed below:"
		printf '[  FAILED  ] %s\n' "${T_FAILED[@]}"
		return 1
	fi
	return 0
}
