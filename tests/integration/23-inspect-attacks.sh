#!/bin/bash
# 23-inspect-attacks.sh - "inspect changes nothing on the host", proved on four
# attacks that a job could make through command tasks: chattr +i (ioctl
# FS_IOC_SETFLAGS on a read-only descriptor), renice and prlimit of another
# process, kill -STOP of a process outside the job, and a netlink link change
# (ip link set lo mtu 1280) in a network namespace of the test's own.  Each is
# first shown to work unconfined, then refused under inspect and under the
# job `ronda run --preview` sends, with the refusal in the task's result and
# the host unchanged.
source "$(dirname "$0")/../lib.sh"
cd "$TOP"
A=$BUILD/ronda-agent
PJ=$BUILD/patrol-job
export ASAN_OPTIONS=detect_leaks=0	# LeakSanitizer spins under seccomp
T=$(mktemp -d)
chmod 0755 "$T"
sleep 600 & V=$!			# the process outside the job
trap 'kill -KILL $V $B 2>/dev/null; wait 2>/dev/null; chattr -i "$T"/* 2>/dev/null; rm -rf "$T"' EXIT

# agent PROFILE: the agent on the job on stdin, SIGKILLed if it overstays.
agent() { timeout -s KILL 60 "$A" run --profile "$1"; }
nice_of() { ps -o ni= -p "$1" | tr -d ' '; }
nofile_of() { awk '/^Max open files/ { print $4 ":" $5 }' "/proc/$1/limits"; }
state_of() { awk '{ print $3 }' "/proc/$1/stat"; }
mtu_lo() { ip -o link show lo | sed -n 's/.* mtu \([0-9]*\) .*/\1/p'; }
immutable() { lsattr -d "$1" 2>/dev/null | cut -c5 | grep -q i; }

# --- unconfined, each attack works (so the checks below can fail) -------------
sleep 600 & B=$!
touch "$T/base"
chattr +i "$T/base" && immutable "$T/base"; ok1=$?
chattr -i "$T/base"
renice -n 7 -p $B >/dev/null && [ "$(nice_of $B)" = 7 ]; ok2=$?
prlimit --pid $B --nofile=7:7 && [ "$(nofile_of $B)" = 7:7 ]; ok3=$?
kill -STOP $B && sleep 0.2 && [ "$(state_of $B)" = T ]; ok4=$?
kill -KILL $B; wait $B 2>/dev/null
ok5=$(unshare -n sh -c 'ip link set lo mtu 1280 && ip -o link show lo' | grep -c 'mtu 1280')
if [ $ok1$ok2$ok3$ok4 = 0000 ] && [ "$ok5" = 1 ]; then
	t_ok "unconfined: chattr +i, renice, prlimit, kill -STOP and ip link set all work"
else
	t_fail "unconfined: the attacks work" "chattr=$ok1 renice=$ok2 prlimit=$ok3 stop=$ok4 ip=$ok5"
fi

# --- the attacks as a job ------------------------------------------------------
touch "$T/f"
nice0=$(nice_of $V) nofile0=$(nofile_of $V)
TASKS='[
 {"name":"chattr","check":"command","argv":["chattr","+i","'"$T"'/f"]},
 {"name":"renice","check":"command","argv":["renice","-n","7","-p","'$V'"]},
 {"name":"prlimit","check":"command","argv":["prlimit","--pid","'$V'","--nofile=7:7"]},
 {"name":"stop","check":"command","argv":["kill","-STOP","'$V'"]},
 {"name":"mtu","check":"command","argv":["ip","link","set","lo","mtu","1280"]}]'
echo '{"ronda":1,"tasks":'"$TASKS"'}' | tr -d '\n' >"$T/inspect.json"
echo >>"$T/inspect.json"
# The same tasks in a maintain playbook (a rotation makes it one), previewed.
cat >"$T/attack.cfg" <<EOF
name = "attacks";
tasks = (
  { name = "rot"; check = "rotate"; path = "$T/x.log"; missingok = true; state = "$T/state/r.state"; },
  { name = "chattr"; check = "command"; argv = [ "chattr", "+i", "$T/f" ]; },
  { name = "renice"; check = "command"; argv = [ "renice", "-n", "7", "-p", "$V" ]; },
  { name = "prlimit"; check = "command"; argv = [ "prlimit", "--pid", "$V", "--nofile=7:7" ]; },
  { name = "stop"; check = "command"; argv = [ "kill", "-STOP", "$V" ]; },
  { name = "mtu"; check = "command"; argv = [ "ip", "link", "set", "lo", "mtu", "1280" ]; }
);
EOF
"$PJ" --preview "$T/attack.cfg" >"$T/preview.json" 2>"$T/pj.err" \
	&& jq -e '.profile == "inspect" and .dry_run == true and (.write_paths == null)' "$T/preview.json" >/dev/null \
	&& t_ok "--preview: a maintain playbook becomes an inspect dry-run job" \
	|| t_fail "--preview job" "$(cat "$T/pj.err" "$T/preview.json")"

# refused NAME OUT WHY_REGEX: the task failed and its stderr shows why.
refused() {
	jq -se --arg t "$1" --arg re "$3" 'map(select(.type == "result" and .task == $t))
		| length == 1 and (.[0] | (.verdict == "fail" or .verdict == "error")
		  and ((.values.stderr // "") + .message | test($re)))' "$2" >/dev/null
}
for how in inspect preview; do
	# The agent runs in a network namespace of ours: lo there is the target.
	unshare -n sh -c 'timeout -s KILL 60 "$1" run --profile inspect <"$2" >"$3"; echo "mtu $(ip -o link show lo | sed -n "s/.* mtu \([0-9]*\) .*/\1/p")" >"$3.mtu"' \
		sh "$A" "$T/$how.json" "$T/$how.out"
	out=$T/$how.out
	grep -q '"scope_signal"' "$out" && kernel_scope=1 || kernel_scope=0
	if refused chattr "$out" 'Operation not permitted' && ! immutable "$T/f"; then
		t_ok "$how: chattr +i is refused (ioctl FS_IOC_SETFLAGS: EPERM), the file stays mutable"
	else
		t_fail "$how: chattr +i refused" "$(lsattr "$T/f") $(grep '"chattr"' "$out")"
	fi
	if refused renice "$out" 'Operation not permitted|Permission denied' && [ "$(nice_of $V)" = "$nice0" ]; then
		t_ok "$how: renice of another process is refused, its nice stays $nice0"
	else
		t_fail "$how: renice refused" "nice=$(nice_of $V) $(grep '"renice"' "$out")"
	fi
	if refused prlimit "$out" 'Operation not permitted' && [ "$(nofile_of $V)" = "$nofile0" ]; then
		t_ok "$how: prlimit of another process is refused, its limit stays $nofile0"
	else
		t_fail "$how: prlimit refused" "nofile=$(nofile_of $V) $(grep '"prlimit"' "$out")"
	fi
	if [ $kernel_scope = 1 ] && refused stop "$out" 'Operation not permitted' && [ "$(state_of $V)" != T ]; then
		t_ok "$how: kill -STOP outside the job is refused (Landlock signal scope), the process runs"
	else
		t_fail "$how: kill -STOP refused" "scope=$kernel_scope state=$(state_of $V) $(grep '"stop"' "$out")"
		kill -CONT $V
	fi
	if refused mtu "$out" 'Operation not permitted' && [ "$(cat "$out.mtu")" = "mtu 65536" ]; then
		t_ok "$how: ip link set lo mtu 1280 is refused (no netlink socket), lo keeps mtu 65536"
	else
		t_fail "$how: ip link refused" "$(cat "$out.mtu") $(grep '"mtu"' "$out")"
	fi
done
# The preview's rotation ran as a dry run, and created nothing.
jq -se 'map(select(.task == "rot")) | length == 1 and .[0].values.dry_run == true' "$T/preview.out" >/dev/null && [ ! -e "$T/state" ] \
	&& t_ok "preview: the rotation only reported, no state directory made" \
	|| t_fail "preview rotation" "$(grep '"rot"' "$T/preview.out") $(ls "$T")"

# The read-only checks a job needs still work under the same rules.
echo '{"ronda":1,"tasks":[
 {"name":"lsattr","check":"command","argv":["lsattr","-d","'"$T"'"]},
 {"name":"ps","check":"command","argv":["ps","-o","ni=","-p","'$V'"]},
 {"name":"ss","check":"command","argv":["ss","-Hltn"]},
 {"name":"port","check":"port","port":1,"expect":"closed"}]}' | tr -d '\n' | agent inspect >"$T/ro.out"
bad=$(jq -r 'select(.type == "result" and .verdict != "ok") | .task' "$T/ro.out" | tr '\n' ' ')
[ -z "$bad" ] && [ "$(grep -c '"type":"result"' "$T/ro.out")" = 4 ] \
	&& t_ok "inspect: lsattr, ps, ss (which falls back from netlink to /proc) and the port check still work" \
	|| t_fail "read-only checks under inspect" "not ok: $bad $(cut -c1-600 "$T/ro.out")"
t_finish
