#!/bin/bash
# 73-deb.sh - the Debian package: build it, lintian (no errors), install
# it on this machine with dpkg -i, use it (versions, man, the ronda user,
# the units' command line as that user), check the units with
# systemd-analyze verify and security, reinstall over a changed conffile,
# then remove and purge it and check that nothing is left.
#
# Needs root (dpkg -i).  It installs the package `ronda` on this machine
# for a few seconds; a ronda package already installed is purged first.
source "$(dirname "$0")/../lib.sh"
cd "$TOP"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Exposure (systemd-analyze security: 0.0 best .. 10.0) the units may have
# at most; --threshold counts in tenths.
MAX_EXPOSURE=2.0

if [ "$(id -u)" -ne 0 ]; then
	t_fail "73-deb needs root" "dpkg -i"; t_finish; exit
fi
dpkg_() { # dpkg waits for nobody: retry while another dpkg holds the lock
	local i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		dpkg "$@" >"$tmp/dpkg.log" 2>&1 && return 0
		grep -q 'lock' "$tmp/dpkg.log" || { cat "$tmp/dpkg.log"; return 1; }
		sleep 3
	done
	cat "$tmp/dpkg.log"; return 1
}
if dpkg-query -W -f='${db:Status-Status}' ronda 2>/dev/null | grep -qv not-installed; then
	echo "73-deb: purging the ronda package left installed"
	dpkg_ --purge ronda
fi

deb=$(packaging/debian/build-deb.sh "$BUILD" 2>"$tmp/build.err" | tail -1)
if [ -f "$deb" ]; then t_ok "build-deb.sh built $deb"; else t_fail "build-deb.sh" "$(cat "$tmp/build.err")"; t_finish; exit; fi

# ---- metadata ----
dpkg-deb -f "$deb" Depends > "$tmp/depends"
# libssh2-1 is a dependency exactly when ronda links the system's libssh2
# (>= 1.11.1); Debian 12's is older, so there it is linked in instead.
if ldd "$BUILD/ronda" | grep -q 'libssh2\.so'; then ssh2_dep=yes; else ssh2_dep=no; fi
if grep -q 'libssh2-1' "$tmp/depends"; then ssh2_got=yes; else ssh2_got=no; fi
if [ "$ssh2_dep" = "$ssh2_got" ] && grep -q 'libev4' "$tmp/depends" && grep -q 'libconfig9' "$tmp/depends" &&
	grep -q 'adduser' "$tmp/depends"; then
	t_ok "Depends from dpkg-shlibdeps: $(cat "$tmp/depends")"
else
	t_fail "Depends from dpkg-shlibdeps" "$(cat "$tmp/depends")"
fi
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles > "$tmp/conffiles"
if [ "$(sort "$tmp/conffiles" | tr '\n' ' ')" = "/etc/default/ronda /etc/ronda/inventory.cfg /etc/ronda/playbooks/logclean.cfg /etc/ronda/playbooks/oncall.cfg /etc/ronda/playbooks/patrol.cfg " ]; then
	t_ok "conffiles: everything under /etc"
else
	t_fail "conffiles" "$(cat "$tmp/conffiles")"
fi
dpkg-deb -c "$deb" > "$tmp/contents"
if grep -q ' root/root .*\./usr/bin/ronda$' "$tmp/contents" && grep -q './usr/share/doc/ronda/copyright$' "$tmp/contents"; then
	t_ok "files owned by root; copyright shipped"
else
	t_fail "files owned by root; copyright shipped" "$(head -3 "$tmp/contents")"
fi

# ---- lintian ----
lintian --info --show-overrides "$deb" > "$tmp/lintian" 2>&1
grep -E '^[EWIO]:' "$tmp/lintian" | sed 's/^/  lintian: /'
# lintian exits 2 as root even when it checked everything, so the proof
# that it did is the override it always shows (the static agent).
if ! grep -q '^E:' "$tmp/lintian" && grep -q '^O: ronda: statically-linked-binary' "$tmp/lintian"; then
	t_ok "lintian: no errors ($(grep -c '^W:' "$tmp/lintian") warning(s))"
else
	t_fail "lintian: no errors" "$(grep -v '^N:' "$tmp/lintian")"
fi

# ronda carries libssh2 1.11.1 where the system's is older: lintian sees
# it, and the override with its reason is what it shows.
if ldd "$BUILD/ronda" | grep -q 'libssh2\.so'; then
	t_ok "ronda links the system's libssh2 (no embedded copy to explain)"
elif grep -q '^O: ronda: embedded-library libssh2' "$tmp/lintian"; then
	t_ok "lintian: the embedded libssh2 1.11.1 is overridden with its reason"
else
	t_fail "lintian: the embedded libssh2 is overridden" "$(grep -i ssh2 "$tmp/lintian")"
fi

# ---- install ----
if dpkg_ -i "$deb"; then t_ok "dpkg -i"; else t_fail "dpkg -i"; t_finish; exit; fi
v=$(/usr/bin/ronda --version); va=$(/usr/bin/ronda-agent --version)
[[ $v == "ronda "* ]] && t_ok "installed: $v" || t_fail "ronda --version" "$v"
[[ $va == "ronda-agent "* ]] && t_ok "installed: $va" || t_fail "ronda-agent --version" "$va"
# The package carries every built agent, each named with its hash.
want=""
for a in "$BUILD"/ronda-agent "$BUILD"/ronda-agent.*; do
	[ -e "$a" ] || continue
	ff=$(file -b "$a"); arch=$(case $ff in *x86-64*) echo x86_64 ;; *aarch64*) echo aarch64 ;; esac)
	want="$want agent $arch sha256:$(sha256sum < "/usr/bin/${a##*/}" 2>/dev/null | cut -d' ' -f1) /usr/bin/${a##*/}"
done
got=$(grep '^agent ' <<<"$v" | tr '\n' ' ')
[[ $want == *aarch64* ]] && [ "$got" = "${want# } " ] && t_ok "the package carries every built agent:$want" \
	|| t_fail "the package carries every built agent" "want:$want got: $got"
file -b /usr/bin/ronda-agent.aarch64 | grep -q 'ARM aarch64.*statically linked' && t_ok "/usr/bin/ronda-agent.aarch64 is a static aarch64 executable" \
	|| t_fail "/usr/bin/ronda-agent.aarch64" "$(file -b /usr/bin/ronda-agent.aarch64 2>&1)"
m=$(man -w ronda 2>&1)
[ "$m" = /usr/share/man/man1/ronda.1.gz ] && t_ok "man -w ronda: $m" || t_fail "man -w ronda" "$m"
m=""
for p in 5:ronda-inventory 5:ronda-playbook 8:ronda-agent; do man -w "${p%%:*}" "${p#*:}" >/dev/null 2>&1 || m="$m ${p#*:}"; done
[ -z "$m" ] && t_ok "man -w finds sections 5 and 8" || t_fail "man -w finds sections 5 and 8" "$m"
if [ "$(stat -c '%U %a' /var/lib/ronda /var/lib/ronda/.ssh | tr '\n' ' ')" = "ronda 750 ronda 700 " ] &&
	[ "$(getent passwd ronda | cut -d: -f6)" = /var/lib/ronda ] && [ "$(id -u ronda)" -lt 1000 ]; then
	t_ok "system user ronda, home /var/lib/ronda (0750), .ssh (0700)"
else
	t_fail "system user ronda" "$(getent passwd ronda); $(stat -c '%n %U %a' /var/lib/ronda /var/lib/ronda/.ssh 2>&1)"
fi

# ---- the units ----
units="ronda-patrol@patrol.service ronda-patrol@patrol.timer ronda-logclean@logclean.service ronda-logclean@logclean.timer"
# shellcheck disable=SC2086
out=$(systemd-analyze verify $units 2>&1); rc=$?
if [ $rc = 0 ] && [ -z "$out" ]; then t_ok "systemd-analyze verify: $units"; else t_fail "systemd-analyze verify" "rc $rc: $out"; fi
# the warm daemon's user unit, as a user manager would read it
mkdir -p "$tmp/rt" && chmod 700 "$tmp/rt" && cp /usr/lib/systemd/user/ronda-serve@.service "$tmp/rt/ronda-serve@all.service"
out=$(XDG_RUNTIME_DIR=$tmp/rt systemd-analyze --user verify "$tmp/rt/ronda-serve@all.service" 2>&1); rc=$?
if [ $rc = 0 ] && [ -z "$out" ]; then t_ok "systemd-analyze --user verify: ronda-serve@all.service"; else t_fail "systemd-analyze --user verify ronda-serve@" "rc $rc: $out"; fi
for u in ronda-patrol@patrol.service ronda-logclean@logclean.service; do
	systemd-analyze security --offline=yes --threshold="${MAX_EXPOSURE/./}" "$u" > "$tmp/sec" 2>&1; rc=$?
	score=$(sed -n 's/.*Overall exposure level for .*: \([0-9.]*\) .*/\1/p' "$tmp/sec")
	if [ $rc = 0 ] && [ -n "$score" ] && awk -v s="$score" -v m=$MAX_EXPOSURE 'BEGIN { exit !(s <= m) }'; then t_ok "systemd-analyze security $u: exposure $score (at most $MAX_EXPOSURE)"
	else t_fail "systemd-analyze security $u" "exposure '$score' rc $rc"; fi
done
grep '^✗' "$tmp/sec" | sed 's/  */ /g; s/^/  not hardened: /'

# The units' own command lines, run as the ronda user (no systemd here):
# ExecStart from the installed unit with %i, the environment defaults and
# RONDA_OPTS pointing at a closed port, so the run finishes at once with
# one unreachable host and writes its run directory and textfile.
exec_line() { # UNIT KEY: the command line of KEY= in UNIT, %i and $VARS expanded
	awk -v k="$2=" 'index($0, k) == 1 { on = 1 } on { c = sub(/\\$/, ""); printf "%s ", $0; if (!c) exit }' \
		"/lib/systemd/system/$1" |
		sed -e "s/^$2=[-+]*//" -e "s/%i/patrol/g" -e 's/\${RONDA_INVENTORY}/\/etc\/ronda\/inventory.cfg/' \
			-e 's/\$RONDA_OPTS/--limit 127.0.0.1 -p 1 --connect-timeout 1 --retries 0/'
}
as_ronda() { setpriv --reuid=ronda --regid=ronda --init-groups env -i HOME=/var/lib/ronda PATH=/usr/bin:/bin RONDA_KEEP_DAYS=30 "$@"; }
pre=$(exec_line ronda-patrol@.service ExecStartPre); start=$(exec_line ronda-patrol@.service ExecStart)
# shellcheck disable=SC2086
as_ronda $pre > "$tmp/pre" 2>&1 && t_ok "as ronda: $pre" || t_fail "as ronda: $pre" "$(cat "$tmp/pre")"
# shellcheck disable=SC2086
as_ronda $start > "$tmp/start" 2>&1; rc=$?
runs=$(find /var/lib/ronda/runs/patrol -name run.json 2>/dev/null | wc -l)
if [ $rc = 2 ] && [ "$runs" = 1 ] && [ -s /var/lib/ronda/prom/ronda-patrol.prom ] &&
	[ "$(stat -c %U /var/lib/ronda/prom/ronda-patrol.prom)" = ronda ]; then
	t_ok "as ronda: ExecStart wrote a run directory and the textfile (exit 2, a result: SuccessExitStatus)"
else
	t_fail "as ronda: ExecStart" "rc $rc runs $runs: $(cat "$tmp/start")"
fi
grep -q '^SuccessExitStatus=1 2$' /lib/systemd/system/ronda-patrol@.service &&
	t_ok "exit 1 and 2 do not fail the unit" || t_fail "exit 1 and 2 do not fail the unit"
# The ronda user cannot write the operator's configuration.
if as_ronda sh -c ': >> /etc/ronda/inventory.cfg' 2>/dev/null; then t_fail "ronda cannot write /etc/ronda"
else t_ok "ronda cannot write /etc/ronda"; fi

# ---- upgrade keeps a changed conffile ----
echo '# changed by the operator' >> /etc/ronda/inventory.cfg
if dpkg_ -i "$deb" && tail -1 /etc/ronda/inventory.cfg | grep -q 'changed by the operator'; then
	t_ok "reinstall keeps a changed conffile"
else
	t_fail "reinstall keeps a changed conffile" "$(tail -2 /etc/ronda/inventory.cfg)"
fi

# ---- remove, purge ----
files=$(dpkg -L ronda | while read -r f; do [ -f "$f" ] && echo "$f"; done)
dpkg_ -r ronda && t_ok "dpkg -r" || t_fail "dpkg -r"
left=$(for f in $files; do case $f in /etc/*) ;; *) [ -e "$f" ] && echo "$f" ;; esac; done)
[ -z "$left" ] && [ -f /etc/ronda/inventory.cfg ] && t_ok "dpkg -r removes the files, keeps conffiles" ||
	t_fail "dpkg -r removes the files, keeps conffiles" "left: $left"
dpkg_ --purge ronda && t_ok "dpkg --purge" || t_fail "dpkg --purge"
left=$(for f in $files /etc/ronda /var/lib/ronda; do [ -e "$f" ] && echo "$f"; done)
st=$(dpkg-query -W -f='${db:Status-Status}' ronda 2>/dev/null)
if [ -z "$left" ] && [ "$st" != installed ] && [ "$st" != config-files ]; then t_ok "purged: no file left (the system user stays, as Debian does)"
else t_fail "purged: no file left" "status '$st', left: $left"; fi

t_finish
