#!/bin/bash
# 63-rotate-sandbox.sh - the kernel, not our code, keeps rotation and
# cleanup inside their paths: under maintain, Landlock refuses any write
# outside write_paths even when a task asks for it; a dry run runs under
# inspect and cannot change anything at all.
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/maint-lib.sh"
cd "$TOP"
mkdir -p "$T/ok" "$T/no"
lines 100 a >"$T/ok/a.log"; lines 100 b >"$T/no/b.log"

# olddir outside write_paths: the rename into it is refused by Landlock.
r=$(job maintain '["'"$T"'/ok","'"$T"'/state"]' '[{"name":"r","check":"rotate","path":"'"$T"'/ok/a.log","size":1,"rotate":2,"olddir":"'"$T"'/no","state":"'"$T"'/state/rotate.state"}]')
if grep -q '"landlock":true' "$T/out" && [ "$(jq -r .verdict <<<"$r")" = fail ] && [ "$(ls "$T/no")" = b.log ] \
	&& [ "$(wc -l <"$T/ok/a.log")" = 100 ] && jq -e '.values.skipped[0].reason | test("Permission denied|cross-device")' <<<"$r" >/dev/null; then
	t_ok "Landlock: a rotation told to write outside write_paths creates nothing there"
else
	t_fail "Landlock refuses olddir outside" "$(ls "$T/no") $r"
fi
# A log outside write_paths: nothing renamed, nothing created.
r=$(job maintain '["'"$T"'/ok","'"$T"'/state"]' '[{"name":"r","check":"rotate","path":"'"$T"'/no/b.log","size":1,"rotate":2,"compress":true,"state":"'"$T"'/state/rotate.state"}]')
[ "$(jq -r .verdict <<<"$r")" = fail ] && [ "$(ls "$T/no")" = b.log ] && [ "$(wc -l <"$T/no/b.log")" = 100 ] \
	&& t_ok "Landlock: a log outside write_paths stays as it was" || t_fail "Landlock: log outside" "$(ls "$T/no") $r"
touch -d '9 days ago' "$T/no/b.log"
r=$(job maintain '["'"$T"'/ok"]' '[{"name":"c","check":"cleanup","path":"'"$T"'/no","older_than":1}]')
[ -e "$T/no/b.log" ] && [ "$(jq -r .verdict <<<"$r")" = warn ] && t_ok "Landlock: cleanup outside write_paths deletes nothing" \
	|| t_fail "Landlock: cleanup outside" "$r"

# A dry run: inspect profile, Landlock read-only, and the tree is unchanged.
lines 100 c >"$T/ok/c.log"; echo x >"$T/ok/c.log.1"
before=$(cd "$T" && find ok state -printf '%p %s %m %T@\n' | sort; cat "$T"/state/* 2>/dev/null | sha256sum)
r=$(job inspect '[]' '[{"name":"r","check":"rotate","path":"'"$T"'/ok/*.log","size":1,"rotate":1,"compress":true,"dry_run":true,"state":"'"$T"'/state/rotate.state"}]')
after=$(cd "$T" && find ok state -printf '%p %s %m %T@\n' | sort; cat "$T"/state/* 2>/dev/null | sha256sum)
if [ "$before" = "$after" ] && grep -q '"profile":"inspect","complete":true' "$T/out" && [ "$(val "$r" dry_run)" = true ] \
	&& [ "$(val "$r" files_rotated)" = 2 ] && [ "$(val "$r" files_deleted)" = 1 ] && jq -e '.values.actions[0] | startswith("would ")' <<<"$r" >/dev/null; then
	t_ok "dry run under inspect: reports 2 rotations and 1 deletion, changes nothing"
else
	t_fail "dry run under inspect" "$r"
fi
echo '{"ronda":1,"tasks":[{"check":"rotate","path":"'"$T"'/ok/c.log"}]}' | t_agent run >"$T/o2" 2>/dev/null; rc=$?
[ $rc -eq 65 ] && grep -q 'needs the maintain profile' "$T/o2" && t_ok "a real rotation under inspect is refused before anything runs" \
	|| t_fail "rotate needs maintain" "rc=$rc $(cat "$T/o2")"
# A symlink among write_paths is refused before anything runs, naming it:
# Landlock would otherwise widen the ruleset to the link's target.
mkdir -p "$T/target"; ln -s "$T/target" "$T/ok/link"; lines 100 l >"$T/target/l.log"
job maintain '["'"$T"'/ok/link","'"$T"'/state"]' '[{"name":"r","check":"rotate","path":"'"$T"'/ok/link/l.log","size":1,"rotate":2,"state":"'"$T"'/state/rotate.state"}]' >"$T/res"
if [ $rc -eq 69 ] && [ ! -s "$T/res" ] && [ "$(ls "$T/target")" = l.log ] \
	&& jq -e 'select(.type == "error") | .code == "sandbox" and (.error | test("write path '"$T"'/ok/link: .*/ok/link is a symlink"))' "$T/out" >/dev/null; then
	t_ok "a symlinked write path is refused up front (exit 69), the error names it"
else
	t_fail "symlinked write path refused" "rc=$rc $(cat "$T/out") $(ls "$T/target")"
fi
job maintain '["'"$T"'/ok/link/sub"]' '[]' >"$T/res"
[ $rc -eq 69 ] && grep -q 'ok/link is a symlink' "$T/out" && t_ok "a symlink higher up a write path is refused too" \
	|| t_fail "symlink inside a write path" "rc=$rc $(cat "$T/out")"
rm "$T/ok/link"

# Landlock goes on before tasks are prepared: preparing a rotation whose
# state lies outside write_paths cannot create its directory; the state
# directory that is a write path is created (a first run on a fresh host).
job maintain '["'"$T"'/ok","'"$T"'/fresh"]' '[{"name":"r","check":"rotate","path":"'"$T"'/ok/a.log","size":1,"state":"'"$T"'/outside/rotate.state"}]' >"$T/res"
if [ $rc -eq 65 ] && [ ! -e "$T/outside" ] && grep -q 'creating '"$T"'/outside: Permission denied' "$T/out"; then
	t_ok "preparing cannot create a directory outside write_paths (refused, nothing made)"
else
	t_fail "prepare outside write_paths" "rc=$rc $(ls "$T") $(cat "$T/out")"
fi
job maintain '["'"$T"'/ok","'"$T"'/fresh"]' '[{"name":"r","check":"rotate","path":"'"$T"'/ok/a.log","size":1,"state":"'"$T"'/fresh/rotate.state"}]' >"$T/res"
[ $rc -le 1 ] && [ -d "$T/fresh" ] && [ "$(stat -c %a "$T/fresh")" = 700 ] && [ -s "$T/fresh/rotate.state" ] \
	&& t_ok "a state directory that is a write path is created, 0700, and the state saved" \
	|| t_fail "state directory created" "rc=$rc $(ls -la "$T/fresh" 2>&1) $(cat "$T/out")"

t_finish
