#!/bin/bash
# 00-lint.sh - source rules that the compiler cannot check.
source "$(dirname "$0")/../lib.sh"
cd "$TOP"

srcs=$(git ls-files '*.c' 2>/dev/null || find . -name '*.c' -not -path './build*')
missing=""
for f in $srcs; do
	grep -q '#include "banned.h"' "$f" || missing="$missing $f"
done
if [ -z "$missing" ]; then t_ok "every .c includes banned.h"; else t_fail "every .c includes banned.h" "missing in:$missing"; fi

# banned.h must really ban: a file that calls strcpy must not compile.
tmp=$(mktemp -d)
printf '#include <string.h>\n#include "banned.h"\nvoid f(char *d);\nvoid f(char *d) { strcpy(d, "x"); }\n' > "$tmp/b.c"
if cc -Icommon -c -o "$tmp/b.o" "$tmp/b.c" 2>"$tmp/err"; then
	t_fail "banned.h rejects strcpy" "it compiled"
elif grep -q sorry_strcpy_is_banned "$tmp/err"; then
	t_ok "banned.h rejects strcpy"
else
	t_fail "banned.h rejects strcpy" "failed for another reason: $(head -3 "$tmp/err")"
fi
rm -rf "$tmp"

# The layering rules are compile errors: each side is built with only its
# own folder and common/ on the include path (the flags are read from the
# build's own command lines), so an include across binaries fails, and
# common/ sees neither side.  A positive probe shows the flags work at all.
tmp=$(mktemp -d)
incs() { make -s -n NODEPS=1 -W "$1" "build/${1%.c}.o" | grep -o -- ' -I[^ ]*' | tr '\n' ' '; }
probe() { # NAME FLAGS HEADER want(ok|fail)
	printf '#include "%s"\n#include "banned.h"\n' "$3" > "$tmp/p.c"
	if cc -D_GNU_SOURCE $2 -fsyntax-only "$tmp/p.c" 2>"$tmp/err"; then got=ok; else got=fail; fi
	if [ "$got" = "$4" ] && { [ "$4" = ok ] || grep -q "$3: No such file" "$tmp/err"; }; then
		t_ok "$1"
	else
		t_fail "$1" "flags '$2': $got; $(head -2 "$tmp/err")"
	fi
}
agent=$(incs agent/job.c); orch=$(incs orchestrator/ssh/engine.c); common=$(incs common/buf.c)
probe "the agent sees its own headers" "$agent" job.h ok
probe "the agent cannot include the orchestrator" "$agent" ssh/engine.h fail
probe "the agent cannot include the orchestrator's top" "$agent" cli.h fail
probe "the orchestrator sees its rooms" "$orch" ssh/engine.h ok
probe "the orchestrator cannot include the agent" "$orch" job.h fail
probe "common/ cannot include the orchestrator" "$common" inventory/target.h fail
probe "common/ cannot include the agent" "$common" sandbox.h fail
rm -rf "$tmp"
# ... and no include walks out of its folder with "../".
bad=$(git grep -nE '#include "[^"]*\.\./' -- '*.c' '*.h' 2>/dev/null || true)
if [ -z "$bad" ]; then t_ok "no include climbs out with ../"; else t_fail "no include climbs out with ../" "$bad"; fi

# Scripts must stop only what they started.
bad=$(grep -rnE '\b(pkill|killall)\b' tests packaging Makefile 2>/dev/null | grep -v '00-lint.sh' || true)
if [ -z "$bad" ]; then t_ok "no pkill or killall"; else t_fail "no pkill or killall" "$bad"; fi

if file "$BUILD/ronda-agent" | grep -q 'statically linked'; then
	t_ok "ronda-agent is statically linked"
else
	t_fail "ronda-agent is statically linked" "$(file "$BUILD/ronda-agent")"
fi
if "$BUILD/ronda-agent" --version | grep -q '^ronda-agent '; then t_ok "ronda-agent --version"; else t_fail "ronda-agent --version"; fi
if "$BUILD/ronda" --version | grep -q '^ronda '; then t_ok "ronda --version"; else t_fail "ronda --version"; fi
# Every agent that is pushed is stripped and at most 1.5 MiB, and ronda
# --version lists each with its SHA-256.
for a in "$BUILD"/ronda-agent "$BUILD"/ronda-agent.*; do
	[ -e "$a" ] || continue
	f=$(file -b "$a"); sz=$(stat -c %s "$a"); h=$(sha256sum < "$a" | cut -d' ' -f1)
	arch=$(case $f in *x86-64*) echo x86_64 ;; *aarch64*) echo aarch64 ;; *) echo "?" ;; esac)
	if [[ $f == *"statically linked"*", stripped"* ]] && [ "$sz" -le 1572864 ] &&
		"$BUILD/ronda" --version | grep -qx "agent $arch sha256:$h $a"; then
		t_ok "${a##*/}: static $arch, stripped, $sz bytes, listed by ronda --version"
	else
		t_fail "${a##*/}: static, stripped, at most 1.5 MiB, listed by ronda --version" "$sz bytes: $f; $("$BUILD/ronda" --version | grep agent)"
	fi
done
# ronda needs libssh2 >= 1.11.1 (packaging/libssh2.sh): the one it runs on says so.
v=$("$BUILD/ronda" --version | sed -n 's/^libssh2 \([0-9.]*\) .*/\1/p')
if [ -n "$v" ] && [ "$(printf '%s\n1.11.1\n' "$v" | sort -V | head -1)" = 1.11.1 ]; then
	t_ok "ronda runs on libssh2 $v (>= 1.11.1)"
else
	t_fail "ronda runs on libssh2 >= 1.11.1" "$("$BUILD/ronda" --version | tr '\n' ' ')"
fi

t_finish
