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

t_finish
