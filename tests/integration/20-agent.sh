#!/bin/bash
# 20-agent.sh - ronda-agent's command line, protocol and process hygiene, on
# the real static binary.
source "$(dirname "$0")/../lib.sh"
cd "$TOP"
A=${A:-$BUILD/ronda-agent}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# Processes whose command line holds a marker such as 41.501 (nothing of ours
# may be left).  The pattern 41[.]501 does not match grep's own command line.
marked() { grep -lsa -- "${1/./[.]}" /proc/[0-9]*/cmdline 2>/dev/null | wc -l; }
# Lines of a given type in a JSON Lines file.
lines() { grep -c "^{\"ronda\":1,\"type\":\"$1\"" "$2"; }

t_agent --version >"$T/v" && grep -qE '^ronda-agent [0-9.]+ protocol 1$' "$T/v" \
	&& t_ok "--version" || t_fail "--version" "$(cat "$T/v")"
t_agent --help | grep -q 'ronda-agent run' && t_ok "--help" || t_fail "--help"
t_agent frobnicate 2>/dev/null; rc=$?
[ $rc -eq 64 ] && t_ok "unknown mode exits 64" || t_fail "unknown mode exits 64" "rc=$rc"

# --self-test: facts, one result per task, a summary; all ok on this host.
# It runs every check type but service (not every host has systemd).
t_agent --self-test >"$T/st"; rc=$?
if [ $rc -eq 0 ] && [ "$(lines facts "$T/st")" = 1 ] && [ "$(lines result "$T/st")" = 11 ] \
	&& [ "$(lines summary "$T/st")" = 1 ] && [ "$(wc -l <"$T/st")" = 13 ]; then
	t_ok "--self-test: facts, 11 results, summary"
else
	t_fail "--self-test: facts, 11 results, summary" "rc=$rc: $(head -c 600 "$T/st")"
fi
grep -q '"counts":{"ok":11,"warn":0,"fail":0,"error":0,"skipped":0}' "$T/st" \
	&& t_ok "--self-test: every check ok" || t_fail "--self-test: every check ok" "$(grep -v '"verdict":"ok"' "$T/st" | head -c 800)"
for k in hostname kernel arch os_id cpus memory_bytes uptime_s boot_time; do
	grep -q "\"type\":\"facts\".*\"$k\":" "$T/st" || missing="$missing $k"
done
[ -z "$missing" ] && t_ok "facts carry every field" || t_fail "facts carry every field" "missing:$missing"
if [ "$T_ARCH" = aarch64 ]; then
	# qemu-user: no filter, and the summary says why (tests/tools/qemu-agent
	# gives the policy that lets it run so)
	grep -q '"type":"summary".*"agent":"[0-9.]*","sandbox":{"kind":"seccomp","profile":"inspect","complete":false,"no_new_privs":true,"seccomp":false,.*"missing":\[{"part":"seccomp","why":"the kernel refused the inspect filter: Function not implemented (no seccomp filters here; qemu-user applies none for its guest)"}' "$T/st" \
		&& t_ok "summary: version, and the sandbox not applied under qemu-user, with the reason" \
		|| t_fail "summary: version and sandbox under qemu-user" "$(tail -1 "$T/st")"
	grep -q '"type":"facts".*"arch":"aarch64"' "$T/st" && t_ok "facts: arch aarch64 (the agent tested is the aarch64 one)" \
		|| t_fail "facts: arch aarch64" "$(head -1 "$T/st")"
	echo '{"ronda":1,"tasks":[{"check":"load"}]}' | qemu-aarch64-static "$RONDA_QEMU_AGENT" run >"$T/nopol" 2>/dev/null; rc=$?
	[ $rc -eq 69 ] && grep -q '"code":"sandbox","error":"cannot apply the sandbox: the kernel refused the inspect filter: .*refusing to run unconfined' "$T/nopol" \
		&& t_ok "without 'sandbox optional' the unconfinable agent refuses the job (exit 69)" \
		|| t_fail "without 'sandbox optional' the agent refuses" "rc=$rc $(cat "$T/nopol")"
else
	grep -q '"type":"summary".*"agent":"[0-9.]*","sandbox":{"kind":"seccomp","profile":"inspect","complete":true' "$T/st" \
		&& t_ok "summary: version and sandbox" || t_fail "summary: version and sandbox" "$(tail -1 "$T/st")"
fi
grep -q '"values":{"total_bytes":[0-9]*,"available_bytes":[0-9]*,"available_pct":[0-9.]*,' "$T/st" \
	&& t_ok "values are JSON numbers" || t_fail "values are JSON numbers" "$(grep memory "$T/st")"

# The patrol job: every check type once.
t_agent run <agent/jobs/patrol.json >"$T/p"; rc=$?
if [ $rc -le 1 ] && [ "$(lines result "$T/p")" = 12 ] && [ "$(lines summary "$T/p")" = 1 ] \
	&& ! grep -q '"verdict":"error".*"check":"\(disk\|memory\|load\|uptime\|process\|port\|file\|mount\|sysctl\|command\|clock\)"' "$T/p"; then
	t_ok "patrol job: 12 results"
else
	t_fail "patrol job: 12 results" "rc=$rc $(grep -E '"verdict":"error"' "$T/p" | head -c 800)"
fi

# A malformed job: one error line, exit 65, and nothing ran (even the valid
# first task, which would leave a trace).
job='{"ronda":1,"profile":"maintain","tasks":[{"check":"command","argv":["touch","'$T'/ran"]},{"check":"disk","pth":"/"}]}'
echo "$job" | t_agent run --profile maintain >"$T/bad" 2>"$T/bad.err"; rc=$?
if [ $rc -eq 65 ] && [ "$(wc -l <"$T/bad")" = 1 ] && [ ! -e "$T/ran" ] \
	&& grep -q '"type":"error","code":"bad-job","error":"tasks\[1\] (\\"disk\\"): unknown key \\"pth\\""' "$T/bad"; then
	t_ok "malformed job: one error line, exit 65, nothing ran"
else
	t_fail "malformed job: one error line, exit 65, nothing ran" "rc=$rc $(cat "$T/bad")"
fi
for bad in 'not json' '{"ronda":7,"tasks":[]}' '{"ronda":1,"tasks":[{"check":"file","path":"rel"}]}' \
	'{"ronda":1,"tasks":[{"check":"command","argv":["sh"],"match":"("}]}' '{"ronda":1,"profile":"maintain","tasks":[]}'; do
	echo "$bad" | t_agent run >"$T/bad" 2>/dev/null; rc=$?
	if [ $rc -ne 65 ] || [ "$(lines error "$T/bad")" != 1 ] || [ "$(wc -l <"$T/bad")" != 1 ]; then
		fails="$fails [$bad: rc=$rc]"
	fi
done
[ -z "$fails" ] && t_ok "bad jobs of every kind: exit 65" || t_fail "bad jobs of every kind: exit 65" "$fails"
: | t_agent run >"$T/bad" 2>/dev/null; rc=$?
[ $rc -eq 65 ] && t_ok "empty stdin: exit 65" || t_fail "empty stdin: exit 65" "rc=$rc"

# Command results: exit status, output, cap, timeout with the group killed.
job='{"ronda":1,"tasks":[
 {"name":"echo","check":"command","argv":["sh","-c","echo hello; echo oops >&2; exit 3"],"exit":3,"match":"^hello$"},
 {"name":"cap","check":"command","argv":["head","-c","100000","/dev/zero"],"max_output":1000},
 {"name":"slow","check":"command","argv":["sh","-c","sleep 41.501 & sleep 41.501"],"timeout":0.3}]}'
echo "$job" | tr -d '\n' | t_agent run >"$T/c"; rc=$?
grep -q '"task":"echo".*"verdict":"ok".*"stdout":"hello\\n".*"stderr":"oops\\n".*"exit":3' "$T/c" \
	&& t_ok "command: exit code, stdout, stderr" || t_fail "command: exit code, stdout, stderr" "$(grep '"echo"' "$T/c")"
grep -q '"task":"cap".*"stdout_truncated":true' "$T/c" \
	&& t_ok "command: output capped and flagged" || t_fail "command: output capped and flagged" "$(grep '"cap"' "$T/c" | cut -c1-300)"
if grep -q '"task":"slow","check":"command","verdict":"fail","message":"sh: timed out' "$T/c" && [ "$(marked 41.501)" = 0 ]; then
	t_ok "command: timeout kills the whole group"
else
	t_fail "command: timeout kills the whole group" "left: $(marked 41.501) $(grep '"slow"' "$T/c" | cut -c1-300)"
fi
[ $rc -eq 1 ] && t_ok "a failed check exits 1" || t_fail "a failed check exits 1" "rc=$rc"

# Stop conditions: stdin EOF (orchestrator gone) and SIGTERM kill every group.
stop_test() {	# name, how
	local job fifo=$T/in.$1 pid rc t0 t1
	mkfifo "$fifo"
	job='{"ronda":1,"tasks":[{"check":"command","argv":["sh","-c","sleep 42.'$1' & sleep 42.'$1'"],"timeout":60}]}'
	# timeout, not t_agent: $! must be the process that gets our SIGTERM.
	timeout -k 10 300 "$A" run --watch-stdin <"$fifo" >"$T/stop.$1" 2>/dev/null &
	pid=$!
	exec 7>"$fifo"
	echo "$job" >&7
	for _ in $(seq 50); do [ "$(marked "42.$1")" -ge 2 ] && break; sleep 0.1; done
	t0=$(date +%s%N)
	if [ "$2" = eof ]; then exec 7>&-; else kill -TERM $pid; fi
	wait $pid; rc=$?
	t1=$(date +%s%N)
	exec 7>&- 2>/dev/null
	sleep 0.1
	if [ $rc -eq 75 ] && [ "$(marked "42.$1")" = 0 ] && [ $(( (t1 - t0) / 1000000 )) -lt 3000 ] \
		&& grep -q '"type":"summary".*"stopped":"' "$T/stop.$1"; then
		t_ok "$2 stops the agent and kills its children"
	else
		t_fail "$2 stops the agent and kills its children" "rc=$rc left=$(marked "42.$1") $(tail -1 "$T/stop.$1")"
	fi
}
stop_test 601 eof
stop_test 602 term

# The host policy: a denied executable is skipped; a loose file refuses all.
# Under qemu-user the policy must also let the agent run unconfined.
opt=""; [ "$T_ARCH" = aarch64 ] && opt='sandbox optional\n'
printf "${opt}allow /usr/bin/*\ndeny /usr/bin/true\n" >"$T/agent.cfg"
chmod 0644 "$T/agent.cfg"
echo '{"ronda":1,"tasks":[{"name":"t","check":"command","argv":["true"]},{"name":"u","check":"command","argv":["uname"]}]}' \
	| t_agent run --policy "$T/agent.cfg" >"$T/pol"; rc=$?
if grep -q '"task":"t".*"verdict":"skipped","message":"/usr/bin/true refused by host policy' "$T/pol" \
	&& grep -q '"task":"u".*"verdict":"ok"' "$T/pol" && grep -q '"policy":true' "$T/pol"; then
	t_ok "policy: denied command skipped, others run"
else
	t_fail "policy: denied command skipped, others run" "$(cat "$T/pol")"
fi
# The service check's systemctl goes through the same policy.
sc=$(realpath "$(command -v systemctl)")
printf "${opt}allow /usr/bin/*\ndeny %s\n" "$sc" >"$T/agent.cfg"
echo '{"ronda":1,"tasks":[{"name":"s","check":"service","unit":"ssh.service"}]}' \
	| "$A" run --policy "$T/agent.cfg" >"$T/pol"; rc=$?
grep -q '"task":"s".*"verdict":"skipped","message":"'"$sc"' refused by host policy' "$T/pol" \
	&& t_ok "policy: the service check's systemctl is refused like a command" \
	|| t_fail "policy: the service check's systemctl is refused like a command" "$(cat "$T/pol")"

# The units check: skipped without spawning where systemd does not run; with
# it (a private mount namespace: /run/systemd/system made, and a systemctl
# in /usr/local/sbin that lists two failed units and, as a third, the
# arguments it was given), the failed units less the ignored ones.
uj='{"ronda":1,"tasks":[{"name":"u","check":"units","ignore":["user@*.service"]}]}'
if [ ! -d /run/systemd/system ]; then
	echo "$uj" | "$A" run >"$T/units"
	grep -q '"task":"u".*"verdict":"skipped","message":"systemd is not running' "$T/units" \
		&& t_ok "units: skipped where systemd does not run" \
		|| t_fail "units: skipped where systemd does not run" "$(cat "$T/units")"
fi
if [ "$T_ARCH" = x86_64 ] && [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null; then
	mkdir -p "$T/sbin"
	cat >"$T/sbin/systemctl" <<'EOS'
#!/bin/sh
printf 'a.service loaded failed failed A\nuser@1000.service loaded failed failed U\n'
printf 'args:%s loaded failed failed argv\n' "$(printf '%s' "$*" | tr ' ' '_')"
EOS
	chmod 0755 "$T/sbin/systemctl"
	echo "$uj" | unshare -m --propagation private sh -c \
		'mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/system && mount --bind "$1" /usr/local/sbin && exec "$2" run' \
		_ "$T/sbin" "$A" >"$T/units"; rc=$?
	grep -q '"task":"u".*"verdict":"fail","message":"2 failed unit(s): a.service, args:list-units_--state=failed_--no-legend_--plain_--full_--no-pager; want at most 0"' "$T/units" \
		&& grep -q '"values":{"failed":2,"units":\["a.service","args:' "$T/units" && [ $rc -eq 1 ] \
		&& t_ok "units: systemctl list-units run without a shell; failed units named, the ignored left out, exit 1" \
		|| t_fail "units: failed units named" "rc=$rc $(cat "$T/units")"
	echo '{"ronda":1,"tasks":[{"name":"u","check":"units","max":3}]}' | unshare -m --propagation private sh -c \
		'mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/system && mount --bind "$1" /usr/local/sbin && exec "$2" run' \
		_ "$T/sbin" "$A" >"$T/units"; rc=$?
	grep -q '"task":"u".*"verdict":"ok","message":"3 failed unit(s): a.service, user@1000.service, args:' "$T/units" && [ $rc -eq 0 ] \
		&& t_ok "units: up to max failed units is ok" || t_fail "units: up to max failed units is ok" "rc=$rc $(cat "$T/units")"
fi
chmod 0666 "$T/agent.cfg"
echo '{"ronda":1,"tasks":[]}' | t_agent run --policy "$T/agent.cfg" >"$T/pol" 2>/dev/null; rc=$?
[ $rc -eq 78 ] && grep -q '"code":"policy"' "$T/pol" && t_ok "policy: writable by others refuses the job" \
	|| t_fail "policy: writable by others refuses the job" "rc=$rc $(cat "$T/pol")"

t_finish
