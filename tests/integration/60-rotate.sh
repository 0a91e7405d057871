#!/bin/bash
# 60-rotate.sh - the rotate task on the real agent: logrotate's directives,
# the state file, and each safety rule of issue 6 with its own test.
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/maint-lib.sh"
cd "$TOP"
D=$T/logs
mkdir -p "$D"

# --- size trigger, keep N, compress: names shift, the oldest goes ------------
for i in 1 2 3 4 5; do
	lines 500 "run$i" >>"$D/app.log"
	r=$(rot "$D" '"size":"1k","rotate":3,"compress":true')
done
got=$(cd "$D" && ls | tr '\n' ' ')
if [ "$got" = "app.log app.log.1.gz app.log.2.gz app.log.3.gz " ] && [ ! -s "$D/app.log" ] \
	&& zcat "$D/app.log.1.gz" | head -1 | grep -q '^run5 1 ' && zcat "$D/app.log.3.gz" | head -1 | grep -q '^run3 1 '; then
	t_ok "size + rotate 3 + compress: .1.gz newest, .3.gz oldest, the rest deleted"
else
	t_fail "size + rotate 3 + compress" "$got $r"
fi
[ "$(val "$r" files_deleted)" = 1 ] && [ "$(val "$r" files_rotated)" = 1 ] && [ "$(val "$r" files_compressed)" = 1 ] \
	&& [ "$(val "$r" bytes_freed)" -gt 0 ] && [ "$(val "$r" bytes_after)" -lt "$(val "$r" bytes_before)" ] \
	&& t_ok "report: rotated, compressed, deleted, bytes freed, before > after" || t_fail "report" "$r"
[ "$(stat -c %a "$T/state/rotate.state")" = 600 ] && jq -e '.logs["'"$D"'/app.log"] > 0' "$T/state/rotate.state" >/dev/null \
	&& t_ok "state file is private (0600) JSON" || t_fail "state file is private JSON" "$(ls -l "$T/state")"

# --- daily: first sight records, a new day rotates, the same day does not ----
rm -rf "$D" "$T/state/rotate.state"; mkdir -p "$D"
lines 100 d >"$D/d.log"
r=$(rot "$D" '"frequency":"daily","rotate":5')
[ "$(val "$r" files_rotated)" = 0 ] && [ -s "$D/d.log" ] && t_ok "daily: a log seen first is not rotated (as logrotate)" \
	|| t_fail "daily: first sight" "$r"
seed "$D/d.log" 90000
r1=$(rot "$D" '"frequency":"daily","rotate":5')
lines 10 e >>"$D/d.log"
r2=$(rot "$D" '"frequency":"daily","rotate":5')
if [ "$(val "$r1" files_rotated)" = 1 ] && [ "$(val "$r2" files_rotated)" = 0 ] && [ -s "$D/d.log.1" ] && [ ! -e "$D/d.log.2" ]; then
	t_ok "daily: rotated once after a day, the second run in the day does nothing"
else
	t_fail "daily: twice in one period" "$r1 / $r2"
fi
seed "$D/d.log" $((8 * 86400))
r=$(rot "$D" '"frequency":"weekly","rotate":5')
[ "$(val "$r" files_rotated)" = 1 ] && [ -e "$D/d.log.2" ] && t_ok "weekly: due after 8 days" || t_fail "weekly" "$r"
seed "$D/d.log" 3600
lines 10 f >>"$D/d.log"
r=$(rot "$D" '"frequency":"daily","maxsize":100,"rotate":5')
[ "$(val "$r" files_rotated)" = 1 ] && t_ok "maxsize rotates within the period" || t_fail "maxsize" "$r"
seed "$D/d.log" 90000
echo tiny >>"$D/d.log"
r=$(rot "$D" '"frequency":"daily","minsize":"1M","rotate":5')
[ "$(val "$r" files_rotated)" = 0 ] && t_ok "minsize holds back a due log" || t_fail "minsize" "$r"

# --- a name that is not UTF-8 is kept in the state: rotated once a day ------------
rm -rf "$D" "$T/state/rotate.state"; mkdir -p "$D"
odd=$(printf 'b\xffd%%.log')
# (the log is old too, so without a state entry its .1 would make it due again)
lines 10 u >"$D/$odd"; echo old >"$D/$odd.1"; touch -d '2 days ago' "$D/$odd.1" "$D/$odd"
r1=$(rot "$D" '"frequency":"daily","rotate":5')
lines 10 v >>"$D/$odd"
r2=$(rot "$D" '"frequency":"daily","rotate":5')
if [ "$(val "$r1" files_rotated)" = 1 ] && [ "$(val "$r2" files_rotated)" = 0 ] && [ -e "$D/$odd.2" ] && [ ! -e "$D/$odd.3" ] \
	&& jq -e '.logs | has("bytes:'"$D"'/b%FFd%25.log")' "$T/state/rotate.state" >/dev/null; then
	t_ok "a non-UTF-8 log name is saved in the state (\"bytes:\" form) and not rotated twice in a day"
else
	t_fail "non-UTF-8 name in the state" "$r1 / $r2 $(cat "$T/state/rotate.state")"
fi

# --- delaycompress, dateext, olddir, maxage ---------------------------------------
rm -rf "$D"; mkdir -p "$D"
for i in 1 2 3; do lines 300 "x$i" >>"$D/dc.log"; rot "$D" '"size":1,"rotate":5,"compress":true,"delaycompress":true' >/dev/null; done
[ -f "$D/dc.log.1" ] && [ -f "$D/dc.log.2.gz" ] && [ -f "$D/dc.log.3.gz" ] && [ ! -e "$D/dc.log.1.gz" ] \
	&& t_ok "delaycompress: .1 stays plain, older ones compressed" || t_fail "delaycompress" "$(ls "$D")"
rm -rf "$D"; mkdir -p "$D"
lines 50 a >"$D/de.log"
today=$(date +%Y%m%d)
r1=$(rot "$D" '"size":1,"rotate":5,"dateext":true')
lines 50 b >"$D/de.log"
r2=$(rot "$D" '"size":1,"rotate":5,"dateext":true')
if [ -f "$D/de.log-$today" ] && head -1 "$D/de.log-$today" | grep -q '^a 1 ' && [ -s "$D/de.log" ] \
	&& jq -e '.values.skipped[0].reason | test("already exists")' <<<"$r2" >/dev/null; then
	t_ok "dateext: name-YYYYMMDD; a second rotation that day never overwrites it"
else
	t_fail "dateext" "$(ls "$D") $r2"
fi
rm -rf "$D"; mkdir -p "$D/old"
for i in 1 2 3; do echo "o$i" >"$D/old/ma.log.$i"; done
touch -d '40 days ago' "$D/old/ma.log.3"
lines 20 m >"$D/ma.log"
r=$(job maintain '["'"$D"'","'"$T"'/state"]' '[{"name":"r","check":"rotate","path":"'"$D"'/ma.log","size":1,"rotate":9,"olddir":"'"$D"'/old","maxage":30,"state":"'"$T"'/state/rotate.state"}]')
if [ -f "$D/old/ma.log.1" ] && [ -f "$D/old/ma.log.3" ] && [ ! -e "$D/old/ma.log.4" ] && [ -e "$D/ma.log" ] \
	&& [ "$(val "$r" files_deleted)" = 1 ]; then
	t_ok "olddir receives rotated files; maxage deletes the 40-day-old one"
else
	t_fail "olddir + maxage" "$(ls -R "$D") $r"
fi

# --- create MODE OWNER GROUP; compressed copies keep the source's mode ----------
rm -rf "$D"; mkdir -p "$D"
lines 200 c >"$D/cr.log"; chmod 0640 "$D/cr.log"; chown root:adm "$D/cr.log"
r=$(rot "$D" '"size":1,"rotate":2,"compress":true,"create_mode":"0600","owner":"nobody","group":"nogroup"')
if [ "$(stat -c '%a %U %G' "$D/cr.log")" = "600 nobody nogroup" ] && [ "$(stat -c '%a %U %G' "$D/cr.log.1.gz")" = "640 root adm" ]; then
	t_ok "create 0600 nobody nogroup; the .gz keeps 0640 root adm"
else
	t_fail "create mode/owner" "$(stat -c '%n %a %U %G' "$D"/*)"
fi

# --- copytruncate: same inode, emptied, and the result says lines may be lost -----
rm -rf "$D"; mkdir -p "$D"
lines 100 t >"$D/ct.log"; ino=$(stat -c %i "$D/ct.log")
r=$(rot "$D" '"size":1,"rotate":2,"copytruncate":true')
if [ "$(stat -c %i "$D/ct.log")" = "$ino" ] && [ ! -s "$D/ct.log" ] && [ "$(wc -l <"$D/ct.log.1")" = 100 ] \
	&& jq -e '.message | test("may be lost")' <<<"$r" >/dev/null; then
	t_ok "copytruncate keeps the inode, and says lines may be lost"
else
	t_fail "copytruncate" "$r"
fi

# --- missingok, notifempty, postrotate once per task ---------------------------------
r=$(job maintain '["'"$D"'","'"$T"'/state"]' '[{"name":"r","check":"rotate","path":"'"$D"'/none.log","state":"'"$T"'/state/rotate.state"}]')
[ "$(jq -r .verdict <<<"$r")" = fail ] && t_ok "a missing log without missingok fails" || t_fail "missing log" "$r"
r=$(job maintain '["'"$D"'","'"$T"'/state"]' '[{"name":"r","check":"rotate","path":"'"$D"'/none.log","missingok":true,"state":"'"$T"'/state/rotate.state"}]')
[ "$(jq -r .verdict <<<"$r")" = ok ] && t_ok "missingok: ok" || t_fail "missingok" "$r"
rm -rf "$D"; mkdir -p "$D"
: >"$D/e.log"; lines 10 p >"$D/p1.log"; lines 10 p >"$D/p2.log"
r=$(rot "$D" '"size":0,"maxsize":1,"rotate":2,"notifempty":true,"postrotate":["sh","-c","echo x >> '"$D"'/post.out"]')
if [ ! -e "$D/e.log.1" ] && [ -e "$D/p1.log.1" ] && [ -e "$D/p2.log.1" ] && [ "$(wc -l <"$D/post.out")" = 1 ] \
	&& [ "$(val "$r" postrotate)" = "exit 0" ]; then
	t_ok "notifempty skips the empty log; postrotate ran once for two rotations"
else
	t_fail "notifempty/postrotate" "$(ls "$D") $r"
fi

# --- logrotate's order: rotate, postrotate, then compress --------------------------------
rm -rf "$D"; mkdir -p "$D"
lines 200 q >"$D/q.log"
r=$(rot "$D" '"size":1,"rotate":2,"compress":true,"postrotate":["sh","-c","if [ -e '"$D"'/q.log.1.gz ]; then echo gz; elif [ -e '"$D"'/q.log.1 ]; then echo raw; fi >'"$D"'/post.seen"]')
if [ "$(cat "$D/post.seen")" = raw ] && [ -f "$D/q.log.1.gz" ] && [ ! -e "$D/q.log.1" ] \
	&& [ "$(zcat "$D/q.log.1.gz" | wc -l)" = 200 ] && [ "$(val "$r" files_compressed)" = 1 ] && [ "$(jq -r .verdict <<<"$r")" = ok ]; then
	t_ok "postrotate runs after the rename and before the compression (it saw q.log.1, no .gz)"
else
	t_fail "postrotate before compression" "$(cat "$D/post.seen" 2>&1) $(ls "$D") $r"
fi

# --- safety ---------------------------------------------------------------------------
rm -rf "$D"; mkdir -p "$D" "$T/elsewhere"
lines 100 s >"$T/elsewhere/secret.log"
ln -s "$T/elsewhere" "$D/link"
# Landlock would let this write into elsewhere: only the walk refuses the link.
# (A symlink among write_paths is refused before anything runs: 63.)
r=$(job maintain '["'"$D"'","'"$T"'/elsewhere","'"$T"'/state"]' \
	'[{"name":"r","check":"rotate","path":"'"$D"'/link/*.log","state":"'"$T"'/state/rotate.state","size":1,"rotate":2}]')
[ "$(jq -r .verdict <<<"$r")" = fail ] && [ ! -e "$T/elsewhere/secret.log.1" ] && jq -e '.values.skipped[0].reason | test("symlink")' <<<"$r" >/dev/null \
	&& t_ok "a symlinked directory is never followed" || t_fail "symlinked directory" "$r"
ln -s "$T/elsewhere/secret.log" "$D/sym.log"
lines 10 h >"$D/hard.log"; ln "$D/hard.log" "$T/elsewhere/hardlink"
mkfifo "$D/fifo.log"
r=$(timeout 10 bash -c "$(declare -f rot job t_agent); A=$A T=$T; rot '$D' '\"size\":1,\"rotate\":2'")
reasons=$(jq -r '[.values.skipped[].reason] | sort | join(",")' <<<"$r")
if [ "$reasons" = "FIFO,has more than one hard link,symlink (never followed)" ] && [ ! -e "$D/sym.log.1" ] \
	&& [ ! -e "$D/hard.log.1" ] && [ ! -e "$T/elsewhere/secret.log.1" ] && [ "$(jq -r .verdict <<<"$r")" = warn ]; then
	t_ok "symlinked log, hard link and FIFO are refused, each with its reason"
else
	t_fail "symlink/hardlink/fifo refused" "$reasons $r"
fi
rm -rf "$D"; mkdir -p "$D"
lines 10 n >"$D/n.log"; echo precious >"$T/elsewhere/precious"; ln -s "$T/elsewhere/precious" "$D/n.log.1"
r=$(rot "$D" '"size":1,"rotate":3')
[ "$(cat "$T/elsewhere/precious")" = precious ] && [ -L "$D/n.log.1" ] && [ -s "$D/n.log" ] && [ "$(jq -r .verdict <<<"$r")" = warn ] \
	&& jq -e --arg p "$D/n.log.1" '[.values.skipped[].reason | select(contains("blocked by " + $p))] | length == 1' <<<"$r" >/dev/null \
	&& t_ok "an existing target (a planted symlink) is never overwritten: a warn naming it" || t_fail "existing target" "$(ls -l "$D") $r"
# A planted hard link as u.log.1 blocks every night, and every night says so
# (a warn, not a failure: the directory's owner did it), nothing moved.
echo planted >"$T/elsewhere/u1"; ln "$T/elsewhere/u1" "$D/u.log.1"; lines 10 u >"$D/u.log"
echo old >"$D/u.log.2"
r1=$(rot "$D" '"size":1,"rotate":3'); r2=$(rot "$D" '"size":1,"rotate":3')
ok=1
for r in "$r1" "$r2"; do
	[ "$(jq -r .verdict <<<"$r")" = warn ] && [ "$(val "$r" files_rotated)" = 0 ] \
		&& jq -e --arg p "$D/u.log.1" '.values.skipped | map(select(.path | endswith("/u.log"))) | .[0].reason | test("^blocked by " + $p + " .*more than one hard link")' <<<"$r" >/dev/null || ok=0
done
[ $ok = 1 ] && [ "$(cat "$D/u.log.1")" = planted ] && [ "$(cat "$D/u.log.2")" = old ] && [ ! -e "$D/u.log.3" ] && [ -s "$D/u.log" ] \
	&& t_ok "a planted u.log.1 (hard link): nothing moves, each run a warn naming it" || t_fail "planted u.log.1" "$(ls -l "$D") $r1 / $r2"
rm -rf "$D"; mkdir -p "$D"; lines 10 w >"$D/w.log"
chown nobody "$D"
r=$(rot "$D" '"size":1,"rotate":2')
[ "$(jq -r .verdict <<<"$r")" = fail ] && [ ! -e "$D/w.log.1" ] && jq -e '.values.skipped[0].reason | test("writable by uid")' <<<"$r" >/dev/null \
	&& t_ok "a directory another user can write is refused" || t_fail "foreign directory refused" "$r"
r=$(rot "$D" '"size":1,"rotate":2,"su":"nobody"')
[ "$(jq -r .verdict <<<"$r")" = ok ] && [ -e "$D/w.log.1" ] && t_ok "...unless the task names that user (su)" || t_fail "su allows" "$r"
chmod o+w "$D"; lines 10 w >>"$D/w.log"
r=$(rot "$D" '"size":1,"rotate":2,"su":"nobody"')
[ "$(jq -r .verdict <<<"$r")" = fail ] && t_ok "a world-writable directory is refused even with su" || t_fail "world-writable" "$r"

# --- a glob over thousands of logs: every one is rotated --------------------------------
# (a cap of 4096 names once left the rest untouched with an "ok" verdict).  On
# tmpfs where there is one: fsync there costs nothing, and 4500 logs are fast.
M=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d -p "$T")
chmod 0755 "$M"; mkdir "$M/many"; chmod 0755 "$M/many"
(cd "$M/many" && seq -f 'm%04g.log' 1 4500 | xargs -n 500 sh -c 'for f; do echo "$f" >"$f"; done' sh)
echo keep >"$M/many/m0001.log.1"
r=$(job maintain '["'"$M"'/many","'"$T"'/state"]' '[{"name":"r","check":"rotate","path":"'"$M"'/many/*.log","size":1,"rotate":1,"state":"'"$T"'/state/rotate.state"}]')
n1=$(find "$M/many" -name 'm*.log.1' | wc -l)
if [ "$(val "$r" files_rotated)" = 4500 ] && [ "$n1" = 4500 ] && [ "$(cat "$M/many/m4500.log.1")" = m4500.log ] \
	&& [ "$(cat "$M/many/m0001.log.1")" = m0001.log ] && [ ! -e "$M/many/m0001.log.2" ] && [ "$(val "$r" files_deleted)" = 1 ] \
	&& [ "$(val "$r" bytes_after)" = $((4500 * 10)) ]; then
	t_ok "a glob over 4500 logs rotates all 4500 (keep 1 deletes the old .1; bytes_after right)"
else
	t_fail "4500 logs in one glob" "$n1 .1 files; $(jq -c '.values | del(.actions)' <<<"$r")"
fi
rm -rf "$M"

# --- a corrupt state file is reported and rebuilt, not fatal -------------------------
rm -rf "$D"; mkdir -p "$D"; lines 10 k >"$D/k.log"; echo old >"$D/k.log.1"; touch -d '2 days ago' "$D/k.log.1"
printf 'garbage\n{{{' >"$T/state/rotate.state"
r=$(rot "$D" '"frequency":"daily","rotate":3')
if [ "$(jq -r .verdict <<<"$r")" = warn ] && jq -e '.message | test("corrupt")' <<<"$r" >/dev/null \
	&& [ "$(val "$r" files_rotated)" = 1 ] && jq -e .ronda_rotate_state "$T/state/rotate.state" >/dev/null; then
	t_ok "corrupt state: reported, rebuilt from the files on disk, rotation goes on"
else
	t_fail "corrupt state" "$r"
fi
t_finish
