#!/bin/bash
# 21-sandbox.sh - the agent's confinement, proved on the real static binary
# with its try-syscall helper: each profile refuses what it must (killed by
# SIGSYS, or the designed errno) and allows what it must.
source "$(dirname "$0")/../lib.sh"
cd "$TOP"
A=$BUILD/ronda-agent
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# expect PROFILES CALL WANT: WANT is "ok", "errno=EXXX" or "killed".
expect() {
	local out rc
	out=$(t_agent --try-syscall "$1" "$2" 2>/dev/null); rc=$?
	if [ "$3" = killed ]; then
		[ $rc -eq 159 ] && return 0	# 128 + SIGSYS
		echo "$1 $2: want killed, got rc=$rc $out"; return 1
	fi
	[ $rc -eq 0 ] && [ "$out" = "$2 $3" ] && return 0
	echo "$1 $2: want $3, got rc=$rc $out"; return 1
}
matrix() {	# name, profiles, want, calls...
	local name=$1 prof=$2 want=$3 bad=""; shift 3
	for c in "$@"; do expect "$prof" "$c" "$want" >>"$T/why" || bad="$bad $c"; done
	[ -z "$bad" ] && t_ok "$name" || t_fail "$name" "$(tail -3 "$T/why")"
}

WRITES="open_write open_trunc creat unlink rename chmod chown truncate mkdir"
DANGER="mount ptrace kexec_load init_module finit_module bpf reboot swapon clock_settime unshare clone_newns setns keyctl perf_event_open"

# The helper itself, unconfined, reaches the kernel (the baseline).
expect none mount errno=ENOENT >"$T/why" && expect none unlink errno=ENOENT >>"$T/why" \
	&& t_ok "unconfined calls reach the kernel" || t_fail "unconfined calls reach the kernel" "$(cat "$T/why")"

matrix "inspect allows reading, spawning, probes" inspect ok getpid open_read spawn
matrix "inspect refuses writes with EROFS" inspect errno=EROFS $WRITES
matrix "inspect kills dangerous calls" inspect killed $DANGER
matrix "inspect kills x32 syscalls" inspect killed x32_getpid
matrix "clone3 gets ENOSYS (glibc falls back)" inspect errno=ENOSYS clone3 io_uring_setup
matrix "rseq reaches the kernel" inspect errno=EINVAL rseq

# Calls narrowed by their arguments (sandbox-args.c): EBADF/ESRCH mean the
# call reached the kernel, EPERM that the filter refused it.
REACH="ioctl_tcgets ioctl_fionread ioctl_getflags ioctl_getflags_hi ioctl_setflags ioctl_siocsifmtu"
matrix "unconfined: ioctls reach the kernel" none errno=EBADF $REACH
matrix "unconfined: setpriority/prlimit of others reach the kernel" none errno=ESRCH setpriority_other setpriority_other_hi setpriority_user prlimit_other
matrix "unconfined: netlink and packet sockets open" none ok socket_netlink_route socket_packet kill_all
NARROW="ioctl_setflags ioctl_siocsifmtu setpriority_other setpriority_other_hi setpriority_user prlimit_other kill_all socket_netlink_route socket_packet"
SELF="setpriority_self setpriority_pgrp prlimit_self kill_self socket_inet socket_unix socket_sock_diag abstract_connect"
for prof in inspect maintain; do
	matrix "$prof: read-only ioctls pass" $prof errno=EBADF ioctl_tcgets ioctl_fionread ioctl_getflags ioctl_getflags_hi
	matrix "$prof: other ioctls, others' priority and limits, kill(-1), netlink and packet sockets: EPERM" $prof errno=EPERM $NARROW
	matrix "$prof: own priority and limits, sock_diag, inet and unix sockets pass" $prof ok $SELF
	matrix "$prof: reading another process's limits passes" $prof errno=ESRCH prlimit_other_read
	matrix "$prof: seccomp alone lets a signal to pid 1 through (Landlock scopes it)" $prof ok kill_init
done
matrix "command profile: no netlink (not even sock_diag), no unix sockets" inspect,command errno=EPERM socket_sock_diag socket_netlink_route socket_unix abstract_connect
matrix "command-unix profile: unix sockets, still no netlink" inspect,command-unix ok socket_unix socket_inet
matrix "command-unix profile: still no netlink" inspect,command-unix errno=EPERM socket_sock_diag
abi=$("$A" --self-test | jq -r 'select(.type == "summary") | .sandbox.landlock_abi')
if [ "$abi" -ge 6 ]; then
	matrix "Landlock scope (ABI $abi): no signal or abstract connect out of the job" landlock errno=EPERM kill_init abstract_connect
	matrix "Landlock scope: signals to itself pass" landlock ok kill_self
	"$A" --self-test | grep -q '"landlock_applied":\["fs_write","refer","truncate","ioctl_dev","scope_signal","scope_abstract_unix_socket"\],"missing":\[\]' \
		&& t_ok "summary: the Landlock features applied are listed" || t_fail "summary lists Landlock features" "$("$A" --self-test | tail -1)"
else
	"$A" --self-test | grep -q '"complete":false.*"part":"landlock-scope"' \
		&& t_ok "summary: Landlock ABI $abi has no scoping, and says so" || t_fail "summary: missing scope reported"
fi

matrix "maintain allows writes" maintain ok open_write
matrix "maintain lets write calls reach the kernel" maintain errno=ENOENT unlink rename chmod mkdir truncate
matrix "maintain kills dangerous calls" maintain killed $DANGER

matrix "command profile refuses with EPERM" command errno=EPERM $DANGER tiocsti
matrix "command profile allows ordinary work" command ok getpid open_read open_write spawn
matrix "command on inspect: still killed" inspect,command killed mount ptrace
matrix "landlock alone refuses writes (EACCES)" landlock errno=EACCES open_write
matrix "landlock alone allows reads" landlock ok open_read spawn

# An inspect job whose command tries to write: the write fails, as designed.
echo '{"ronda":1,"tasks":[{"name":"w","check":"command","argv":["sh","-c","echo x > '"$T"'/written"]}]}' \
	| t_agent run >"$T/w"; rc=$?
if [ ! -e "$T/written" ] && grep -q '"task":"w".*"verdict":"fail".*Read-only file system' "$T/w"; then
	t_ok "inspect job: a write fails with EROFS, no file"
else
	t_fail "inspect job: a write fails with EROFS, no file" "rc=$rc $(cut -c1-400 "$T/w")"
fi

# A spawned command cannot mount or ptrace: under inspect it is killed...
mounts=$(wc -l </proc/self/mounts)
mkdir -p "$T/mnt"
echo '{"ronda":1,"tasks":[
 {"name":"mount","check":"command","argv":["mount","-t","tmpfs","none","'"$T"'/mnt"]},
 {"name":"ptrace","check":"command","argv":["'"$A"'","--try-syscall","none","ptrace"]}]}' \
	| tr -d '\n' | t_agent run >"$T/m"
if [ "$(wc -l </proc/self/mounts)" = "$mounts" ] \
	&& grep -q '"task":"mount".*"verdict":"error","message":"mount: killed by the sandbox (SIGSYS' "$T/m" \
	&& grep -q '"task":"ptrace".*"verdict":"error".*killed by the sandbox' "$T/m"; then
	t_ok "inspect job: command cannot mount or ptrace (killed)"
else
	t_fail "inspect job: command cannot mount or ptrace (killed)" "$(cut -c1-300 "$T/m")"
fi
# ...and under maintain too (the base profile kills; the trampoline's EPERM
# would answer if it did not).
echo '{"ronda":1,"profile":"maintain","tasks":[
 {"name":"ptrace","check":"command","argv":["'"$A"'","--try-syscall","none","ptrace"]}]}' \
	| tr -d '\n' | t_agent run --profile maintain >"$T/m2"
grep -q '"task":"ptrace".*killed by the sandbox' "$T/m2" \
	&& t_ok "maintain job: command cannot ptrace" || t_fail "maintain job: command cannot ptrace" "$(cut -c1-300 "$T/m2")"

# Maintain: Landlock confines writes to write_paths.
mkdir -p "$T/ok" "$T/no"
echo '{"ronda":1,"profile":"maintain","write_paths":["'"$T"'/ok"],"tasks":[
 {"name":"in","check":"command","argv":["touch","'"$T"'/ok/f"]},
 {"name":"out","check":"command","argv":["touch","'"$T"'/no/f"]}]}' \
	| tr -d '\n' | t_agent run --profile maintain >"$T/ll"
if [ -e "$T/ok/f" ] && [ ! -e "$T/no/f" ] && grep -q '"task":"out".*"verdict":"fail".*Permission denied' "$T/ll"; then
	t_ok "maintain: Landlock allows write_paths only"
else
	t_fail "maintain: Landlock allows write_paths only" "$(cut -c1-300 "$T/ll")"
fi
# A job cannot ask for more than the agent was started with.
echo '{"ronda":1,"profile":"maintain","tasks":[]}' | t_agent run >"$T/pm" 2>/dev/null; rc=$?
[ $rc -eq 65 ] && grep -q 'maintain profile' "$T/pm" && t_ok "job cannot raise its profile" \
	|| t_fail "job cannot raise its profile" "rc=$rc $(cat "$T/pm")"

# The summary tells the truth when Landlock is off.
t_agent --self-test --no-landlock >"$T/nl"; rc=$?
if grep -q '"sandbox":{"kind":"seccomp","profile":"inspect","complete":false,"no_new_privs":true,"seccomp":true,"landlock":false,"landlock_abi":0,"landlock_applied":\[\],"missing":\[{"part":"landlock","why":"turned off (--no-landlock)"}\]}' "$T/nl"; then
	t_ok "summary: Landlock off is reported, sandbox incomplete"
else
	t_fail "summary: Landlock off is reported, sandbox incomplete" "$(tail -1 "$T/nl")"
fi
t_agent --self-test | grep -q '"complete":true,"no_new_privs":true,"seccomp":true,"landlock":true' \
	&& t_ok "summary: full sandbox reported complete" || t_fail "summary: full sandbox reported complete"

# The probe and trampoline modes, started by hand, confine themselves.
t_agent --probe '{"check":"file","path":"/etc/passwd"}' | grep -q '"verdict":"ok"' \
	&& t_ok "--probe by hand runs one check" || t_fail "--probe by hand runs one check"
out=$(t_agent --exec -- "$A" --try-syscall none mount 2>&1)
[ "$out" = "mount errno=EPERM" ] && t_ok "--exec trampoline applies the command profile" \
	|| t_fail "--exec trampoline applies the command profile" "$out"

t_finish
