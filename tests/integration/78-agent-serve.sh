#!/bin/bash
# 78-agent-serve.sh - `ronda-agent serve`, warm mode's resident agent, on the
# real static binary: jobs one after another over one pipe, each answered
# in frames with the very lines and exit status `run` gives for that job;
# maintain refused and the next job served; the sandbox on once and for
# every job; EOF, signals, broken and hostile frames as PROTOCOL.md says;
# fresh state per job; no memory growth over many jobs.
source "$(dirname "$0")/../lib.sh"
cd "$TOP"
A=${A:-$BUILD/ronda-agent}
F=$TOP/tests/tools/frames.py
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# The fields that differ between any two runs of one job, cold or warm: the
# times, the uptime and boot time (rounded from two clocks: they jitter by a
# second) and a file's age.
mask() { sed -E 's/"(started|ms|run_ms|uptime_s|boot_time|age_s)":[0-9.eE+-]+/"\1":_/g' "$@"; }
# serve OUT [ARG...] < frames: the agent's frames unpacked into OUT/ID.out
# and OUT/ID.rc; sets rc (the agent's) and urc (the unpacker's).
serve() {
	local out=$1; shift
	rm -rf "$out"; mkdir -p "$out"
	t_agent serve "$@" 2>"$out/stderr" | python3 "$F" unpack "$out" 2>"$out/unpack"
	rc=${PIPESTATUS[0]} urc=${PIPESTATUS[1]}
}
job() { printf '%s\n' "$2" >"$T/$1.json"; }

# --- several jobs over one pipe, each answered as `run` answers it --------
job stable '{"ronda":1,"tasks":[{"name":"f","check":"file","path":"'"$T"'/absent","exists":false},{"name":"s","check":"sysctl","key":"kernel.ostype","value":"Linux"},{"name":"m","check":"mount","path":"/proc","fstype":"proc"},{"name":"p","check":"port","port":1,"proto":"udp","expect":"closed"},{"name":"c","check":"clock"},{"name":"t","check":"command","argv":["sh","-c","echo out; echo err >&2; exit 3"]},{"name":"w","check":"memory","when":{"task":"t","verdict":["ok"]}}]}'
job badkey '{"ronda":1,"tasks":[{"check":"disk","pth":"/"}]}'
job notjson '{"ronda":1,"tasks":['
job rotate '{"ronda":1,"tasks":[{"check":"rotate","path":"/var/log/x.log"}]}'
job ok '{"ronda":1,"now":1700000000,"tasks":[{"check":"mount","path":"/proc"},{"check":"sysctl","key":"kernel.ostype","value":"Linux"}]}'
job dml '{"ronda":1,"tasks":[{"check":"disk","path":"/"},{"check":"memory"},{"check":"load","warn":1000,"fail":1000}]}'
NAMES="stable badkey notjson rotate ok dml"
i=0; args=()
for n in $NAMES; do i=$((i + 1)); args+=("$i=$T/$n.json"); done
python3 "$F" pack "${args[@]}" >"$T/stream"
serve "$T/s1" <"$T/stream"
[ "$rc" = 0 ] && [ "$urc" = 0 ] && t_ok "serve: six jobs on one pipe, strict frames, EOF exits 0" \
	|| t_fail "serve: six jobs on one pipe, strict frames, EOF exits 0" "rc=$rc urc=$urc $(cat "$T/s1/unpack" "$T/s1/stderr")"
bad=""
i=0
for n in $NAMES; do
	i=$((i + 1))
	t_agent run <"$T/$n.json" >"$T/$n.run" 2>/dev/null; echo $? >"$T/$n.rc"
	[ "$(cat "$T/s1/$i.rc" 2>/dev/null)" = "$(cat "$T/$n.rc")" ] || bad="$bad $n:rc"
	[ "$n" = dml ] && continue	# live values: compared by shape below
	cmp -s <(mask "$T/$n.run") <(mask "$T/s1/$i.out") || bad="$bad $n"
done
[ -z "$bad" ] && t_ok "serve: each answer is run's lines byte for byte (times masked) and run's exit status" \
	|| t_fail "serve: each answer is run's lines byte for byte (times masked) and run's exit status" \
		"$bad; $(diff <(mask "$T/stable.run") <(mask "$T/s1/1.out") | head -5)"
shape() { jq -c '[.type, .task, .check, .verdict, (.values // {} | paths | map(tostring) | join("."))]' "$1" | sort -u; }
cmp -s <(shape "$T/dml.run") <(shape "$T/s1/6.out") && [ "$(grep -c . "$T/s1/6.out")" = 5 ] \
	&& t_ok "serve: disk mem load answer has run's lines, verdicts and value keys" \
	|| t_fail "serve: disk mem load answer has run's lines, verdicts and value keys" "$(diff <(shape "$T/dml.run") <(shape "$T/s1/6.out") | head -5)"
grep -q '"code":"bad-job"' "$T/s1/2.out" && grep -q '"code":"bad-job"' "$T/s1/3.out" \
	&& grep -q 'needs the maintain profile' "$T/s1/4.out" && [ "$(cat "$T/s1/5.rc")" = 0 ] \
	&& t_ok "serve: bad jobs are refused one by one (65) and the good ones after them run" \
	|| t_fail "serve: bad jobs are refused one by one (65) and the good ones after them run" "$(head -c 300 "$T/s1/4.out")"

# --- the hello line: once, first, with the sandbox as run reports it -------
h=$(jq -c 'select(.type == "hello")' "$T/s1/0.out" 2>/dev/null)
hs=$(jq -c '.sandbox' <<<"$h" 2>/dev/null)
rs=$(jq -c 'select(.type == "summary") | .sandbox' "$T/ok.run")
[ "$(grep -c . "$T/s1/0.out")" = 1 ] && [ "$(jq -r .profile <<<"$h")" = inspect ] \
	&& [ -n "$hs" ] && [ "$hs" = "$rs" ] && [ ! -e "$T/s1/0.rc" ] \
	&& t_ok "serve: one hello line (id 0) with run's sandbox report, no end frame for it" \
	|| t_fail "serve: one hello line (id 0) with run's sandbox report, no end frame for it" "$h / $rs"
head -c 2 < <(t_agent serve </dev/null) | grep -q '^L ' && t_ok "serve: the hello frame comes first" \
	|| t_fail "serve: the hello frame comes first"

# --- maintain: refused as a flag and as a job; the next job is served ------
t_agent serve --profile maintain </dev/null >"$T/pm.out" 2>"$T/pm.err"; prc=$?
[ $prc -eq 64 ] && [ ! -s "$T/pm.out" ] && grep -q 'inspect profile only' "$T/pm.err" \
	&& t_ok "serve --profile maintain: usage error 64, nothing run" \
	|| t_fail "serve --profile maintain: usage error 64, nothing run" "rc=$prc $(cat "$T/pm.err")"
t_agent serve --watch-stdin </dev/null >/dev/null 2>&1; prc=$?
[ $prc -eq 64 ] && t_ok "serve --watch-stdin: usage error (serve reads stdin itself)" \
	|| t_fail "serve --watch-stdin: usage error (serve reads stdin itself)" "rc=$prc"
mkdir -p "$T/mlog"; : >"$T/mlog/a.log"
job maint '{"ronda":1,"profile":"maintain","write_paths":["'"$T"'/mlog"],"tasks":[{"check":"rotate","path":"'"$T"'/mlog/a.log","size":1,"create":false}]}'
python3 "$F" pack "7=$T/maint.json" "8=$T/ok.json" >"$T/stream"
serve "$T/s2" <"$T/stream"
if [ "$rc" = 0 ] && [ "$(cat "$T/s2/7.rc")" = 65 ] && [ "$(grep -c . "$T/s2/7.out")" = 1 ] \
	&& grep -q '"type":"error","code":"bad-job".*serve runs inspect jobs only' "$T/s2/7.out" \
	&& [ "$(cat "$T/s2/8.rc")" = 0 ] && grep -q '"type":"summary"' "$T/s2/8.out" \
	&& [ "$(ls "$T/mlog")" = a.log ]; then
	t_ok "serve: a maintain job gets one bad-job error (65), nothing rotated, the next job is served"
else
	t_fail "serve: a maintain job gets one bad-job error (65), nothing rotated, the next job is served" \
		"rc=$rc $(cat "$T/s2/7.out" "$T/s2/7.rc") $(ls "$T/mlog")"
fi

# --- the sandbox holds in serve mode, for jobs after the first -------------
mkdir -p "$T/w"
job sys '{"ronda":1,"tasks":[{"name":"ptrace","check":"command","argv":["'"$A"'","--try-syscall","none","ptrace"]},{"name":"write","check":"command","argv":["sh","-c","echo x > '"$T"'/w/written"]},{"name":"mount","check":"command","argv":["'"$A"'","--try-syscall","none","mount"]}]}'
python3 "$F" pack "1=$T/ok.json" "2=$T/sys.json" "3=$T/sys.json" "4=$T/ok.json" >"$T/stream"
serve "$T/s3" <"$T/stream"
k2=$(jq -r 'select(.type == "result") | "\(.task)=\(.verdict):\(.message)"' "$T/s3/2.out" 2>/dev/null)
k3=$(jq -r 'select(.type == "result") | "\(.task)=\(.verdict):\(.message)"' "$T/s3/3.out" 2>/dev/null)
if [ "$rc" = 0 ] && [ "$k2" = "$k3" ] && grep -q '^ptrace=error:.*killed by the sandbox (SIGSYS' <<<"$k2" \
	&& grep -q '^mount=error:.*killed by the sandbox (SIGSYS' <<<"$k2" && grep -q '^write=fail' <<<"$k2" \
	&& [ ! -e "$T/w/written" ] && [ "$(cat "$T/s3/2.rc")" = 1 ] && [ "$(cat "$T/s3/4.rc")" = 0 ]; then
	t_ok "serve: forbidden calls are killed (SIGSYS) and writes refused, job after job; serving goes on"
else
	t_fail "serve: forbidden calls are killed (SIGSYS) and writes refused, job after job; serving goes on" "rc=$rc $k2 / $k3"
fi
grep -q 'Read-only file system' "$T/s3/2.out" && t_ok "serve: the write fails with EROFS, as under run" \
	|| t_fail "serve: the write fails with EROFS, as under run" "$(grep -o '"stderr":"[^"]*"' "$T/s3/2.out")"

# --- interactive: answers while stdin stays open; confined; fresh /proc ----
cp "$(command -v sleep)" "$T/rondaprobe77"
job procs '{"ronda":1,"tasks":[{"check":"process","comm":"rondaprobe77","min":0}]}'
# coproc NAME: its descriptors as dups that subshells keep too (bash closes
# a coproc's own in command substitutions); sets in, out, cpid.
dup_coproc() {
	local -n co=$1 copid=$1_PID
	cpid=$copid
	exec {in}>&"${co[1]}" {out}<&"${co[0]}"
	eval "exec ${co[1]}>&- ${co[0]}<&-"
}
# read_answer FD ID: reads frames up to "E ID", at most 10 s each; prints
# the L bodies, then "rc=CODE".
read_answer() {
	local fd=$1 id=$2 t fid n body
	while IFS=' ' read -r -t 10 -u "$fd" t fid n; do
		if [ "$t" = E ]; then [ "$fid" = "$id" ] && { echo "rc=$n"; return 0; }; continue; fi
		IFS= read -r -t 10 -u "$fd" body || return 1
		[ "$fid" = "$id" ] && printf '%s\n' "$body"
	done
	return 1
}
count_of() { jq -r 'select(.type == "result") | .values.count' 2>/dev/null; }
coproc SRV { exec timeout -k 5 "${T_AGENT_LIMIT:-300}" "$A" serve 2>"$T/co.err"; }
dup_coproc SRV
IFS=' ' read -r -t 10 -u "$out" t fid n && IFS= read -r -t 10 -u "$out" hello
pid=$(pgrep -P "$cpid" -x ronda-agent || true)
[ "$t $fid" = "L 0" ] && grep -q '"type":"hello"' <<<"$hello" \
	&& t_ok "serve: hello before any job" || t_fail "serve: hello before any job" "$t $fid $hello"
st=$(grep -E '^(NoNewPrivs|Seccomp):' "/proc/$pid/status" 2>/dev/null | tr -s '\t ' ' ' | tr '\n' ' ')
[ "$st" = "NoNewPrivs: 1 Seccomp: 2 " ] && t_ok "serve: the resident process itself is confined before its first job" \
	|| t_fail "serve: the resident process itself is confined before its first job" "pid=$pid: $st"
python3 "$F" pack "11=$T/procs.json" >&"$in"
c1=$(read_answer "$out" 11 | count_of)
"$T/rondaprobe77" 60 & p1=$!
"$T/rondaprobe77" 60 & p2=$!
python3 "$F" pack "12=$T/procs.json" >&"$in"
c2=$(read_answer "$out" 12 | count_of)
kill "$p1" "$p2"; wait "$p1" "$p2" 2>/dev/null
python3 "$F" pack "13=$T/procs.json" >&"$in"
c3=$(read_answer "$out" 13 | count_of)
[ "$c1" = 0 ] && [ "$c2" = 2 ] && [ "$c3" = 0 ] \
	&& t_ok "serve: each job reads the process table afresh (0, 2, 0), answered while stdin stays open" \
	|| t_fail "serve: each job reads the process table afresh (0, 2, 0), answered while stdin stays open" "$c1 $c2 $c3"

# Memory: 2000 in-process jobs must not grow the resident set.  Allowed:
# 256 KiB, for the stdin buffer (a 64 KiB read when the feeder runs ahead,
# which it may in one batch and not the other); a leak of 128 bytes a job
# passes it (a lost facts object, 1.7 KiB a job, made it 3.4 MiB).
job many '{"ronda":1,"tasks":[{"check":"memory","warn":0,"fail":0},{"check":"load","warn":1000,"fail":1000},{"check":"uptime","reboot_required":"ok"},{"check":"sysctl","key":"kernel.ostype","value":"Linux"},{"check":"mount","path":"/proc"},{"check":"port","port":1,"proto":"udp","expect":"closed"},{"check":"process","comm":"init","min":0},{"check":"clock"},{"check":"disk","pth":"/"}]}'
job many2 '{"ronda":1,"tasks":[{"check":"memory","warn":0,"fail":0},{"check":"load","warn":1000,"fail":1000},{"check":"uptime","reboot_required":"ok"},{"check":"sysctl","key":"kernel.ostype","value":"Linux"},{"check":"mount","path":"/proc"},{"check":"port","port":1,"proto":"udp","expect":"closed"},{"check":"process","comm":"init","min":0},{"check":"clock"}]}'
feed() {	# N ID0: N jobs (every 10th a refused one), ids from ID0
	local args=() i
	for ((i = 0; i < $1; i++)); do
		if ((i % 10 == 5)); then args+=("$(($2 + i))=$T/many.json"); else args+=("$(($2 + i))=$T/many2.json"); fi
	done
	python3 "$F" pack "${args[@]}" >&"$in"
}
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status"; }
# The feeder runs beside the reader: neither pipe may fill up.
# (bash reads a pipe a byte at a time: the 5 MB of answers go to python)
feed 200 1000 & fp=$!
python3 "$F" answer 1199 <&"$out" >/dev/null; r1=$(rss); wait "$fp"
feed 2000 2000 & fp=$!
python3 "$F" answer 3999 <&"$out" >"$T/last"; r2=$(rss); wait "$fp"
grep -qE '^bytes=[0-9]+ rc=0$' "$T/last" && [ -n "$r1" ] && [ -n "$r2" ] && [ $((r2 - r1)) -le 256 ] \
	&& t_ok "serve: 2000 more jobs (200 of them refused) grow the resident set by at most 256 KiB (${r1} -> ${r2} KiB)" \
	|| t_fail "serve: 2000 more jobs grow the resident set by at most 256 KiB" "${r1} -> ${r2} KiB; $(tail -1 "$T/last")"

# One large answer (12 MB of output) is not kept: the resident set is back
# near where it was once the next job is answered.
job big '{"ronda":1,"tasks":[{"check":"command","argv":["sh","-c","yes | head -c 12000000"],"max_output":16777216}]}'
python3 "$F" pack "4001=$T/big.json" >&"$in"
python3 "$F" answer 4001 <&"$out" >"$T/bigrc"; rb=$(rss)
python3 "$F" pack "4002=$T/many2.json" >&"$in"
read_answer "$out" 4002 >/dev/null; ra=$(rss)
grep -qE '^bytes=1[0-9]{7} rc=0$' "$T/bigrc" && [ -n "$ra" ] && [ $((ra - r2)) -le 1024 ] \
	&& t_ok "serve: a 12 MB answer is given back after its job (${r2} -> ${rb} -> ${ra} KiB)" \
	|| t_fail "serve: a 12 MB answer is given back after its job" "${r2} -> ${rb} -> ${ra} KiB; $(cat "$T/bigrc")"

# Job deadlines: one job's deadline is over with it (the SIGALRM backstop it
# armed, timeout + 5 s, must not end a later job still within its own).
job dl '{"ronda":1,"timeout":1,"tasks":[{"check":"command","argv":["sleep","2"]},{"check":"memory"}]}'
job slow '{"ronda":1,"tasks":[{"check":"command","argv":["sleep","7"],"timeout":10}]}'
python3 "$F" pack "21=$T/dl.json" "22=$T/slow.json" >&"$in"
a21=$(read_answer "$out" 21); a22=$(read_answer "$out" 22)
if grep -q '"verdict":"skipped","message":"the job.s deadline passed"' <<<"$a21" && grep -q 'rc=0' <<<"$a21" \
	&& grep -q '"type":"summary"' <<<"$a22" && grep -q 'rc=0' <<<"$a22"; then
	t_ok "serve: a job's deadline skips its late tasks and does not outlive it"
else
	t_fail "serve: a job's deadline skips its late tasks and does not outlive it" "$(tail -c 200 <<<"$a21") / $(tail -c 300 <<<"$a22") $(cat "$T/co.err")"
fi
exec {in}>&-
wait "$cpid"; crc=$?
[ $crc -eq 0 ] && t_ok "serve: EOF on stdin between jobs exits 0" || t_fail "serve: EOF on stdin between jobs exits 0" "rc=$crc $(cat "$T/co.err")"

# --- signals: a stop while idle exits 75 at once -----------------------------
exec {out}<&-
coproc SRV2 { exec timeout -k 5 30 "$A" serve 2>"$T/co2.err"; }
dup_coproc SRV2
IFS=' ' read -r -t 10 -u "$out" t fid n && IFS= read -r -t 10 -u "$out" hello
pid2=$(pgrep -P "$cpid" -x ronda-agent || true)
kill -TERM "$pid2"
wait "$cpid"; crc=$?
exec {in}>&- {out}<&-
[ $crc -eq 75 ] && t_ok "serve: SIGTERM between jobs exits 75" || t_fail "serve: SIGTERM between jobs exits 75" "rc=$crc"

# A stop during a job: the job ends as under run (summary "stopped", E 75),
# then the agent exits 75.  The facts frame says the job has begun.
job long '{"ronda":1,"tasks":[{"check":"command","argv":["sleep","30"]},{"check":"memory"}]}'
coproc SRV4 { exec timeout -k 5 30 "$A" serve 2>/dev/null; }
dup_coproc SRV4
IFS=' ' read -r -t 10 -u "$out" t fid n && IFS= read -r -t 10 -u "$out" hello
pid4=$(pgrep -P "$cpid" -x ronda-agent || true)
python3 "$F" pack "5=$T/long.json" >&"$in"
IFS=' ' read -r -t 10 -u "$out" t fid n && IFS= read -r -t 10 -u "$out" facts
kill -TERM "$pid4"
a=$(read_answer "$out" 5)
wait "$cpid"; crc=$?
exec {in}>&- {out}<&-
if [ $crc -eq 75 ] && grep -q '"type":"facts"' <<<"$facts" && grep -q '"stopped":"TERM"' <<<"$a" \
	&& grep -q '^rc=75$' <<<"$a"; then
	t_ok "serve: SIGTERM during a job: its summary says stopped, E 75, exit 75"
else
	t_fail "serve: SIGTERM during a job: its summary says stopped, E 75, exit 75" "rc=$crc $(tail -c 300 <<<"$a")"
fi

# The reader gone mid-job (the daemon died; stdin, which holds the next
# jobs, is not the sign): the running command is killed at once, exit 75.
job gone '{"ronda":1,"tasks":[{"check":"command","argv":["'"$T"'/rondaprobe77","30"]}]}'
coproc SRV5 { exec timeout -k 5 60 "$A" serve 2>"$T/co5.err"; }
dup_coproc SRV5
IFS=' ' read -r -t 10 -u "$out" t fid n && IFS= read -r -t 10 -u "$out" hello
pid5=$(pgrep -P "$cpid" -x ronda-agent || true)
python3 "$F" pack "6=$T/gone.json" >&"$in"
for _ in $(seq 1 100); do pgrep -P "$pid5" -x rondaprobe77 >/dev/null && break; sleep 0.1; done
started=$(pgrep -P "$pid5" -x rondaprobe77 | wc -l)
t0=$(date +%s.%N)
exec {out}<&-
wait "$cpid"; crc=$?
el=$(echo "$(date +%s.%N) - $t0" | bc)
left=$(pgrep -x rondaprobe77 | wc -l)
exec {in}>&-
if [ $crc -eq 75 ] && [ "$started" = 1 ] && [ "$left" = 0 ] && (( $(echo "$el < 5" | bc) )) \
	&& grep -q 'stdout closed' "$T/co5.err"; then
	t_ok "serve: the reader gone mid-job stops it at once ($(printf %.2f "$el") s), its command killed, exit 75"
else
	t_fail "serve: the reader gone mid-job stops it at once, its command killed, exit 75" "rc=$crc started=$started left=$left el=$el $(cat "$T/co5.err")"
fi

# --- broken streams: an error as id 0, E 0 65, exit 65; earlier jobs answered
printf '{"ronda":1,"tasks":[]}\n' >"$T/stream"
serve "$T/b1" <"$T/stream"
grep -q '"type":"error","code":"frame","error":"not a frame this side takes: starts with byte 0x7b"' "$T/b1/0.out" \
	&& [ "$rc" = 65 ] && [ "$(cat "$T/b1/0.rc")" = 65 ] \
	&& t_ok "serve: a cold job sent to serve is refused: frame error, exit 65" \
	|| t_fail "serve: a cold job sent to serve is refused: frame error, exit 65" "rc=$rc $(cat "$T/b1/0.out")"
{ python3 "$F" pack "1=$T/ok.json"; printf 'J 2 5\nhello'; python3 "$F" pack "3=$T/ok.json"; } >"$T/stream"
serve "$T/b2" <"$T/stream"
[ "$rc" = 65 ] && [ "$(cat "$T/b2/1.rc")" = 0 ] && [ ! -e "$T/b2/3.out" ] && [ ! -e "$T/b2/2.out" ] \
	&& grep -q '"code":"frame".*J frame 2: the body does not end in a newline' "$T/b2/0.out" \
	&& t_ok "serve: a body without its newline: the job before is answered, nothing after runs, exit 65" \
	|| t_fail "serve: a body without its newline: the job before is answered, nothing after runs, exit 65" "rc=$rc $(cat "$T/b2/0.out")"
printf 'J 1 50\n{"ronda":1' >"$T/stream"
serve "$T/b3" <"$T/stream"
[ "$rc" = 65 ] && grep -q 'stdin closed inside a frame (17 bytes of it came)' "$T/b3/0.out" \
	&& t_ok "serve: EOF inside a frame is a frame error, exit 65" \
	|| t_fail "serve: EOF inside a frame is a frame error, exit 65" "rc=$rc $(cat "$T/b3/0.out")"
# Hostile length: refused on the header, with stdin still open (no waiting
# for a body that would not fit).
coproc SRV3 { exec timeout -k 5 20 "$A" serve 2>/dev/null; }
dup_coproc SRV3
printf 'J 1 9999999999\n' >&"$in"
a=$(read_answer "$out" 0)
wait "$cpid"; crc=$?
exec {in}>&- {out}<&-
[ $crc -eq 65 ] && grep -q '"code":"frame","error":"J frame of 9999999999 bytes is past the limit of 1048576"' <<<"$a" \
	&& grep -q 'rc=65' <<<"$a" \
	&& t_ok "serve: a hostile length is refused on its header alone (stdin open), exit 65" \
	|| t_fail "serve: a hostile length is refused on its header alone (stdin open), exit 65" "rc=$crc $a"

t_finish
