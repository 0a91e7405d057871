#!/bin/bash
# 65-copy.sh - ronda copy and ronda fetch on the loopback fleet: a file and
# a tree to 20 hosts, modes, --mode and --owner, an identical file not sent
# again (same inode and mtime), a 256 MiB file with ronda's memory bounded,
# a host whose sha256sum lies, a full disk, permission denied, fetch from
# 20 hosts into LOCALDIR/HOST/, hosts that send hostile fetch streams
# (../, absolute names, a link to write through, a NUL), one copy session
# per host, hosts that break the copy protocol, and exit codes.
source "$(dirname "$0")/../lib.sh"
dir=$("$TOP/tests/fleet/up.sh" -n 24 -t 600) || { t_fail "fleet up"; t_finish; exit 1; }
T=$(mktemp -d /tmp/ronda-copy-test.XXXXXX)
cleanup() {
	umount "$FLEET_HOMES/node006/full" 2>/dev/null
	"$TOP/tests/fleet/down.sh" "$dir" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
source "$dir/fleet.env"
R="$BUILD/ronda"
X=(-i "$FLEET_INVENTORY" --known-hosts "$FLEET_KNOWN_HOSTS" --connect-timeout 5 --retries 0)
H20='node[001-020]'
home() { echo "$FLEET_HOMES/$1"; }
sum() { sha256sum < "$1" | cut -d' ' -f1; }

# --- a file and a tree to 20 hosts ---------------------------------------------------
head -c 300000 /dev/urandom > "$T/blob"; chmod 640 "$T/blob"
mkdir -p "$T/tree/sub/deeper" "$T/tree/empty"
echo hello > "$T/tree/a"; printf 'x' > "$T/tree/sub/with space"; : > "$T/tree/sub/deeper/zero"
printf '#!/bin/sh\necho run\n' > "$T/tree/sub/tool"; chmod 755 "$T/tree/sub/tool"
chmod 750 "$T/tree/sub"; chmod 700 "$T/tree/empty"
ln -s ../a "$T/tree/sub/link"; ln -s /etc/passwd "$T/tree/abs-link"
"$R" copy "${X[@]}" --json "$H20" "$T/blob" blob.bin > "$T/c1.json" 2>"$T/c1.err"; rc=$?
n=$(jq -r 'select(.status == "ok" and (.stdout | startswith("sent 1, unchanged 0,"))) | .host' "$T/c1.json" | wc -l)
bad=0; for i in $(seq -f %03g 1 20); do
	f=$(home node$i)/blob.bin
	[ "$(sum "$f")" = "$(sum "$T/blob")" ] && [ "$(stat -c %a "$f")" = 640 ] || bad=$((bad + 1))
done
[ $rc -eq 0 ] && [ "$n" -eq 20 ] && [ $bad -eq 0 ] && t_ok "a file to 20 hosts: same bytes, mode 640 kept, exit 0" ||
	t_fail "a file to 20 hosts" "rc=$rc sent=$n bad=$bad $(head -3 "$T/c1.err")"
ls -A "$(home node001)" | grep -q ronda-copy && t_fail "no temporary left" "$(ls -A "$(home node001)")" || t_ok "no temporary left after the rename"

"$R" copy "${X[@]}" "$H20" "$T/tree" trees > "$T/c2.out" 2>"$T/c2.err"; rc=$?
bad=0; for i in $(seq -f %03g 1 20); do
	d=$(home node$i)/trees/tree
	diff -r --no-dereference "$T/tree" "$d" >/dev/null || bad=$((bad + 1))
	[ "$(stat -c %a "$d/sub") $(stat -c %a "$d/empty") $(stat -c %a "$d/sub/tool")" = "750 700 755" ] || bad=$((bad + 1))
	[ "$(readlink "$d/abs-link")" = /etc/passwd ] && [ -L "$d/sub/link" ] || bad=$((bad + 1))
done
[ $rc -eq 0 ] && [ $bad -eq 0 ] && grep -q 'node001: sent 4, unchanged 0, attrs 0, made 6, failed 0' "$T/c2.out" &&
	t_ok "a tree to 20 hosts: same tree, dir and file modes, links as links" ||
	t_fail "a tree to 20 hosts" "rc=$rc bad=$bad $(head -2 "$T/c2.out") $(head -3 "$T/c2.err")"

# --- an identical file is not sent again -----------------------------------------------
before=$(stat -c '%i %y' "$(home node001)/blob.bin")
"$R" copy "${X[@]}" --json "$H20" "$T/blob" blob.bin > "$T/c3.json" 2>/dev/null; rc=$?
n=$(jq -r 'select(.status == "ok" and (.stdout | startswith("sent 0, unchanged 1,"))) | .host' "$T/c3.json" | wc -l)
after=$(stat -c '%i %y' "$(home node001)/blob.bin")
[ $rc -eq 0 ] && [ "$n" -eq 20 ] && [ "$before" = "$after" ] &&
	t_ok "an identical file: 20 hosts say unchanged, inode and mtime untouched ($after)" ||
	t_fail "an identical file is not sent again" "rc=$rc n=$n before=$before after=$after"
# a changed file is sent again, to a new inode (renamed into place)
echo more >> "$T/blob"
"$R" copy "${X[@]}" node001 "$T/blob" blob.bin > "$T/c4.out" 2>/dev/null
[ "$(sum "$(home node001)/blob.bin")" = "$(sum "$T/blob")" ] && [ "$(stat -c %i "$(home node001)/blob.bin")" != "${before%% *}" ] &&
	grep -q '^node001: sent 1,' "$T/c4.out" && t_ok "a changed file is sent again, to a new inode" || t_fail "a changed file is sent again" "$(cat "$T/c4.out")"

# --- --mode and --owner ------------------------------------------------------------------
"$R" copy "${X[@]}" --mode 0600 --owner rondatest:rondatest node002 "$T/blob" owned.bin > "$T/c5.out" 2>&1; rc=$?
st=$(stat -c '%a %U:%G' "$(home node002)/owned.bin")
[ $rc -eq 0 ] && [ "$st" = "600 rondatest:rondatest" ] && t_ok "--mode 0600 --owner rondatest:rondatest ($st)" || t_fail "--mode and --owner" "rc=$rc st=$st $(cat "$T/c5.out")"
ino=$(stat -c %i "$(home node002)/owned.bin")
"$R" copy "${X[@]}" --mode 0600 --owner rondatest:rondatest node002 "$T/blob" owned.bin > "$T/c6.out" 2>&1
grep -q 'sent 0, unchanged 1, attrs 0' "$T/c6.out" && t_ok "same bytes, mode and owner: unchanged" || t_fail "same mode and owner: unchanged" "$(cat "$T/c6.out")"
"$R" copy "${X[@]}" --mode 0644 node002 "$T/blob" owned.bin > "$T/c7.out" 2>&1
[ "$(stat -c '%a %i' "$(home node002)/owned.bin")" = "644 $ino" ] && grep -q 'sent 0, unchanged 0, attrs 1' "$T/c7.out" &&
	t_ok "same bytes, other mode: set in place, not sent (attrs 1)" || t_fail "other mode: attrs" "$(cat "$T/c7.out") $(stat -c '%a %i' "$(home node002)/owned.bin") $ino"
# an absolute DEST: under sudo, HOME is root's
"$R" copy "${X[@]}" --become --owner rondatest node017 "$T/blob" "$T/tree" "$(home node017)/sudo/" > "$T/c5b.out" 2>&1; rc=$?
[ $rc -eq 0 ] && cmp -s "$T/blob" "$(home node017)/sudo/blob" && [ "$(stat -c %U "$(home node017)/sudo/tree/sub/tool")" = rondatest ] &&
	grep -q 'sent 5, unchanged 0, attrs 0, made 6, failed 0' "$T/c5b.out" && t_ok "--become (sudo -n) --owner: a file and a tree through sudo's stdin" ||
	t_fail "--become --owner" "rc=$rc $(cat "$T/c5b.out")"
"$R" copy "${X[@]}" --mode 8 node002 "$T/blob" x > /dev/null 2>"$T/m.err"; rc=$?
[ $rc -eq 64 ] && grep -q 'not an octal mode' "$T/m.err" && t_ok "--mode 8: usage error 64" || t_fail "--mode 8" "rc=$rc $(cat "$T/m.err")"

# --- a large file: streamed, memory bounded --------------------------------------------
truncate -s 256M "$T/large"
/usr/bin/time -o "$T/time" -f %M "$R" copy "${X[@]}" 'node[003-004]' "$T/large" large.bin > "$T/c8.out" 2>&1; rc=$?
rss=$(tail -1 "$T/time")
ok=0; for h in node003 node004; do [ "$(stat -c %s "$(home $h)/large.bin")" = 268435456 ] && [ "$(sum "$(home $h)/large.bin")" = "$(sum "$T/large")" ] && ok=$((ok + 1)); done
[ $rc -eq 0 ] && [ $ok -eq 2 ] && [ "$rss" -lt 65536 ] && t_ok "256 MiB to 2 hosts with ronda's peak RSS at $rss KiB" || t_fail "256 MiB streamed" "rc=$rc ok=$ok rss=$rss KiB $(cat "$T/c8.out")"
rm -f "$(home node003)/large.bin" "$(home node004)/large.bin"

# --- a host whose sha256sum lies -------------------------------------------------------
cat > "$FLEET_DIR/bin/sha256sum" <<'EOS'
#!/bin/sh
# on a host with ~/.lie, every checksum is wrong
if [ -e "$HOME/.lie" ]; then /usr/bin/sha256sum "$@" >/dev/null; echo "0000000000000000000000000000000000000000000000000000000000000000  -"; exit 0; fi
exec /usr/bin/sha256sum "$@"
EOS
chmod 755 "$FLEET_DIR/bin/sha256sum"
touch "$(home node005)/.lie"; echo old > "$(home node005)/victim"
"$R" copy "${X[@]}" node005 "$T/blob" victim > "$T/c9.out" 2>&1; rc=$?
[ $rc -eq 1 ] && grep -q 'victim: checksum mismatch on the host' "$T/c9.out" && [ "$(cat "$(home node005)/victim")" = old ] &&
	! ls -A "$(home node005)" | grep -q ronda-copy && t_ok "a lying sha256sum: checksum mismatch, exit 1, destination untouched, temporary removed" ||
	t_fail "checksum mismatch" "rc=$rc $(cat "$T/c9.out") $(ls -A "$(home node005)")"
rm -f "$FLEET_DIR/bin/sha256sum"

# --- one session per host; sshd's buffer; a host that breaks the protocol ------------------
# The login shell finds sh and dd on the fleet's PATH: this sh counts the
# copy scripts it runs, and on a host with ~/.badcopy prints that file
# instead.  On a host with ~/.slowhead both note the RSS of the session's
# sshd in KiB: sh as the script starts (nothing sent yet), dd (which
# writes each file) after stalling a second, so what ronda sent meanwhile
# waits in sshd.
cat > "$T/rss.sh" <<'EOS'
rss() { local p=$PPID s; while [ "$p" -gt 1 ] && [ "$(cat /proc/$p/comm)" != sshd ]; do
	read -r -a s < /proc/$p/stat; p=${s[3]}; done; awk '/^VmRSS/ { print $2 }' /proc/$p/status; }
EOS
cat > "$FLEET_DIR/bin/sh" <<EOS
#!/bin/bash
if [ "\$3" = ronda-copy ]; then
	echo "\$HOME" >> "$T/copy-sessions"
	if [ -e "\$HOME/.badcopy" ]; then cat "\$HOME/.badcopy"; exit 0; fi
	if [ -e "\$HOME/.slowhead" ]; then . "$T/rss.sh"; rss > "\$HOME/.slowhead"; fi
fi
exec /bin/sh "\$@"
EOS
cat > "$FLEET_DIR/bin/dd" <<EOS
#!/bin/bash
if [ -e "\$HOME/.slowhead" ]; then . "$T/rss.sh"; sleep 1; rss >> "\$HOME/.slowhead"; fi
exec /usr/bin/dd "\$@"
EOS
chmod 755 "$FLEET_DIR/bin/sh" "$FLEET_DIR/bin/dd"
: > "$T/copy-sessions"
"$R" copy "${X[@]}" 'node[010-012]' "$T/blob" "$T/tree" once/ > "$T/c13.out" 2>&1; rc=$?
n=$(sort "$T/copy-sessions" | uniq -c | awk '$1 == 1' | wc -l)
[ $rc -eq 0 ] && [ "$(wc -l < "$T/copy-sessions")" -eq 3 ] && [ "$n" -eq 3 ] &&
	grep -q '^node011: sent 5, unchanged 0, attrs 0, made 6, failed 0' "$T/c13.out" &&
	cmp -s "$T/blob" "$(home node012)/once/blob" && t_ok "a file and a tree to 3 hosts: one copy script (one session) per host" ||
	t_fail "one session per host" "rc=$rc $(sort "$T/copy-sessions" | uniq -c) $(cat "$T/c13.out")"
printf '\036RONDA sent 0\n\036RONDA done\n' > "$(home node013)/.badcopy"
printf '\036RONDA need 0\n' > "$(home node014)/.badcopy"
timeout 60 "$R" copy "${X[@]}" --json 'node[013-015]' "$T/blob" bad.bin > "$T/c14.json" 2>/dev/null; rc=$?
st() { jq -r "select(.host == \"$1\") | \"\(.status) \(.error)\"" "$T/c14.json"; }
[ $rc -eq 2 ] && [[ $(st node013) == "protocol the copy script gave an answer not understood"* ]] &&
	[[ $(st node014) == "protocol "* ]] && [[ $(st node015) == "ok "* ]] &&
	t_ok "an answer out of turn and a script that stops: protocol, exit 2, the good host done" ||
	t_fail "hosts that break the copy protocol" "rc=$rc $(cat "$T/c14.json")"
# 8 MiB against sshd's 2 MiB window: without a limit of ours, 2 MiB more in sshd
head -c 8M /dev/urandom > "$T/big"; touch "$(home node016)/.slowhead"
"$R" copy "${X[@]}" node016 "$T/big" big.bin > "$T/c15.out" 2>&1; rc=$?
read -r -d '' base stalled < "$(home node016)/.slowhead"
[ $rc -eq 0 ] && cmp -s "$T/big" "$(home node016)/big.bin" && [ -n "$stalled" ] && [ $((stalled - base)) -lt 1024 ] &&
	t_ok "8 MiB to a host whose dd stalls: sshd grew $((stalled - base)) KiB (< 1 MiB; the window is 2 MiB)" ||
	t_fail "sshd's buffer bounded" "rc=$rc base=$base stalled=$stalled $(cat "$T/c15.out")"
rm -f "$FLEET_DIR/bin/sh" "$FLEET_DIR/bin/dd" "$(home node013)/.badcopy" "$(home node014)/.badcopy" "$(home node016)/.slowhead"

# --- a full disk, permission denied -------------------------------------------------------
mkdir -p "$(home node006)/full"
if mount -t tmpfs -o size=64k ronda-copy-full "$(home node006)/full"; then
	"$R" copy "${X[@]}" node006 "$T/blob" "$T/tree" full/ > "$T/c10.out" 2>&1; rc=$?
	[ $rc -eq 1 ] && grep -q 'blob: .*No space left on device' "$T/c10.out" && grep -q 'tree/a: not sent' "$T/c10.out" &&
		[ -z "$(ls -A "$(home node006)/full" | grep ronda-copy)" ] && t_ok "a full disk: No space left on device, exit 1, nothing half written" ||
		t_fail "a full disk" "rc=$rc $(cat "$T/c10.out")"
	umount "$(home node006)/full"
else
	t_fail "mount a small tmpfs for the full disk"
fi
"$R" copy "${X[@]}" -u rondatest node007 "$T/blob" denied.bin > "$T/c11.out" 2>&1; rc=$?
[ $rc -eq 1 ] && grep -q 'denied.bin: .*Permission denied' "$T/c11.out" && [ ! -e "$(home node007)/denied.bin" ] &&
	t_ok "permission denied: the host's message, exit 1" || t_fail "permission denied" "rc=$rc $(cat "$T/c11.out")"

# --- exit codes -----------------------------------------------------------------------------
"$R" copy "${X[@]}" 'node008,closed' "$T/blob" x.bin > "$T/c12.out" 2>&1; rc=$?
[ $rc -eq 2 ] && grep -q '^node008: sent 1' "$T/c12.out" && t_ok "an unreachable host: exit 2, the others done" || t_fail "unreachable: exit 2" "rc=$rc $(cat "$T/c12.out")"
"$R" copy "${X[@]}" node008 "$T/blob" > /dev/null 2>&1; rc1=$?
"$R" copy "${X[@]}" node008 "$T/nothere" x > /dev/null 2>"$T/ne.err"; rc2=$?
"$R" fetch "${X[@]}" node008 / "$T/f0" > /dev/null 2>&1; rc3=$?
[ $rc1 -eq 64 ] && [ $rc2 -eq 64 ] && grep -q 'No such file' "$T/ne.err" && [ $rc3 -eq 64 ] &&
	t_ok "usage: no DEST, a missing SRC, fetch of / all exit 64" || t_fail "usage exits" "$rc1 $rc2 $rc3 $(cat "$T/ne.err")"

# --- fetch from 20 hosts ----------------------------------------------------------------------
"$R" fetch "${X[@]}" --json "$H20" blob.bin trees "$T/got" > "$T/f1.json" 2>"$T/f1.err"; rc=$?
bad=0; for i in $(seq -f %03g 1 20); do
	cmp -s "$(home node$i)/blob.bin" "$T/got/node$i/blob.bin" || bad=$((bad + 1))
	diff -r --no-dereference "$T/tree" "$T/got/node$i/trees/tree" >/dev/null || bad=$((bad + 1))
done
[ $rc -eq 0 ] && [ $bad -eq 0 ] && [ "$(jq -r select\(.status==\"ok\"\).host "$T/f1.json" | wc -l)" -eq 20 ] &&
	t_ok "fetch from 20 hosts into LOCALDIR/HOST/: same bytes and trees" || t_fail "fetch from 20 hosts" "rc=$rc bad=$bad $(head -3 "$T/f1.err")"
"$R" fetch "${X[@]}" node009 nothere "$T/got" > "$T/f2.out" 2>&1; rc=$?
[ $rc -eq 1 ] && grep -q 'nothere: No such file or directory' "$T/f2.out" && t_ok "fetch of a missing path: the host's message, exit 1" || t_fail "fetch missing" "rc=$rc $(cat "$T/f2.out")"

# --- hostile hosts: a fake sh on PATH answers the fetch script --------------------------------
# The login shell finds sh on the fleet's PATH; on a host with ~/.hostile,
# the fetch script's "sh" prints that file instead of running.
cat > "$FLEET_DIR/bin/sh" <<'EOS'
#!/bin/bash
if [ -e "$HOME/.hostile" ] && [ "$3" = ronda-fetch ]; then cat "$HOME/.hostile"; exit 0; fi
exec /bin/sh "$@"
EOS
chmod 755 "$FLEET_DIR/bin/sh"
mkdir -p "$T/outside"
SHA_HI=$(printf 'hi\n' | sha256sum | cut -d' ' -f1)
hostile() { printf '\036RONDA fetch 1\n'; printf "$@"; }
hostile 'F 644 3 %s ../../escape-up\nhi\nZ\n' "$SHA_HI" > "$(home node021)/.hostile"
hostile 'F 644 3 %s %s/abs-escape\nhi\nZ\n' "$SHA_HI" "$T/outside" > "$(home node022)/.hostile"
hostile 'L link\n%s\nF 644 3 %s link/through-link\nhi\nD 755 link\nZ\n' "$T/outside" "$SHA_HI" > "$(home node023)/.hostile"
hostile 'F 644 3 %s ok\0../x\nhi\nZ\n' "$SHA_HI" > "$(home node024)/.hostile"
"$R" fetch "${X[@]}" --json 'node[021-024]' x "$T/hostile" > "$T/f3.json" 2>"$T/f3.err"; rc=$?
st() { jq -r "select(.host == \"$1\") | \"\(.status) \(.error) \(.stderr)\"" "$T/f3.json"; }
escaped=$(find "$T/outside" "$T/got" "$T" -maxdepth 1 -name '*escape*' | wc -l)
[ "$(find "$T/outside" -mindepth 1 | wc -l)" -eq 0 ] && [ "$escaped" -eq 0 ] && [ ! -e "$T/escape-up" ] &&
	t_ok "hostile names: nothing written outside LOCALDIR/HOST" || t_fail "nothing outside" "$(find "$T/outside" "$T" -maxdepth 2 -name '*escape*')"
[[ $(st node021) == "protocol the host sent an unsafe name"* ]] && t_ok "a ../ name: protocol error" || t_fail "a ../ name" "$(st node021)"
[[ $(st node022) == "protocol the host sent an unsafe name"* ]] && t_ok "an absolute name: protocol error" || t_fail "an absolute name" "$(st node022)"
[[ $(st node023) == "failed "*"link/through-link: a symbolic link or a file is in the way"* ]] && [ -L "$T/hostile/node023/link" ] &&
	t_ok "a link then a file through it: the link is made, the file refused, failed" || t_fail "write through a link" "$(st node023)"
[[ $(st node024) == "protocol the host sent a NUL"* ]] && t_ok "a NUL in a name: protocol error" || t_fail "a NUL in a name" "$(st node024)"
[ $rc -eq 2 ] && t_ok "hostile hosts: exit 2" || t_fail "hostile hosts: exit 2" "rc=$rc"
# LOCALDIR/HOST itself a link from someone else: refused, not followed
mkdir -p "$T/l2"; ln -s "$T/outside" "$T/l2/node021"; rm -f "$(home node021)/.hostile"
"$R" fetch "${X[@]}" --json node021 blob.bin "$T/l2" > "$T/f4.json" 2>/dev/null; rc=$?
[ $rc -eq 2 ] && [ "$(find "$T/outside" -mindepth 1 | wc -l)" -eq 0 ] && t_ok "LOCALDIR/HOST a link: refused, exit 2" || t_fail "LOCALDIR/HOST a link" "rc=$rc $(cat "$T/f4.json")"
rm -f "$FLEET_DIR/bin/sh"

t_finish
