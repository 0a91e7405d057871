#!/bin/bash
# 50-patrol-jobs.sh - playbooks and ad hoc check specs become jobs that the
# real, sandboxed agent accepts and runs; task conditions ('when') on the
# real agent.
source "$(dirname "$0")/../lib.sh"
cd "$TOP"
A=$BUILD/ronda-agent
J=$BUILD/patrol-job
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

lines() { grep -c "^{\"ronda\":1,\"type\":\"$1\"" "$2"; }
ntasks() { grep -o '"check":"' "$1" | wc -l; }

# Every shipped playbook: a job the agent runs (exit 0 or 1, never 65), one
# result per task, a summary, and no task the sandbox killed.
# logclean rotates and sweeps: here only as a dry run (inspect), so the
# test machine's own logs are never touched.
for pb in playbooks/patrol.cfg playbooks/oncall.cfg playbooks/logclean.cfg; do
	name="$(basename "$pb"): the real agent runs its job"
	if ! "$J" "$pb" >"$T/job.full" 2>"$T/err"; then
		t_fail "$name" "patrol-job: $(cat "$T/err")"
		continue
	fi
	jq -c 'if .profile == "maintain" then .dry_run = true | .profile = "inspect" | del(.write_paths) else . end' \
		"$T/job.full" >"$T/job"
	t_agent run <"$T/job" >"$T/out" 2>"$T/agent.err"; rc=$?
	n=$(ntasks "$T/job")
	if [ $rc -le 1 ] && [ "$(lines result "$T/out")" = "$n" ] && [ "$(lines summary "$T/out")" = 1 ] \
		&& ! grep -q 'killed by the sandbox' "$T/out"; then
		t_ok "$name"
	else
		t_fail "$name" "rc=$rc tasks=$n $(grep -E '"type":"error"|sandbox \(' "$T/out" | head -c 600)"
	fi
done

# logclean's journal task depends on the log space check, which is ok here.
"$J" playbooks/logclean.cfg | jq -c '.dry_run = true | .profile = "inspect" | del(.write_paths)' | t_agent run >"$T/lc" 2>/dev/null
grep -q '"task":"journal","check":"command","verdict":"skipped","message":"condition not met: log space was ok"' "$T/lc" \
	&& t_ok "logclean: the conditional task is skipped with its reason" \
	|| t_fail "logclean: the conditional task is skipped with its reason" "$(grep journal "$T/lc")"

# Tags select tasks.
"$J" --tags ssh playbooks/patrol.cfg >"$T/job" && [ "$(ntasks "$T/job")" = 2 ] \
	&& t_ok "--tags ssh: two tasks" || t_fail "--tags ssh: two tasks" "$(cat "$T/job")"
"$J" --skip-tags services,capacity playbooks/patrol.cfg >"$T/job" && [ "$(ntasks "$T/job")" = 8 ] \
	&& t_ok "--skip-tags: the rest" || t_fail "--skip-tags: the rest" "$(ntasks "$T/job")"

# A bad playbook: file and line, exit 78, nothing printed on stdout.
printf 'name = "x";\ntasks = (\n  { check = "disk"; pth = "/"; }\n);\n' >"$T/bad.cfg"
"$J" "$T/bad.cfg" >"$T/job" 2>"$T/err"; rc=$?
if [ $rc -eq 78 ] && [ ! -s "$T/job" ] && grep -q "$T/bad.cfg:3: unknown key 'pth' for a disk check" "$T/err"; then
	t_ok "bad playbook: file:line, exit 78"
else
	t_fail "bad playbook: file:line, exit 78" "rc=$rc $(cat "$T/err")"
fi
# rotate and cleanup make the job maintain, with write_paths from the tasks.
"$J" playbooks/logclean.cfg | jq -e '.profile == "maintain" and .write_paths ==
	["/var/log/nginx", "/var/lib/ronda", "/var/log/app", "/var/cache/app/tmp"]' >/dev/null \
	&& t_ok "logclean: maintain, write_paths derived from its tasks" \
	|| t_fail "logclean: maintain, write_paths derived" "$("$J" playbooks/logclean.cfg 2>&1 | head -c 300)"
printf 'name = "x";\ndefaults = { profile = "inspect"; };\ntasks = (\n  { check = "rotate"; path = "/l/a.log"; }\n);\n' >"$T/bad.cfg"
"$J" "$T/bad.cfg" 2>&1 | grep -q ':4: a rotate task writes: it needs profile = "maintain"' \
	&& t_ok "rotate under an explicit inspect profile: refused at load" || t_fail "rotate under inspect refused" "$("$J" "$T/bad.cfg" 2>&1)"

# Ad hoc specs: every type, all ok on this machine (thresholds that cannot trip).
"$J" --check disk:/:100% mem:0% load:1000 proc:init:0 port:1/udp:closed file:/etc/passwd \
	file:/nonexistent:absent mount:/proc sysctl:kernel.ostype=Linux 'sysctl:kernel.pid_max>=1' \
	uptime clock:1000 >"$T/job" 2>"$T/err"
t_agent run <"$T/job" >"$T/out" 2>/dev/null; rc=$?
if [ $rc -eq 0 ] && [ "$(lines result "$T/out")" = 12 ] \
	&& grep -q '"counts":{"ok":12,"warn":0,"fail":0,"error":0,"skipped":0}' "$T/out"; then
	t_ok "check specs: 12 checks, all ok"
else
	t_fail "check specs: 12 checks, all ok" "rc=$rc $(cat "$T/err") $(grep -v '"verdict":"ok"' "$T/out" | head -c 800)"
fi
"$J" --check disk:/var:x% 2>"$T/err"; rc=$?
[ $rc -eq 78 ] && grep -q 'check "disk:/var:x%": "x%" is not a percentage' "$T/err" \
	&& t_ok "a bad spec is refused with a reason" || t_fail "a bad spec is refused with a reason" "rc=$rc $(cat "$T/err")"

# 'when' on the real agent: a task runs only after the verdicts it names.
job='{"ronda":1,"tasks":[{"name":"a","check":"command","argv":["false"]},'
job+='{"name":"on fail","check":"command","argv":["true"],"when":{"task":"a","verdict":["fail"]}},'
job+='{"name":"on ok","check":"command","argv":["true"],"when":{"task":"a","verdict":["ok","warn"]}},'
job+='{"name":"on skipped","check":"load","warn":1000,"fail":1000,"when":{"task":"on ok","verdict":["skipped"]}}]}'
echo "$job" | t_agent run >"$T/w" 2>/dev/null; rc=$?
if [ $rc -eq 1 ] && grep -q '"task":"on fail","check":"command","verdict":"ok"' "$T/w" \
	&& grep -q '"task":"on ok","check":"command","verdict":"skipped","message":"condition not met: a was fail"' "$T/w" \
	&& grep -q '"task":"on skipped","check":"load","verdict":"ok"' "$T/w" \
	&& grep -q '"counts":{"ok":2,"warn":0,"fail":1,"error":0,"skipped":1}' "$T/w"; then
	t_ok "when: runs on the named verdicts, else skipped with the reason"
else
	t_fail "when: runs on the named verdicts, else skipped with the reason" "rc=$rc $(cut -c1-200 "$T/w")"
fi
job='{"ronda":1,"tasks":[{"name":"a","check":"load","when":{"task":"b","verdict":["fail"]}},{"name":"b","check":"load"}]}'
echo "$job" | t_agent run >"$T/w" 2>/dev/null; rc=$?
[ $rc -eq 65 ] && grep -q 'no earlier task is named \\"b\\"' "$T/w" \
	&& t_ok "when: a forward reference is a bad job (65)" || t_fail "when: a forward reference is a bad job (65)" "rc=$rc $(cat "$T/w")"

t_finish
