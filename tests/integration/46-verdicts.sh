#!/bin/bash
# 46-verdicts.sh - a failing check never vanishes (issue 10, section 2).
# The two reproducers, on the real agent and end to end: a sysctl
# kernel.hostname check on a host whose hostname holds byte 0xff (its sshd
# runs in a UTS namespace of its own), and a command that prints 12 MB of
# binary and exits 3 (a result line past the protocol's 64 MiB).  Then an
# agent that breaks "one result per task" (build/lying-agent): each way is
# an agent error for the host, and ronda exits 2.
source "$(dirname "$0")/../lib.sh"
cd "$TOP"
A=$BUILD/ronda-agent
R=$BUILD/ronda
T=$(mktemp -d)
dir=""
trap '[ -n "$dir" ] && "$TOP/tests/fleet/down.sh" "$dir" >/dev/null 2>&1; rm -rf "$T"' EXIT
# A hung agent still ends: TERM at the deadline, KILL 5 s later.
agent() { timeout -k 5 120 "$A" "$@"; }
# has COND FILE: some JSON line of FILE meets COND.
has() { jq -s -e "any(.[]; $1)" "$2" >/dev/null; }
lines() { grep -c "^{\"ronda\":1,\"type\":\"$1\"" "$2"; }

badname=$(printf 'ab\377cd')
job_a='{"ronda":1,"tasks":[{"name":"host","check":"sysctl","key":"kernel.hostname","value":"web01"},{"check":"memory","warn":0,"fail":0}]}'
blob="head -c 12000000 /dev/zero | tr '\\\\0' '\\\\1'; exit 3"
job_b='{"ronda":1,"tasks":[{"name":"blob","check":"command","argv":["sh","-c","'"$blob"'"],"max_output":16777216}]}'

# --- the agent alone ---------------------------------------------------------
# (a) The hostname becomes "ab\ufffdcd": the result is there and fails.
echo "$job_a" | timeout -k 5 120 unshare -u sh -c 'printf "ab\377cd" > /proc/sys/kernel/hostname && exec "$0" run' "$A" \
	>"$T/a.out" 2>"$T/a.err"; rc=$?
if [ $rc -eq 1 ] && [ "$(lines result "$T/a.out")" = 2 ] &&
	has '.type == "result" and .task == "host" and .verdict == "fail" and .values.value == "ab\ufffdcd"' "$T/a.out" &&
	has '.type == "facts" and .hostname == "ab\ufffdcd"' "$T/a.out" &&
	has '.type == "summary" and .counts == {"ok":1,"warn":0,"fail":1,"error":0,"skipped":0}' "$T/a.out"; then
	t_ok "agent: hostname with byte 0xff: the sysctl check fails, as U+FFFD, and is counted"
else
	t_fail "agent: hostname with byte 0xff: the sysctl check fails" "rc=$rc $(cut -c1-300 "$T/a.out") $(cat "$T/a.err")"
fi
# (b) 12 MB of 0x01 is 72 MB of JSON: an error result says why, small.
echo "$job_b" | agent run >"$T/b.out" 2>"$T/b.err"; rc=$?
msg=$(jq -r 'select(.type == "result" and .task == "blob") | .verdict + ": " + .message' "$T/b.out")
if [ $rc -eq 1 ] && [ "$(lines result "$T/b.out")" = 1 ] && [ "$(wc -c <"$T/b.out")" -lt 4096 ] &&
	[[ $msg == "error: the fail result could not be sent: its line is longer than the protocol's limit of 64 MiB; it said: sh: exit 3; want exit 0"* ]] &&
	has '.type == "summary" and .counts.error == 1 and .counts.fail == 0' "$T/b.out"; then
	t_ok "agent: a result past 64 MiB becomes an error result that says why ($msg)"
else
	t_fail "agent: a result past 64 MiB becomes an error result" "rc=$rc msg=$msg $(cut -c1-300 "$T/b.out")"
fi

# --- end to end: one host in its own UTS namespace ----------------------------
dir=$(unshare -u sh -c 'printf "ab\377cd" > /proc/sys/kernel/hostname && exec "$0" -n 1 -t 600' \
	"$TOP/tests/fleet/up.sh") || { t_fail "fleet up"; t_finish; exit 1; }
source "$dir/fleet.env"
X=(-i "$FLEET_INVENTORY" --known-hosts "$FLEET_KNOWN_HOSTS" --connect-timeout 4 --retries 0)

"$R" check "${X[@]}" --json node001 sysctl:kernel.hostname=web01 >"$T/a.json" 2>"$T/a.err"; rc=$?
v=$(jq -r 'select(.type == "host") | .verdict' "$T/a.json")
if [ $rc -eq 1 ] && [ "$v" = fail ] &&
	has '.type == "task" and .verdict == "fail" and .values.value == "ab\ufffdcd"' "$T/a.json"; then
	t_ok "ronda check: the 0xff hostname is a failed check on the host, exit 1"
else
	t_fail "ronda check: the 0xff hostname is a failed check, exit 1" "rc=$rc verdict=$v $(head -c 600 "$T/a.json") $(head -3 "$T/a.err")"
fi

cat >"$T/b.cfg" <<'EOC'
name = "binary";
tasks = ( { name = "blob"; check = "command"; max_output = 16777216;
            argv = ["sh", "-c", "head -c 12000000 /dev/zero | tr '\\0' '\\1'; exit 3"]; } );
EOC
"$R" run "${X[@]}" --json "$T/b.cfg" --limit node001 >"$T/b.json" 2>"$T/b.err"; rc=$?
v=$(jq -r 'select(.type == "host") | .verdict' "$T/b.json")
tv=$(jq -r 'select(.type == "task") | .verdict' "$T/b.json")
if [ $rc -eq 1 ] && [ "$v" = fail ] && [ "$tv" = error ]; then
	t_ok "ronda run: 12 MB of binary output is an error task on the host, exit 1"
else
	t_fail "ronda run: 12 MB of binary output is an error task, exit 1" "rc=$rc verdict=$v task=$tv $(head -c 600 "$T/b.json")"
fi

# --- an agent that breaks the promise: agent error, exit 2 ---------------------
liar() { # name: the task's name, which tells the lying agent what to do
	printf 'name = "liar";\ntasks = ( { name = "%s"; check = "load"; }, { name = "fine"; check = "memory"; } );\n' \
		"$1" >"$T/liar.cfg"
	"$R" run "${X[@]}" --agent "$BUILD/lying-agent" "$T/liar.cfg" --limit node001 >"$T/liar.out" 2>&1
}
for c in "drop|agent sent no result for task \"drop\" (1 of 2 tasks reported)" \
	 "twice|agent sent two results for task \"twice\"" \
	 "ghost|agent sent a result for task \"ghost-extra\", which the job does not have" \
	 "miscount|agent's summary counts 1 ok, but 2 ok result(s) came"; do
	task=${c%%|*} want=${c#*|}
	liar "$task"; rc=$?
	if [ $rc -eq 2 ] && grep -qF "error        node001 (1): $want" "$T/liar.out" &&
		grep -q '0 ok, 0 warn, 0 fail, 0 unreachable, 1 error' "$T/liar.out"; then
		t_ok "lying agent, $task: the host is an agent error, exit 2"
	else
		t_fail "lying agent, $task: the host is an agent error, exit 2" "rc=$rc $(cat "$T/liar.out")"
	fi
done
liar honest; rc=$?
[ $rc -eq 0 ] && grep -q '1 ok, 0 warn' "$T/liar.out" \
	&& t_ok "lying agent telling the truth: ok, exit 0 (the check is not a false alarm)" \
	|| t_fail "lying agent telling the truth: ok, exit 0" "rc=$rc $(cat "$T/liar.out")"

t_finish
