#!/bin/bash
# 70-man.sh - the man pages: lint-clean with mandoc and groff, and in step
# with the programs (every subcommand, long option and exit code that the
# --help texts name is in the page).
source "$(dirname "$0")/../lib.sh"
cd "$TOP"
MAN=packaging/man
pages=("$MAN/ronda.1" "$MAN/ronda-agent.8" "$MAN/ronda-inventory.5" "$MAN/ronda-playbook.5")

for p in "${pages[@]}"; do
	out=$(mandoc -Tlint -W warning "$p" 2>&1)
	if [ -z "$out" ]; then t_ok "mandoc -Tlint: $p"; else t_fail "mandoc -Tlint: $p" "$out"; fi
	out=$(groff -mandoc -ww -z "$p" 2>&1)
	if [ -z "$out" ]; then t_ok "groff -ww: $p"; else t_fail "groff -ww: $p" "$out"; fi
	name=$(basename "$p"); name=${name%.*}
	if man -l "$p" 2>/dev/null | grep -q "^NAME"; then t_ok "man renders $name"; else t_fail "man renders $name"; fi
done

# The lint must be able to fail: a page with a bad macro is reported.
tmp=$(mktemp -d)
printf '.Dd today\n.Dt X 1\n.Os\n.Sh NAME\n.Nm x\n.Nd y\n.Sh DESCRIPTION\n.Xx bogus\n' > "$tmp/x.1"
if [ -n "$(mandoc -Tlint -W warning "$tmp/x.1" 2>&1)" ]; then t_ok "mandoc -Tlint reports a bad page"
else t_fail "mandoc -Tlint reports a bad page"; fi
rm -rf "$tmp"

# Words a page must hold, as they appear after mandoc renders it (options
# are written \- in the source).
has() {
	local page=$1; shift
	local text missing=""
	text=$(mandoc -Tascii "$page" | col -bx)
	for w; do grep -qF -- "$w" <<<"$text" || missing="$missing $w"; done
	printf '%s' "$missing"
}

for c in hosts exec check run diff merge copy fetch serve; do
	opts=$("$BUILD/ronda" "$c" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u)
	# shellcheck disable=SC2086
	m=$(has "$MAN/ronda.1" "ronda $c" $opts)
	if [ -z "$m" ]; then t_ok "ronda.1 documents ronda $c and its options"
	else t_fail "ronda.1 documents ronda $c and its options" "missing:$m"; fi
done
codes=$("$BUILD/ronda" --help | sed -n '/Exit status/,$p' | grep -oE '\b[0-9]+\b' | sort -u)
m=""
text=$(mandoc -Tascii "$MAN/ronda.1" | col -bx | sed -n '/^EXIT STATUS/,/^EXAMPLES/p')
for code in $codes; do grep -qE "^ +$code[[:space:]]+" <<<"$text" || m="$m $code"; done
if [ -z "$m" ]; then t_ok "ronda.1 lists every exit code of ronda --help ($(echo $codes))"
else t_fail "ronda.1 lists every exit code" "missing:$m"; fi

opts=$("$BUILD/ronda-agent" --help | grep -oE -- '--[a-z][a-z-]+' | sort -u)
# shellcheck disable=SC2086
m=$(has "$MAN/ronda-agent.8" $opts)
if [ -z "$m" ]; then t_ok "ronda-agent.8 documents every option"; else t_fail "ronda-agent.8 documents every option" "missing:$m"; fi
codes=$("$BUILD/ronda-agent" --help | sed -n '/^exit:/,$p' | grep -oE '\b[0-9]+\b' | sort -u)
text=$(mandoc -Tascii "$MAN/ronda-agent.8" | col -bx | sed -n '/^EXIT STATUS/,/^EXAMPLES/p')
m=""
for code in $codes; do grep -qE "^ +$code[[:space:]]+" <<<"$text" || m="$m $code"; done
if [ -z "$m" ]; then t_ok "ronda-agent.8 lists every exit code"; else t_fail "ronda-agent.8 lists every exit code" "missing:$m"; fi

# Every inventory setting (orchestrator/inventory/settings.c) and every
# playbook key and check type (playbook.c, PROTOCOL.md) is described.
keys=$(sed -n '/settings_keys\[HS_COUNT\] = {/,/^};/p' orchestrator/inventory/settings.c | grep -oE '"[a-z_]+"' | tr -d '"')
# shellcheck disable=SC2086
m=$(has "$MAN/ronda-inventory.5" defaults hosts groups children $keys)
if [ -n "$keys" ] && [ -z "$m" ]; then t_ok "ronda-inventory.5 describes every setting ($(echo $keys))"
else t_fail "ronda-inventory.5 describes every setting" "missing:$m keys:$keys"; fi
checks=$(sed -n '/^| check | keys/,/^$/p' common/PROTOCOL.md | grep -oE '^\| `[a-z]+`' | tr -d '|` ')
ckeys=$(sed -n '/^| check | keys/,/^$/p' common/PROTOCOL.md | cut -d'|' -f3 | grep -oE '`[a-z_]+`' | tr -d '`' | sort -u)
# shellcheck disable=SC2086
m=$(has "$MAN/ronda-playbook.5" name tasks defaults timeout task_timeout become profile \
	write_paths tags when inspect maintain $checks $ckeys)
if [ "$(echo $checks | wc -w)" -ge 12 ] && [ -z "$m" ]; then
	t_ok "ronda-playbook.5 describes every key and check type ($(echo $checks | wc -w) checks)"
else
	t_fail "ronda-playbook.5 describes every key and check type" "missing:$m"
fi

# The examples in the section 5 pages are valid files.
tmp=$(mktemp -d)
awk '/^\.Bd -literal/{f=1;next} /^\.Ed/{exit} f' "$MAN/ronda-inventory.5" > "$tmp/inv.cfg"
awk '/^\.Bd -literal/{f=1;next} /^\.Ed/{exit} f' "$MAN/ronda-playbook.5" > "$tmp/pb.cfg"
if "$BUILD/ronda" hosts -i "$tmp/inv.cfg" all >/dev/null 2>"$tmp/err"; then t_ok "ronda-inventory.5 example loads"
else t_fail "ronda-inventory.5 example loads" "$(cat "$tmp/err")"; fi
if "$BUILD/ronda" run -i "$tmp/inv.cfg" --dry-run "$tmp/pb.cfg" >/dev/null 2>"$tmp/err"; then t_ok "ronda-playbook.5 example loads"
else t_fail "ronda-playbook.5 example loads" "$(cat "$tmp/err")"; fi
rm -rf "$tmp"

t_finish
