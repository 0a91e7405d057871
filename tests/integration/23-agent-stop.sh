#!/bin/bash
# 23-agent-stop.sh - an agent always ends: one busy in its own code (not in
# a child it could kill) still dies on SIGTERM and at its job's deadline,
# and the sanitizer build exits by itself under seccomp.
source "$(dirname "$0")/../lib.sh"
cd "$TOP"
A=$BUILD/ronda-agent
T=$(mktemp -d)
chmod 0755 "$T"
trap 'rm -rf "$T"' EXIT

# A rotate task compressing a 1 TiB sparse log keeps the agent itself busy
# for hours; the test waits for the compression to start (its temporary
# file), so nothing here depends on how fast the machine is.
busy_job() {	# DIR [JOB_TIMEOUT]
	mkdir -p "$1" "$1.state"
	truncate -s 1T "$1/big.log"
	printf '{"ronda":1,"profile":"maintain","write_paths":["%s","%s"]%s,"tasks":[{"name":"r","check":"rotate","path":"%s/big.log","state":"%s/rotate.state","size":1,"rotate":2,"compress":true}]}\n' \
		"$1" "$1.state" "${2:+,\"timeout\":$2}" "$1" "$1.state"
}
compressing() { compgen -G "$1/*.gz*" >/dev/null || compgen -G "$1/.*.gz*" >/dev/null; }
started() {	# DIR: wait (at most 30 s) until the compression has begun
	for _ in $(seq 300); do compressing "$1" && return 0; sleep 0.1; done
	return 1
}
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

# SIGTERM while the agent compresses: it must be gone within the stop grace
# (5 s) and a margin, with exit 75.
D=$T/term
busy_job "$D" >"$T/term.job"
# timeout itself, not t_agent: $! must be the process that gets our SIGTERM;
# its SIGKILL comes after the agent's own 5 s, which is what is tested.
timeout -k 20 120 "$A" run --profile maintain <"$T/term.job" >"$T/term.out" 2>"$T/term.err" &
pid=$!
if started "$D"; then
	t0=$(date +%s%N)
	kill -TERM $pid
	wait $pid; rc=$?
	el=$(ms_since "$t0")
	if [ $rc -eq 75 ] && [ "$el" -lt 9000 ]; then
		t_ok "a busy agent dies on SIGTERM (${el} ms, exit 75)"
	else
		t_fail "a busy agent dies on SIGTERM" "rc=$rc after ${el} ms; $(tail -2 "$T/term.err")"
	fi
else
	t_fail "a busy agent dies on SIGTERM" "the compression never started: $(ls -a "$D") $(cat "$T/term.err")"
	kill -TERM $pid; wait $pid
fi
[ -e "$D/big.log" ] || [ -e "$D/big.log.1" ] && t_ok "SIGTERM mid-compression keeps the log" \
	|| t_fail "SIGTERM mid-compression keeps the log" "$(ls -a "$D")"

# The job's deadline (1 s): the agent ends by itself, 1 s + the stop grace
# after it started, without any signal from us.
D=$T/deadline
busy_job "$D" 1 >"$T/dl.job"
t0=$(date +%s%N)
T_AGENT_LIMIT=60 t_agent run --profile maintain <"$T/dl.job" >"$T/dl.out" 2>"$T/dl.err"; rc=$?
el=$(ms_since "$t0")
if [ $rc -eq 75 ] && [ "$el" -lt 12000 ] && grep -q 'past the job.s deadline' "$T/dl.err"; then
	t_ok "a busy agent ends at its job's deadline (${el} ms, exit 75)"
else
	t_fail "a busy agent ends at its job's deadline" "rc=$rc after ${el} ms; $(tail -2 "$T/dl.err")"
fi

# The sanitizer build: LeakSanitizer at exit cannot run under seccomp; the
# binary itself turns it off, since probe children get no ASAN_OPTIONS.
S=$TOP/build-san/ronda-agent
if [ ! -x "$S" ]; then
	t_fail "sanitized agent exits under seccomp" "no $S (make SANITIZE=address,undefined build-san/ronda-agent)"
else
	for prof in inspect maintain; do
		echo '{"ronda":1,"profile":"'$prof'","tasks":[{"check":"memory"},{"check":"disk","path":"/"},{"check":"command","argv":["true"]}]}' \
			| env -u ASAN_OPTIONS A=$S T_AGENT_LIMIT=30 bash -c "$(declare -f t_agent); t_agent run --profile $prof" \
			>"$T/san.$prof" 2>"$T/san.$prof.err"; rc=$?
		if [ $rc -eq 0 ] && grep -q '"type":"summary".*"seccomp":true' "$T/san.$prof"; then
			t_ok "sanitized agent exits under seccomp ($prof)"
		else
			t_fail "sanitized agent exits under seccomp ($prof)" "rc=$rc $(tail -c 300 "$T/san.$prof.err")"
		fi
	done
fi
t_finish
