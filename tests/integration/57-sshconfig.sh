#!/bin/bash
# 57-sshconfig.sh - ronda's ssh_config resolution against the real one:
# for each case of a generated corpus (tests/tools/sshconfig-corpus.py,
# fixed seed) `ssh -G` and build/sshconfig-resolve print the keywords ronda
# resolves, and every line must agree.  "F" cases use -F (so the machine's
# own /etc/ssh/ssh_config is never read); "home" cases run both programs in
# a private user+mount namespace where the case's files are mounted over
# the home directory and /etc/ssh, so ssh's defaults (~/.ssh/config, then
# /etc/ssh/ssh_config, relative Includes) are exercised without touching
# the real ones.  Without that namespace those cases are skipped, and said.
source "$(dirname "$0")/../lib.sh"
cd "$TOP"
RES=$BUILD/sshconfig-resolve
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
KEYS='hostname|user|port|identityfile|certificatefile|identitiesonly|identityagent|proxyjump|proxycommand|connecttimeout|connectionattempts|serveraliveinterval|serveralivecountmax|stricthostkeychecking|userknownhostsfile|globalknownhostsfile|hostkeyalias|addressfamily|hostkeyalgorithms|kexalgorithms|ciphers|macs'
NKEYS=$(echo "$KEYS" | tr '|' '\n' | wc -l)

command -v ssh >/dev/null || { t_ok "ssh not installed: skipped"; t_finish; exit; }
python3 tests/tools/sshconfig-corpus.py "$tmp/c" "${SSHCONFIG_CASES:-240}"
pwhome=$(getent passwd "$(id -u)" | cut -d: -f6)
ns=0
if unshare -Urm true 2>/dev/null; then ns=1; fi

# pick FILE: the compared lines, in a stable order (ssh prints them in
# its own order; identityfile and certificatefile keep theirs).
pick() { grep -E "^($KEYS) " "$1" | sort -s -k1,1; }

# run_case ID MODE HOST EXTRA: writes $tmp/ssh.out and $tmp/ronda.out.
run_case() {
	local id=$1 mode=$2 host=$3 extra=$4 d=$tmp/c/$1
	case $mode in
	F) ssh -G -F "$d/config" $extra "$host" >"$tmp/ssh.raw" 2>"$tmp/ssh.err"
	   echo $? >"$tmp/ssh.rc"
	   "$RES" -F "$d/config" -H "$pwhome" $extra "$host" >"$tmp/ronda.raw" 2>"$tmp/ronda.err"
	   echo $? >"$tmp/ronda.rc" ;;
	none) ssh -G -F none $extra "$host" >"$tmp/ssh.raw" 2>"$tmp/ssh.err"; echo $? >"$tmp/ssh.rc"
	   "$RES" -F none -H "$pwhome" $extra "$host" >"$tmp/ronda.raw" 2>"$tmp/ronda.err"
	   echo $? >"$tmp/ronda.rc" ;;
	home) chmod -R go-w "$d"
	   # inside: uid 0, whose home is root's; both see the same files
	   local h; h=$(getent passwd 0 | cut -d: -f6)
	   unshare -Urm sh -c '
		mount --bind "$1/home" "$2" && mount --bind "$1/etc" /etc/ssh || exit 99
		shift 2; t=$1; res=$2; h=$3; host=$4; shift 4
		ssh -G "$@" "$host" >"$t/ssh.raw" 2>"$t/ssh.err"; echo $? >"$t/ssh.rc"
		"$res" -H "$h" "$@" "$host" >"$t/ronda.raw" 2>"$t/ronda.err"; echo $? >"$t/ronda.rc"
	   ' sh "$d" "$h" "$tmp" "$RES" "$h" "$host" $extra ;;
	esac
}

n=0 agree=0 errors=0 skipped=0
while IFS=$'\t' read -r id mode host extra; do
	if [ "$mode" = home ] && [ $ns = 0 ]; then skipped=$((skipped + 1)); continue; fi
	run_case "$id" "$mode" "$host" "$extra"
	n=$((n + 1))
	src=$(rc=$(cat "$tmp/ssh.rc"); [ "$rc" = 0 ] && echo ok || echo fail)
	dst=$(rc=$(cat "$tmp/ronda.rc"); [ "$rc" = 0 ] && echo ok || echo fail)
	if [ "$src" != "$dst" ]; then
		t_fail "case $id ($mode $host $extra)" "ssh: $src ($(head -c 200 "$tmp/ssh.err")), ronda: $dst ($(head -c 200 "$tmp/ronda.err"))"
		continue
	fi
	if [ "$src" = fail ]; then errors=$((errors + 1)); agree=$((agree + 1)); continue; fi
	pick "$tmp/ssh.raw" >"$tmp/ssh.out"
	pick "$tmp/ronda.raw" >"$tmp/ronda.out"
	if ! diff -u "$tmp/ssh.out" "$tmp/ronda.out" >"$tmp/diff"; then
		t_fail "case $id ($mode $host $extra)" "$(grep '^[-+][a-z]' "$tmp/diff" | head -6 | tr '\n' '|')"
		continue
	fi
	agree=$((agree + 1))
done <"$tmp/c/cases"
[ "$skipped" = 0 ] || t_ok "no user namespace here: $skipped home cases skipped"
t_check "corpus of at least 200 cases" [ "$n" -ge 200 ]
t_check "$n cases, $NKEYS keywords, $agree agree ($errors rejected by both)" [ "$agree" = "$n" ]
t_finish
