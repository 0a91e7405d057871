#!/bin/bash
# 51-schema.sh - what the playbook accepts, the agent accepts (issue 10, 7).
# Each bad value goes three ways: `ronda run --dry-run` on a playbook (exit
# 78, file:line of the key at fault), patrol-job (78), and the real agent
# (exit 65, one bad-job line); the words after the prefixes must be the same
# on both sides.  Good values at the edges of the rules pass all of them, so
# the rules cannot simply be too strict.  Nothing connects anywhere.
source "$(dirname "$0")/../lib.sh"
cd "$TOP"
R=$BUILD/ronda
A=$BUILD/ronda-agent
J=$BUILD/patrol-job
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
printf 'hosts = ( { name = "web01"; address = "127.0.0.1"; } );\n' >"$T/inv.cfg"

# One case a line: check <TAB> task members (JSON) <TAB> the error's words.
# The first 30 are the values tried in issue 10 (its 11, and more of the
# same kind); then the rest of the rules.
cat >"$T/bad" <<'EOF'
service	"unit":"a/b"	"unit" must be a systemd unit name (letters, digits and : _ . @ - \, not starting with -), not "a/b"
process	"comm":"nginx","match":"nginx"	give "comm" or "match", not both
sysctl	"key":"vm.swappiness","op":"gt","value":"high"	"value" must be a number when "op" is lt, le, gt or ge
file	"path":"/etc","mode":"0o644"	"mode" must be an octal mode up to 07777, such as "0640", not "0o644"
load	"window":2	"window" must be 1, 5 or 15, not 2
disk	"warn":101	"warn" must be 0 to 100, not 101
command	"argv":["true"],"exit":256	"exit" must be 0 to 255, not 256
port	"port":22,"proto":"sctp"	"proto" must be tcp or udp, not "sctp"
rotate	"path":"/l/a.log","size":"1.5k"	"size" must be a size in bytes, or with k, M or G, such as "100k", not "1.5k"
rotate	"path":"/l/a.log","frequency":"hourly"	"frequency" must be daily, weekly, monthly or yearly, not "hourly"
rotate	"path":"/l/a.log","compress_level":10	"compress_level" must be 1 to 9, not 10
cleanup	"path":"/t"	needs "older_than" or "max_total"
service	"unit":"-x"	"unit" must be a systemd unit name (letters, digits and : _ . @ - \, not starting with -), not "-x"
memory	"fail":-1	"fail" must be 0 to 100, not -1
uptime	"reboot_required":"maybe"	"reboot_required" must be ok, warn or fail, not "maybe"
sysctl	"key":"vm swappiness","value":1	"key" must be a sysctl name such as net.ipv4.ip_forward, not "vm swappiness"
sysctl	"key":"vm.swappiness","op":"greater","value":1	"op" must be eq, ne, lt, le, gt or ge, not "greater"
file	"path":"/etc","type":"directory"	"type" must be file, dir, symlink, socket, fifo, block or char, not "directory"
port	"port":70000	"port" must be 1 to 65535, not 70000
port	"port":22,"address":"localhost"	"address" must be an IPv4 or IPv6 address, not "localhost"
port	"port":22,"expect":"open"	"expect" must be listening or closed, not "open"
command	"argv":[]	"argv" must be a non-empty argv whose argv[0] is an absolute path or a bare program name
command	"argv":["bin/true"]	"argv" must be a non-empty argv whose argv[0] is an absolute path or a bare program name
command	"argv":["true"],"max_output":20000000	"max_output" must be 0 to 16777216, not 20000000
process	"min":-1	"min" must be at least 0, not -1
disk	"inode_fail":200	"inode_fail" must be 0 to 100, not 200
rotate	"path":"/l/a.log","create_mode":"0888"	"create_mode" must be an octal mode up to 0777, such as "0640", not "0888"
rotate	"path":"/l/a.log","rotate":1001	"rotate" must be 0 to 1000, not 1001
rotate	"path":"/l/a.log","dateformat":"-%Y/%m"	"dateformat" must be at most 64 characters, no /, using %Y %m %d %H %M %S %s only, not "-%Y/%m"
cleanup	"path":"/t","older_than":1,"compress_level":0	"compress_level" must be 1 to 9, not 0
disk	"path":"var"	"path" must be an absolute path, not "var"
mount	"path":"data"	"path" must be an absolute path, not "data"
file	"path":"etc/passwd"	"path" must be an absolute path, not "etc/passwd"
rotate	"paths":["/var/*/x.log"]	"paths"[0] must be an absolute path, with wildcards (* ? [) in the last name only, not "/var/*/x.log"
rotate	"rotate":3	needs "path" or "paths"
rotate	"path":"/l/a.log","frequency":"weekly","weekday":8	"weekday" must be 0 to 7, not 8
rotate	"path":"/l/a.log","frequency":"daily","weekday":3	"weekday" only with "frequency" weekly
rotate	"path":"/l/a.log","maxsize":-1	"maxsize" must be a size in bytes, or with k, M or G, such as "100k", not -1
rotate	"path":"/l/a.log","olddir":"old"	"olddir" must be an absolute path, not "old"
rotate	"path":"/l/a.log","state":"rotate.state"	"state" must be an absolute path, not "rotate.state"
rotate	"path":"/l/a.log","postrotate":[]	"postrotate" must be a non-empty argv whose argv[0] is an absolute path or a bare program name
cleanup	"path":"/t","older_than":1,"glob":"a/b"	"glob" must be a name pattern, without /, not "a/b"
cleanup	"path":"/t","max_total":"10X"	"max_total" must be a size in bytes, or with k, M or G, such as "100k", at least 1, not "10X"
cleanup	"path":"/t","older_than":-1	"older_than" must be at least 0, not -1
EOF

cat >"$T/good" <<'EOF'
disk	"path":"/","warn":0,"fail":100
memory	"warn":10,"fail":5,"swap_warn":0,"swap_fail":100
load	"window":15,"warn":1000,"fail":1000
uptime	"reboot_required":"ok"
process	"match":"^this matches nothing at all$","min":0
port	"port":1,"proto":"udp","address":"::1","expect":"closed"
file	"path":"/etc","type":"dir","mode":"07777"
mount	"path":"/proc"
sysctl	"key":"kernel.pid_max","op":"ge","value":1
service	"unit":"getty@tty1.service"
command	"argv":["true"],"exit":0,"max_output":16777216
clock	"warn":1000,"fail":1000
rotate	"paths":["/nonexistent/ronda/*.log"],"frequency":"weekly","weekday":7,"size":"100k","rotate":1000,"compress_level":9,"create_mode":"0640","dateformat":"-%Y%m%d","missingok":true,"state":"/nonexistent/ronda/rotate.state"
rotate	"path":"/nonexistent/ronda/a.log","frequency":"weekly","weekday":0,"missingok":true,"state":"/nonexistent/ronda/rotate.state"
cleanup	"path":"/nonexistent/ronda","older_than":0,"max_total":"2G","compress_level":1,"glob":"*.gz"
EOF

# The task as a playbook: one key a line, from line 4 on (line 3 opens it).
playbook() {	# check members file
	{
		printf 'name = "schema";\ntasks = (\n  { name = "t"; check = "%s";\n' "$1"
		jq -r 'to_entries[] | "    \(.key) = \(.value | tojson);"' <<<"{$2}"
		printf '  }\n);\n'
	} >"$3"
}
job() {		# check members: a dry run, so rotate and cleanup write nothing
	printf '{"ronda":1,"dry_run":true,"tasks":[{"name":"t","check":"%s",%s}]}\n' "$1" "$2"
}
# The line of key in the playbook ("" when the rule names two keys).
key_line() {	# members words
	local k
	k=$(sed -n 's/^"\([a-z_]*\)"\(\[[0-9]*\]\)\{0,1\} must be .*/\1/p; s/^"\([a-z_]*\)" only with .*/\1/p;
		s/^"[a-z_]*" must be a number when "[a-z_]*" is.*/value/p; s/^give "[a-z_]*" or "\([a-z_]*\)", not both/\1/p' <<<"$2")
	[ -n "$k" ] || { echo 3; return; }
	jq -r --arg k "$k" 'keys_unsorted | index($k) + 4' <<<"{$1}"
}

n=0 agent_ok=0 run_ok=0 job_ok=0 same=0
while IFS=$'\t' read -r check members want; do
	n=$((n + 1))
	name="bad $n: $check {$members}"
	pb="$T/bad$n.cfg"
	playbook "$check" "$members" "$pb"
	line=$(key_line "$members" "$want")
	"$R" run -i "$T/inv.cfg" --dry-run "$pb" >"$T/run.out" 2>"$T/run.err"; rc=$?
	if [ $rc -eq 78 ] && [ ! -s "$T/run.out" ] && [ "$(cat "$T/run.err")" = "ronda run: $pb:$line: task \"t\": $want" ]; then
		run_ok=$((run_ok + 1))
	else
		t_fail "$name: ronda run --dry-run refuses it at line $line" "rc=$rc $(cat "$T/run.err" "$T/run.out")"
	fi
	"$J" "$pb" >"$T/job.out" 2>"$T/job.err"; rc=$?
	if [ $rc -eq 78 ] && [ ! -s "$T/job.out" ] && grep -qF "$pb:$line: task \"t\": $want" "$T/job.err"; then
		job_ok=$((job_ok + 1))
	else
		t_fail "$name: patrol-job refuses it" "rc=$rc $(cat "$T/job.err")"
	fi
	job "$check" "$members" | timeout -s KILL 20 "$A" run >"$T/agent.out" 2>/dev/null; rc=$?
	got=$(jq -r 'select(.type == "error" and .code == "bad-job") | .error' "$T/agent.out")
	if [ $rc -eq 65 ] && [ "$got" = "tasks[0] (\"t\"): $want" ] && ! grep -q '"type":"result"' "$T/agent.out"; then
		agent_ok=$((agent_ok + 1))
	else
		t_fail "$name: the agent answers bad-job" "rc=$rc $(head -c 600 "$T/agent.out")"
	fi
	# Same words: the agent's message and ronda's, without their prefixes.
	[ "${got#tasks\[0\] (\"t\"): }" = "$(sed 's/^[^"]*task "t": //' "$T/run.err")" ] && same=$((same + 1))
done <"$T/bad"
[ $run_ok -eq $n ] && t_ok "ronda run --dry-run refuses all $n bad values: exit 78, file:line of the key"
[ $job_ok -eq $n ] && t_ok "patrol-job refuses all $n bad values: exit 78, file:line"
[ $agent_ok -eq $n ] && t_ok "the agent refuses all $n bad values: bad-job, exit 65, no task ran"
[ $same -eq $n ] && t_ok "both sides say the same words for all $n" || t_fail "same words" "$same of $n"
[ $n -ge 30 ] && t_ok "$n bad values tried (the issue's 30 among them)" || t_fail "at least 30 bad values" "$n"

# Good values at the edges: a dry run lists the task, the agent runs it.
g=0 good_ok=0
while IFS=$'\t' read -r check members; do
	g=$((g + 1))
	pb="$T/good$g.cfg"
	playbook "$check" "$members" "$pb"
	"$R" run -i "$T/inv.cfg" --dry-run "$pb" >"$T/run.out" 2>"$T/run.err"; rc1=$?
	job "$check" "$members" | timeout -s KILL 20 "$A" run >"$T/agent.out" 2>/dev/null; rc2=$?
	if [ $rc1 -eq 0 ] && [ $rc2 -le 1 ] && [ "$(grep -c '"type":"result"' "$T/agent.out")" = 1 ]; then
		good_ok=$((good_ok + 1))
	else
		t_fail "good $g: $check {$members} passes both sides" "run rc=$rc1 $(cat "$T/run.err") agent rc=$rc2 $(head -c 400 "$T/agent.out")"
	fi
done <"$T/good"
[ $good_ok -eq $g ] && t_ok "$g good values at the rules' edges pass ronda run --dry-run and the agent"

# ronda check: a spec goes through the same schema (usage error, 64).
"$R" check -i "$T/inv.cfg" web01 svc:a/b >"$T/out" 2>"$T/err"; rc=$?
want='"unit" must be a systemd unit name (letters, digits and : _ . @ - \, not starting with -), not "a/b"'
[ $rc -eq 64 ] && [ "$(cat "$T/err")" = "ronda check: check \"svc:a/b\": $want" ] \
	&& t_ok "ronda check web01 svc:a/b: exit 64, the schema's words" \
	|| t_fail "ronda check web01 svc:a/b" "rc=$rc $(cat "$T/err")"
for spec in 'port:22/sctp' 'port:70000' 'disk:var:90%' 'sysctl:vm.swappiness>high' 'mount:data'; do
	"$R" check -i "$T/inv.cfg" web01 "$spec" >/dev/null 2>"$T/err"; rc=$?
	[ $rc -eq 64 ] && grep -q "must be" "$T/err" && t_ok "ronda check $spec: exit 64" \
		|| t_fail "ronda check $spec: exit 64" "rc=$rc $(cat "$T/err")"
done

# The documented rules are the schema's own: PROTOCOL.md and the man page
# hold exactly what the table prints.
"$J" --schema md >"$T/schema.md" && sed -n '/^<!-- schema:begin -->$/,/^<!-- schema:end -->$/p' common/PROTOCOL.md \
	| sed '1d;$d' | diff -u "$T/schema.md" - >"$T/diff" \
	&& t_ok "PROTOCOL.md's value rules are the schema table's" || t_fail "PROTOCOL.md's value rules" "$(head -20 "$T/diff")"
"$J" --schema man >"$T/schema.man" && sed -n '/^\.\\" schema:begin/,/^\.\\" schema:end$/p' packaging/man/ronda-playbook.5 \
	| sed '1d;$d' | diff -u "$T/schema.man" - >"$T/diff" \
	&& t_ok "ronda-playbook(5)'s value rules are the schema table's" || t_fail "ronda-playbook(5)'s value rules" "$(head -20 "$T/diff")"

t_finish
