#!/bin/bash
# 68-become.sh - exec -K: a login user whose sudo asks for a password.  The
# password is asked once on a terminal (a pty here), a wrong one is 'become'
# on every host at once, --become-user runs as that user, a NOPASSWD rule
# gets no password on the command's stdin, a timeout kills the command as
# root, and the password is in no process's argv or environment during a run,
# nor in the terminal, -vv logs, JSON or --out files.
source "$(dirname "$0")/../lib.sh"
command -v sudo >/dev/null || { t_fail "sudo installed (packaging/deps.sh)"; t_finish; exit 1; }
dir=$("$TOP/tests/fleet/up.sh" -n 3 -t 300) || { t_fail "fleet up"; t_finish; exit 1; }
U=ronda-sudo-$$
DROP=/etc/sudoers.d/ronda-test-$$
cleanup() {
	rm -f "$DROP"
	id "$U" >/dev/null 2>&1 && userdel "$U"
	"$TOP/tests/fleet/down.sh" "$dir" >/dev/null 2>&1
}
trap cleanup EXIT
source "$dir/fleet.env"
R="$BUILD/ronda"
T="$dir/become"
mkdir -p "$T/home" "$T/out"
PW="ronda-pw-$$-$RANDOM$RANDOM"
printf '%s\n' "$PW" > "$T/pw"
printf 'not-%s\n' "$PW" > "$T/pw-wrong"
chmod 600 "$T/pw" "$T/pw-wrong"

# the test user: a password, sudo ALL with it, NOPASSWD as nobody; the
# fleet's authorized_keys serves every user
# bash: the fleet picks each host's HOME in bash's ~/.bashrc (tests/fleet/up.sh)
useradd -M -d "$T/home" -s /bin/bash "$U" || { t_fail "useradd $U"; t_finish; exit 1; }
chown "$U" "$T/home"
printf '%s:%s\n' "$U" "$PW" | chpasswd
printf '%s ALL=(ALL:ALL) ALL\n%s ALL=(nobody) NOPASSWD: ALL\n' "$U" "$U" > "$DROP.tmp"
chmod 440 "$DROP.tmp"
visudo -cqf "$DROP.tmp" && mv "$DROP.tmp" "$DROP" || { t_fail "sudoers drop-in"; t_finish; exit 1; }
X=(-i "$FLEET_INVENTORY" --known-hosts "$FLEET_KNOWN_HOSTS" --retries 0 -u "$U")
HOSTS='node[001-003]'

# drive PWFILE OUT ARGV...: runs ARGV on a pty, answers each "BECOME
# password:" prompt with PWFILE's line; prints the exit code and the prompts.
drive() { python3 "$TOP/tests/tools/ptyanswer.py" "BECOME password:" "$@"; }
pwin() { grep -aqF -f <(head -c -1 "$T/pw") "$@"; }	# the password (no newline) in files?

# --- without -K, sudo wants a password: --become fails, the user is not root -----------
out=$(setsid -w "$R" exec "${X[@]}" --json "$HOSTS" -- id -u < /dev/null 2>/dev/null)
[ "$(jq -r 'select(.stdout == "'"$(id -u "$U")"'\n") | .host' <<<"$out" | wc -l)" -eq 3 ] &&
	t_ok "the test user logs in on 3 hosts and is not root" || t_fail "the test user logs in" "$out"

# --- no terminal: a clear error, exit 64, no host touched ----------------------------
out=$(setsid -w "$R" exec "${X[@]}" -K "$HOSTS" -- id -u < /dev/null 2>&1); rc=$?
[ $rc -eq 64 ] && grep -q 'needs a terminal to ask the sudo password' <<<"$out" && ! grep -q '^node' <<<"$out" &&
	t_ok "-K without a terminal: exit 64, a clear error, no host touched" || t_fail "-K without a terminal" "rc=$rc $out"

# --- the right password: asked once, root on 3 hosts ----------------------------------
read -r rc prompts < <(drive "$T/pw" "$T/ok.out" "$R" exec "${X[@]}" -K "$HOSTS" -- id -u)
n=$(tr -d '\r' < "$T/ok.out" | grep -c '^node00[1-3]: 0$')
if [ "$rc" = 0 ] && [ "$prompts" = 1 ] && [ "$n" -eq 3 ] && ! pwin "$T/ok.out"; then
	t_ok "-K: one prompt, no echo, id -u is 0 on 3 of 3 hosts"
else
	t_fail "-K: root on 3 hosts" "rc=$rc prompts=$prompts n=$n $(tr -d '\r' < "$T/ok.out" | head -8)"
fi

# --- a wrong password: become on every host, at once -----------------------------------
t0=$(date +%s.%N)
read -r rc prompts < <(drive "$T/pw-wrong" "$T/wrong.out" "$(command -v timeout)" 30 "$R" exec "${X[@]}" -K --json "$HOSTS" -- id -u)
el=$(echo "$(date +%s.%N) - $t0" | bc)
nb=$(tr -d '\r' < "$T/wrong.out" | grep '^{' | jq -r 'select(.status == "become") | .host' | wc -l)
if [ "$rc" = 2 ] && [ "$prompts" = 1 ] && [ "$nb" -eq 3 ] && (( $(echo "$el < 15" | bc) )) &&
   tr -d '\r' < "$T/wrong.out" | grep -q 'incorrect password'; then
	t_ok "a wrong password: 'become' on 3 of 3 hosts in ${el}s, no retry, no hang"
else
	t_fail "a wrong password: become at once" "rc=$rc prompts=$prompts nb=$nb el=$el $(tr -d '\r' < "$T/wrong.out" | head -8)"
fi

# --- --become-user: that user's uid; NOPASSWD: the command's stdin is only its input ---
printf 'line one\nline two\n' > "$T/in"
read -r rc prompts < <(drive "$T/pw" "$T/nobody.out" /bin/sh -c \
	'exec "$@" < "'"$T/in"'"' sh "$R" exec "${X[@]}" -K --become-user nobody node001 -- sh -c 'id -u; cat')
got=$(tr -d '\r' < "$T/nobody.out" | grep '^node001: ' | sed 's/^node001: //')
if [ "$rc" = 0 ] && [ "$got" = "$(id -u nobody)
line one
line two" ] && ! pwin "$T/nobody.out"; then
	t_ok "--become-user nobody (NOPASSWD): uid $(id -u nobody), the command's stdin is exactly the input"
else
	t_fail "--become-user nobody" "rc=$rc got=$got"
fi
read -r rc prompts < <(drive "$T/pw" "$T/rootin.out" /bin/sh -c \
	'exec "$@" < "'"$T/in"'"' sh "$R" exec "${X[@]}" -K node001 -- sh -c 'id -u; cat')
got=$(tr -d '\r' < "$T/rootin.out" | grep '^node001: ' | sed 's/^node001: //')
[ "$rc" = 0 ] && [ "$got" = "0
line one
line two" ] && t_ok "-K with stdin: root, and the command reads exactly the input, not the password" ||
	t_fail "-K with stdin" "rc=$rc got=$got"

# --- a timeout kills the command, as root, and leaves nothing --------------------------
tag="9$$"
drive "$T/pw" "$T/to.out" "$R" exec "${X[@]}" -K --timeout 2 "$HOSTS" -- sleep "$tag" > "$T/to.rc" &
dpid=$!
owners=""
for _ in $(seq 100); do	# who runs the sleeps, once all 3 are up
	owners=$(pgrep -f "^sleep $tag\$" | xargs -r ps -o user= -p | sort | uniq -c | tr -s ' ')
	[ "$owners" = " 3 root" ] && break
	sleep 0.05
done
wait "$dpid"
read -r rc prompts < "$T/to.rc"
# the summary on a terminal is in colour (suite 74): read it without
nt=$(tr -d '\r' < "$T/to.out" | sed 's/\x1b\[[0-9;]*m//g' | grep -c '^timeout *3 ')
left=1
for _ in $(seq 50); do pgrep -f "^sleep $tag\$" >/dev/null || { left=0; break; }; sleep 0.1; done
[ "$rc" = 2 ] && [ "$nt" -eq 1 ] && [ $left -eq 0 ] && [ "$owners" = " 3 root" ] &&
	t_ok "-K --timeout 2: the root sleep is killed on 3 hosts, none left" ||
	t_fail "-K timeout kills as root" "rc=$rc nt=$nt owners=$owners left=$(pgrep -af "^sleep $tag\$") $(tr -d '\r' < "$T/to.out" | tail -3)"

# --- the password in no argv or environment, log, JSON or --out file during a run -----
tag="3.$$"
drive "$T/pw" "$T/scan.out" "$R" exec "${X[@]}" -K -vv --json --out "$T/out" "$HOSTS" -- sleep "$tag" > "$T/scan.rc" &
dpid=$!
t_secret_scan "$T/pw" "^sleep $tag\$" "$dpid"
wait "$dpid"
read -r rc prompts < "$T/scan.rc"
[ "$T_SCANS" -ge 1 ] && [ -z "$T_HITS" ] && [ "$rc" = 0 ] &&
	t_ok "the password is in no /proc/*/cmdline or environ ($T_SCANS scans while 3 root sleeps ran)" ||
	t_fail "the password in no process" "rc=$rc scans=$T_SCANS hits=$T_HITS"
nj=$(tr -d '\r' < "$T/scan.out" | grep '^{' | jq -r 'select(.status == "ok") | .host' | wc -l)
grep -q 'debug' "$T/scan.out" || grep -qi 'auth' "$T/scan.out"; vv=$?
if [ "$nj" -eq 3 ] && [ $vv -eq 0 ] && [ -n "$(ls -A "$T/out")" ] && ! pwin "$T/scan.out" && ! pwin -r "$T/out"; then
	t_ok "the password is not in the terminal, the -vv log, the JSON or the --out files"
else
	t_fail "the password in no output" "nj=$nj vv=$vv $(ls -R "$T/out" | head -5)"
fi

t_finish
