#!/bin/bash
# 71-install.sh - make install / make uninstall into a throwaway DESTDIR:
# what goes where, the installed ronda finds the agent beside it, files
# under /etc are never overwritten, uninstall leaves only /etc.
source "$(dirname "$0")/../lib.sh"
cd "$TOP"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
D=$tmp/root
P=/usr/local

if make -s NODEPS=1 BUILD="$BUILD" install DESTDIR="$D" >"$tmp/log" 2>&1; then t_ok "make install DESTDIR"
else t_fail "make install DESTDIR" "$(tail -5 "$tmp/log")"; fi

missing=""
for f in $P/bin/ronda $P/bin/ronda-agent $P/bin/ronda-agent.aarch64 $P/libexec/ronda/ronda-prune \
	$P/share/man/man1/ronda.1 $P/share/man/man8/ronda-agent.8 \
	$P/share/man/man5/ronda-inventory.5 $P/share/man/man5/ronda-playbook.5 \
	$P/share/doc/ronda/examples/inventory.cfg $P/share/doc/ronda/examples/playbooks/patrol.cfg \
	$P/share/doc/ronda/examples/playbooks/logclean.cfg $P/share/doc/ronda/PROTOCOL.md \
	$P/share/doc/ronda/examples/slurm/ronda-patrol.sbatch $P/share/doc/ronda/examples/slurm/ronda-slurm-patrol \
	$P/share/doc/ronda/examples/kubernetes/ronda-patrol-job.yaml $P/share/doc/ronda/examples/kubernetes/kustomization.yaml \
	$P/share/bash-completion/completions/ronda \
	$P/lib/systemd/system/ronda-patrol@.service $P/lib/systemd/system/ronda-patrol@.timer \
	$P/lib/systemd/system/ronda-logclean@.service $P/lib/systemd/system/ronda-logclean@.timer \
	$P/lib/systemd/user/ronda-serve@.service \
	/etc/ronda/inventory.cfg /etc/ronda/playbooks/patrol.cfg /etc/ronda/playbooks/oncall.cfg \
	/etc/ronda/playbooks/logclean.cfg /etc/default/ronda; do
	[ -f "$D$f" ] || missing="$missing $f"
done
if [ -z "$missing" ]; then t_ok "every file installed"; else t_fail "every file installed" "missing:$missing"; fi
[ -x "$D$P/bin/ronda" ] && [ -x "$D$P/libexec/ronda/ronda-prune" ] && t_ok "programs are executable" || t_fail "programs are executable"

# Units name the installed paths, not @PLACEHOLDERS@ or the build tree.
u=$D$P/lib/systemd/system/ronda-patrol@.service
if grep -q "ExecStart=$P/bin/ronda run" "$u" && grep -q "ExecStartPre=$P/libexec/ronda/ronda-prune" "$u" &&
	grep -q "^ExecStart=$P/bin/ronda serve " "$D$P/lib/systemd/user/ronda-serve@.service" &&
	! grep -q '@[A-Z]*@' "$D$P"/lib/systemd/system/* "$D$P"/lib/systemd/user/* "$D$P/libexec/ronda/ronda-prune"; then
	t_ok "units and ronda-prune carry PREFIX paths"
else
	t_fail "units and ronda-prune carry PREFIX paths" "$(grep -n 'Exec\|@[A-Z]*@' "$u")"
fi

"$D$P/bin/ronda" --version | grep -q '^ronda ' && t_ok "installed ronda --version" || t_fail "installed ronda --version"
# ... which lists both agents beside it, with the hashes of the built ones
v=$("$D$P/bin/ronda" --version)
if grep -qx "agent x86_64 sha256:$(sha256sum < "$BUILD/ronda-agent" | cut -d' ' -f1) $D$P/bin/ronda-agent" <<<"$v" &&
	grep -qx "agent aarch64 sha256:$(sha256sum < "$BUILD/ronda-agent.aarch64" | cut -d' ' -f1) $D$P/bin/ronda-agent.aarch64" <<<"$v"; then
	t_ok "installed ronda --version lists the x86_64 and aarch64 agents with their hashes"
else
	t_fail "installed ronda --version lists both agents" "$v"
fi
"$D$P/bin/ronda-agent" --version | grep -q '^ronda-agent ' && t_ok "installed ronda-agent --version" || t_fail "installed ronda-agent --version"

# The installed ronda loads the agent beside it before it connects: with
# the agent there, the run gets as far as the (closed) port; without it,
# it stops at "cannot find ronda-agent" / "use --agent".
chk() { "$D$P/bin/ronda" check -u nobody -p 1 --connect-timeout 1 --retries 0 127.0.0.1 load 2>&1; }
out=$(chk)
if ! grep -q 'agent' <<<"$out" && grep -qE 'unreachable|refused' <<<"$out"; then t_ok "installed ronda finds ronda-agent beside it"
else t_fail "installed ronda finds ronda-agent beside it" "$out"; fi
mv "$D$P/bin/ronda-agent" "$tmp/agent"
out=$(chk); rc=$?
if grep -q 'use --agent' <<<"$out"; then t_ok "without the agent beside it ronda says so (rc $rc)"
else t_fail "without the agent beside it ronda says so" "$out"; fi
mv "$tmp/agent" "$D$P/bin/ronda-agent"

# Configuration survives a second install; programs are replaced.
echo '# mine' >> "$D/etc/ronda/inventory.cfg"
echo '# mine' >> "$D/etc/default/ronda"
echo junk > "$D$P/share/man/man1/ronda.1"
make -s NODEPS=1 BUILD="$BUILD" install DESTDIR="$D" >"$tmp/log" 2>&1
if tail -1 "$D/etc/ronda/inventory.cfg" | grep -q '# mine' && tail -1 "$D/etc/default/ronda" | grep -q '# mine' &&
	grep -q 'keeping .*/etc/ronda/inventory.cfg' "$tmp/log"; then
	t_ok "reinstall keeps changed /etc files"
else
	t_fail "reinstall keeps changed /etc files" "$(cat "$tmp/log")"
fi
cmp -s packaging/man/ronda.1 "$D$P/share/man/man1/ronda.1" && t_ok "reinstall replaces the rest" || t_fail "reinstall replaces the rest"

# Another PREFIX, as the .deb uses.
if make -s NODEPS=1 BUILD="$BUILD" install DESTDIR="$tmp/usr" PREFIX=/usr >/dev/null 2>&1 &&
	grep -q '^ExecStart=/usr/bin/ronda run' "$tmp/usr/usr/lib/systemd/system/ronda-patrol@.service" &&
	[ -x "$tmp/usr/usr/bin/ronda-agent" ]; then
	t_ok "PREFIX=/usr"
else
	t_fail "PREFIX=/usr"
fi

if make -s NODEPS=1 BUILD="$BUILD" uninstall DESTDIR="$D" >"$tmp/log" 2>&1; then t_ok "make uninstall"
else t_fail "make uninstall" "$(tail -5 "$tmp/log")"; fi
left=$(cd "$D" && find . -type f ! -path './etc/*' | sort)
if [ -z "$left" ] && [ -f "$D/etc/ronda/inventory.cfg" ]; then t_ok "uninstall removes every file but /etc"
else t_fail "uninstall removes every file but /etc" "left: $left"; fi

t_finish
