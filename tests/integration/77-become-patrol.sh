#!/bin/bash
# 77-become-patrol.sh - check -K and run -K: a login user whose sudo asks for
# a password.  The agent runs as root on every host with the right password
# (first run, uploading, and cached), a wrong one is 'become' at once on
# every host, a NOPASSWD user gets no password on the agent's stdin (it
# would read it as its job), --become-user runs the agent as that user (or
# says why it cannot), a timeout kills the agent's command as root, and the
# password is in no process's argv or environment during a run, nor in the
# terminal, -vv logs, JSON or --out files.
source "$(dirname "$0")/../lib.sh"
command -v sudo >/dev/null || { t_fail "sudo installed (packaging/deps.sh)"; t_finish; exit 1; }
dir=$("$TOP/tests/fleet/up.sh" -n 3 -t 300) || { t_fail "fleet up"; t_finish; exit 1; }
U=ronda-kp-$$
N=ronda-kn-$$	# NOPASSWD
DROP=/etc/sudoers.d/ronda-test-kp-$$
cleanup() {
	rm -f "$DROP"
	id "$U" >/dev/null 2>&1 && userdel "$U"
	id "$N" >/dev/null 2>&1 && userdel "$N"
	"$TOP/tests/fleet/down.sh" "$dir" >/dev/null 2>&1
}
trap cleanup EXIT
source "$dir/fleet.env"
R="$BUILD/ronda"
T="$dir/becomep"
mkdir -p "$T/out" "$T/rtmp" "$T/private"
# the fleet's HOMEs are root's: the agents live in --remote-tmp, as /tmp
chmod 1777 "$T/rtmp"
# what only root may see: the check below fails for the login users
chmod 700 "$T/private"; : > "$T/private/f"
PW="ronda-pw-$$-$RANDOM$RANDOM"
printf '%s\n' "$PW" > "$T/pw"
printf 'not-%s\n' "$PW" > "$T/pw-wrong"
chmod 600 "$T/pw" "$T/pw-wrong"

# U: a password, sudo ALL with it, NOPASSWD as nobody.  N: NOPASSWD ALL.
# bash: the fleet picks each host's HOME in bash's ~/.bashrc (tests/fleet/up.sh)
for u in "$U" "$N"; do
	useradd -M -d "$T" -s /bin/bash "$u" || { t_fail "useradd $u"; t_finish; exit 1; }
done
printf '%s:%s\n' "$U" "$PW" | chpasswd
usermod -p '*' "$N"	# no password, but not locked: sshd lets it in
printf '%s ALL=(ALL:ALL) ALL\n%s ALL=(nobody) NOPASSWD: ALL\n%s ALL=(ALL:ALL) NOPASSWD: ALL\n' \
	"$U" "$U" "$N" > "$DROP.tmp"
chmod 440 "$DROP.tmp"
visudo -cqf "$DROP.tmp" && mv "$DROP.tmp" "$DROP" || { t_fail "sudoers drop-in"; t_finish; exit 1; }
X=(-i "$FLEET_INVENTORY" --known-hosts "$FLEET_KNOWN_HOSTS" --retries 0 --remote-tmp "$T/rtmp")
HOSTS='node[001-003]'
CHECK="file:$T/private/f"
sha=$(sha256sum < "$BUILD/ronda-agent" | cut -d' ' -f1)

# book FILE TIMEOUT ARGV...: a playbook of one command task, ARGV, in the
# inspect profile; the job may take TIMEOUT s, the task a little less
book() {
	local f=$1 to=$2 a; shift 2
	a=$(printf '"%s", ' "$@")
	printf 'name = "become";\ndefaults = { timeout = %s.0; task_timeout = %s.0; profile = "inspect"; };\n' \
		"$to" "$((to - 10))" > "$f"
	printf 'tasks = ( { name = "cmd"; check = "command"; argv = [ %s ]; } );\n' "${a%, }" >> "$f"
}
book "$T/uid.cfg" 60 id -u	# who runs the agent's commands
tag="9$$"
book "$T/sleep.cfg" 200 sleep "$tag"	# one that outlives --timeout
stag="3.$$"
book "$T/scan.cfg" 60 sleep "$stag"

# drive PWFILE OUT ARGV...: runs ARGV on a pty, answers each "BECOME
# password:" prompt with PWFILE's line; prints the exit code and the prompts.
drive() { python3 "$TOP/tests/tools/ptyanswer.py" "BECOME password:" "$@"; }
pwin() { grep -aqF -f <(head -c -1 "$T/pw") "$@"; }	# the password (no newline) in files?
json() { tr -d '\r' < "$1" | grep '^{'; }
# hosts FILE FILTER: how many host lines of FILE's JSON match the jq FILTER
hosts() { json "$1" | jq -r "select(.type == \"host\" and ($2)) | .host" | wc -l; }
# uids FILE: the uid task's stdout per host, sorted and unique
uids() { json "$1" | jq -r 'select(.type == "task") | .values.stdout | rtrimstr("\n")' | sort | uniq -c | tr -s ' \n' ' '; }

# --- the check can fail: as the login user, root's file is not there --------------------
out=$(setsid -w "$R" check "${X[@]}" -u "$U" --json "$HOSTS" "$CHECK" < /dev/null 2>/dev/null)
n=$(jq -r 'select(.type == "task" and .verdict != "ok") | .host' <<<"$out" | wc -l)
[ "$n" -eq 3 ] && t_ok "without become, $CHECK is not ok on 3 hosts (the login user is not root)" ||
	t_fail "the check fails as the login user" "n=$n $(head -c 600 <<<"$out")"
rm -rf "$T/rtmp"/ronda-*	# the -K runs below start without an agent

# --- no terminal: a clear error, exit 64, no host touched ----------------------------
out=$(setsid -w "$R" check "${X[@]}" -u "$U" -K "$HOSTS" "$CHECK" < /dev/null 2>&1); rc=$?
[ $rc -eq 64 ] && grep -q 'needs a terminal to ask the sudo password' <<<"$out" && [ ! -e "$T/rtmp/ronda-$(id -u "$U")" ] &&
	t_ok "check -K without a terminal: exit 64, a clear error, no host touched" || t_fail "-K without a terminal" "rc=$rc $out"

# --- the right password: asked once, root on 3 hosts, first run (upload) and cached ---
read -r rc prompts < <(drive "$T/pw" "$T/ok1.out" "$R" check "${X[@]}" -u "$U" -K --json "$HOSTS" "$CHECK")
n=$(hosts "$T/ok1.out" '.verdict == "ok"'); up=$(hosts "$T/ok1.out" '.uploaded_bytes > 0')
if [ "$rc" = 0 ] && [ "$prompts" = 1 ] && [ "$n" -eq 3 ] && [ "$up" -ge 1 ] && ! pwin "$T/ok1.out"; then
	t_ok "check -K, first run: one prompt, $CHECK ok as root on 3 of 3 hosts ($up uploaded)"
else
	t_fail "check -K, first run" "rc=$rc prompts=$prompts n=$n up=$up $(tr -d '\r' < "$T/ok1.out" | head -c 800)"
fi
read -r rc prompts < <(drive "$T/pw" "$T/ok2.out" "$R" check "${X[@]}" -u "$U" -K --json "$HOSTS" "$CHECK")
n=$(hosts "$T/ok2.out" '.verdict == "ok"'); up=$(hosts "$T/ok2.out" '.uploaded_bytes > 0')
[ "$rc" = 0 ] && [ "$prompts" = 1 ] && [ "$n" -eq 3 ] && [ "$up" -eq 0 ] &&
	t_ok "check -K, cached agent: ok as root on 3 of 3 hosts, nothing uploaded" ||
	t_fail "check -K, cached" "rc=$rc prompts=$prompts n=$n up=$up $(tr -d '\r' < "$T/ok2.out" | head -c 800)"
read -r rc prompts < <(drive "$T/pw" "$T/run.out" "$R" run "${X[@]}" -u "$U" -K --json "$T/uid.cfg" --limit "$HOSTS")
got=$(uids "$T/run.out")
[ "$rc" = 0 ] && [ "$prompts" = 1 ] && [ "$got" = " 3 0 " ] &&
	t_ok "run -K: the playbook's id -u says 0 on 3 of 3 hosts" ||
	t_fail "run -K: root" "rc=$rc prompts=$prompts got=$got $(tr -d '\r' < "$T/run.out" | head -c 800)"

# --- a wrong password: become on every host, at once, nothing uploaded or run ------------
rm -rf "$T/rtmp"/ronda-*	# the upload path: the password is asked after the bytes
for how in upload cached; do
	t0=$(date +%s.%N)
	read -r rc prompts < <(drive "$T/pw-wrong" "$T/wrong.out" "$(command -v timeout)" 30 "$R" check "${X[@]}" -u "$U" -K --json "$HOSTS" "$CHECK")
	el=$(echo "$(date +%s.%N) - $t0" | bc)
	nb=$(hosts "$T/wrong.out" '.status == "become" and (.error | test("incorrect password"))')
	# the upload round stored the agent (as the login user) before it asked
	stored=$([ -x "$T/rtmp/ronda-$(id -u "$U")/agent-$sha" ] && echo 1)
	if [ "$rc" = 2 ] && [ "$stored" = 1 ] && [ "$prompts" = 1 ] && [ "$nb" -eq 3 ] && (( $(echo "$el < 15" | bc) )); then
		t_ok "a wrong password ($how): 'become', incorrect password, on 3 of 3 hosts in ${el}s"
	else
		t_fail "a wrong password ($how): become at once" "rc=$rc prompts=$prompts nb=$nb el=$el stored=$stored $(tr -d '\r' < "$T/wrong.out" | head -c 800)"
	fi
	# the next round finds the agent cached
	drive "$T/pw" /dev/null "$R" check "${X[@]}" -u "$U" -K "$HOSTS" "$CHECK" > /dev/null
done

# --- NOPASSWD with -K: no password is sent (the agent would take it for its job) -------------
for how in upload cached; do
	read -r rc prompts < <(drive "$T/pw" "$T/np.out" "$R" run "${X[@]}" -u "$N" -K --json "$T/uid.cfg" --limit "$HOSTS")
	got=$(uids "$T/np.out"); up=$(hosts "$T/np.out" '.uploaded_bytes > 0')
	if [ "$rc" = 0 ] && [ "$prompts" = 1 ] && [ "$got" = " 3 0 " ] &&
	   { { [ $how = upload ] && [ "$up" -ge 1 ]; } || { [ $how = cached ] && [ "$up" -eq 0 ]; }; }; then
		t_ok "NOPASSWD user with -K ($how): root on 3 of 3 hosts, the job intact"
	else
		t_fail "NOPASSWD with -K ($how)" "rc=$rc prompts=$prompts got=$got up=$up $(tr -d '\r' < "$T/np.out" | head -c 800)"
	fi
done

# --- --become-user ------------------------------------------------------------------------
# root by name, with the password (sudo -S -u root)
read -r rc prompts < <(drive "$T/pw" "$T/kroot.out" "$R" run "${X[@]}" -u "$U" -K --become-user root --json "$T/uid.cfg" --limit "$HOSTS")
got=$(uids "$T/kroot.out")
[ "$rc" = 0 ] && [ "$prompts" = 1 ] && [ "$got" = " 3 0 " ] &&
	t_ok "-K --become-user root: the password path with -u root, uid 0 on 3 hosts" ||
	t_fail "-K --become-user root" "rc=$rc got=$got $(tr -d '\r' < "$T/kroot.out" | head -c 800)"
# the login user itself (sudo asks no password to run as oneself): its own uid
read -r rc prompts < <(drive "$T/pw" "$T/self.out" "$R" run "${X[@]}" -u "$U" -K --become-user "$U" --json "$T/uid.cfg" --limit "$HOSTS")
got=$(uids "$T/self.out")
[ "$rc" = 0 ] && [ "$got" = " 3 $(id -u "$U") " ] &&
	t_ok "-K --become-user $U: the agent runs as uid $(id -u "$U") on 3 hosts" ||
	t_fail "-K --become-user self" "rc=$rc got=$got $(tr -d '\r' < "$T/self.out" | head -c 800)"
# root by name, without -K (NOPASSWD)
out=$(setsid -w "$R" run "${X[@]}" -u "$N" --become-user root --json "$T/uid.cfg" --limit "$HOSTS" < /dev/null 2>/dev/null); rc=$?
got=$(uids <(printf '%s\n' "$out"))
[ "$rc" = 0 ] && [ "$got" = " 3 0 " ] && t_ok "--become-user root without -K (NOPASSWD): uid 0 on 3 hosts" ||
	t_fail "--become-user root" "rc=$rc got=$got"
# a user who cannot read the login user's private cache: become, and why, at once
t0=$(date +%s.%N)
read -r rc prompts < <(drive "$T/pw" "$T/nobody.out" "$R" check "${X[@]}" -u "$U" -K --become-user nobody --json "$HOSTS" "$CHECK")
el=$(echo "$(date +%s.%N) - $t0" | bc)
nb=$(hosts "$T/nobody.out" '.status == "become" and (.error | test("nobody cannot run it"))')
[ "$rc" = 2 ] && [ "$nb" -eq 3 ] && (( $(echo "$el < 15" | bc) )) &&
	t_ok "--become-user nobody: 'become' on 3 hosts, saying the cache is the login user's (${el}s)" ||
	t_fail "--become-user nobody" "rc=$rc nb=$nb el=$el $(tr -d '\r' < "$T/nobody.out" | head -c 800)"

# --- a timeout kills the agent's command, as root, and leaves nothing ------------------------
drive "$T/pw" "$T/to.out" "$R" run "${X[@]}" -u "$U" -K --timeout 2 --json "$T/sleep.cfg" --limit "$HOSTS" > "$T/to.rc" &
dpid=$!
owners=""
for _ in $(seq 200); do	# who runs the sleeps, once all 3 are up
	owners=$(pgrep -f "sleep $tag\$" | xargs -r ps -o user= -p | sort | uniq -c | tr -s ' ')
	[ "$owners" = " 3 root" ] && break
	kill -0 "$dpid" 2>/dev/null || break
	sleep 0.05
done
wait "$dpid"
read -r rc prompts < "$T/to.rc"
nt=$(hosts "$T/to.out" '.status == "timeout"')
left=1
for _ in $(seq 50); do pgrep -f "sleep $tag\$" >/dev/null || { left=0; break; }; sleep 0.1; done
[ "$rc" = 2 ] && [ "$nt" -eq 3 ] && [ $left -eq 0 ] && [ "$owners" = " 3 root" ] &&
	t_ok "run -K --timeout 2: the root sleep is killed on 3 hosts, none left" ||
	t_fail "-K timeout kills as root" "rc=$rc nt=$nt owners=$owners left=$(pgrep -af "sleep $tag\$") $(tr -d '\r' < "$T/to.out" | head -c 600)"

# --- the password in no argv or environment, log, JSON or --out file during a run -----
drive "$T/pw" "$T/scan.out" "$R" run "${X[@]}" -u "$U" -K -vv --json --out "$T/out" "$T/scan.cfg" --limit "$HOSTS" > "$T/scan.rc" &
dpid=$!
t_secret_scan "$T/pw" "sleep $stag\$" "$dpid"
wait "$dpid"
read -r rc prompts < "$T/scan.rc"
[ "$T_SCANS" -ge 1 ] && [ -z "$T_HITS" ] && [ "$rc" = 0 ] &&
	t_ok "the password is in no /proc/*/cmdline or environ ($T_SCANS scans while the root sleeps ran)" ||
	t_fail "the password in no process" "rc=$rc scans=$T_SCANS hits=$T_HITS"
nj=$(hosts "$T/scan.out" '.verdict == "ok"')
grep -q 'debug' "$T/scan.out"; vv=$?
if [ "$nj" -eq 3 ] && [ $vv -eq 0 ] && [ -n "$(ls -A "$T/out")" ] && ! pwin "$T/scan.out" && ! pwin -r "$T/out" &&
   ! pwin "$T"/*.out; then
	t_ok "the password is not in the terminal, the -vv log, the JSON or the --out files"
else
	t_fail "the password in no output" "nj=$nj vv=$vv $(ls -R "$T/out" | head -5)"
fi

t_finish
