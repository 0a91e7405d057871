#!/bin/bash
# 61-cleanup.sh - the cleanup task on the real agent: age and size budget,
# archives that hold every byte, never leaving the directory or its file
# system, and dry runs under the inspect profile.
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/maint-lib.sh"
cd "$TOP"
D=$T/tmp
mkdir -p "$D/sub"
mk() {	# name, bytes, days old
	head -c "$2" /dev/urandom >"$D/$1"; touch -d "$3 days ago" "$D/$1"
}
cl() { job maintain '["'"$D"'"]' '[{"name":"c","check":"cleanup","path":"'"$D"'"'"${1:+,$1}"'}]'; }

mk a.tmp 1000 1; mk b.tmp 2000 3; mk c.tmp 3000 5; mk d.tmp 4000 7; mk keep.txt 100 30; mk sub/s.tmp 100 30
sum_before=$(cd "$D" && sha256sum * 2>/dev/null | sort)
r=$(job inspect '[]' '[{"name":"c","check":"cleanup","path":"'"$D"'","glob":"*.tmp","older_than":4,"dry_run":true}]')
if [ "$(cd "$D" && sha256sum * 2>/dev/null | sort)" = "$sum_before" ] && [ "$(val "$r" files_deleted)" = 2 ] \
	&& [ "$(val "$r" bytes_freed)" = 7000 ] && grep -q '"profile":"inspect"' "$T/out" && [ "$(val "$r" dry_run)" = true ]; then
	t_ok "dry run under inspect: would delete 2 files, 7000 bytes; nothing changed"
else
	t_fail "dry run" "$r"
fi
r=$(cl '"glob":"*.tmp","older_than":4')
[ "$(cd "$D" && ls | tr '\n' ' ')" = "a.tmp b.tmp keep.txt sub " ] && [ -e "$D/sub/s.tmp" ] && [ "$(val "$r" bytes_freed)" = 7000 ] \
	&& [ "$(val "$r" bytes_before)" = 10000 ] && [ "$(val "$r" bytes_after)" = 3000 ] \
	&& t_ok "older_than 4 days: c and d deleted, subdirectory untouched without recurse" || t_fail "older_than" "$(ls "$D") $r"

rm -rf "$D"; mkdir -p "$D"
mk a.log 1000 1; mk b.log 1000 2; mk c.log 1000 3; mk d.log 1000 4
r=$(cl '"glob":"*.log","max_total":2500')
[ "$(cd "$D" && ls | tr '\n' ' ')" = "a.log b.log " ] && t_ok "max_total 2500: the two oldest go first" || t_fail "max_total" "$(ls "$D") $r"

# --- archive: every byte in the .tar.gz, then the originals go ----------------------
rm -rf "$D"; mkdir -p "$D/sub/deeper"
mk x.tmp 5000 10; mk y.tmp 600 10; mk sub/z.tmp 70000 10; mk "sub/deeper/$(printf 'n%.0s' $(seq 90)).tmp" 10 10; mk new.tmp 10 0
mk "$(printf 'L%.0s' $(seq 110)).tmp" 10 10	# too long a name for ustar: kept
(cd "$D" && sha256sum x.tmp y.tmp sub/z.tmp sub/deeper/*.tmp | sort) >"$T/want"
r=$(cl '"glob":"*.tmp","older_than":1,"archive":true,"recurse":true')
arc=$(ls "$D"/ronda-archive-*.tar.gz 2>/dev/null)
mkdir -p "$T/x"; tar -xzf "$arc" -C "$T/x" 2>"$T/tarerr"
if [ -n "$arc" ] && [ "$(cd "$T/x" && sha256sum x.tmp y.tmp sub/z.tmp sub/deeper/*.tmp | sort)" = "$(cat "$T/want")" ] \
	&& [ ! -e "$D/x.tmp" ] && [ ! -e "$D/sub/z.tmp" ] && [ -e "$D/new.tmp" ] && [ "$(val "$r" files_archived)" = 4 ] \
	&& [ "$(stat -c %a "$arc")" = 600 ] && [ -e "$D/$(printf 'L%.0s' $(seq 110)).tmp" ] \
	&& jq -e '.values.skipped[0].reason | test("ustar")' <<<"$r" >/dev/null; then
	t_ok "archive: GNU tar extracts every byte (prefix names too), originals deleted, 0600; an unfit name is kept"
else
	t_fail "archive" "$(cat "$T/tarerr") $r"
fi
r=$(cl '"glob":"*","older_than":0,"archive":true')
[ -e "$arc" ] && t_ok "an archive is never swept into the next archive" || t_fail "archive excluded" "$r"

# --- never leaves the directory: symlinks, other file systems ---------------------
rm -rf "$D"; mkdir -p "$D/mnt" "$T/outside"
mk old.tmp 10 10; echo keep >"$T/outside/o.tmp"; touch -d '10 days ago' "$T/outside/o.tmp"
ln -s "$T/outside" "$D/linkdir"; ln -s "$T/outside/o.tmp" "$D/link.tmp"
mount -t tmpfs -o size=1m,mode=0755 ronda-test "$D/mnt" && trap 'umount "$D/mnt" 2>/dev/null; [ -n "$KEEP" ] || rm -rf "$T"' EXIT
echo m >"$D/mnt/m.tmp"; touch -d '10 days ago' "$D/mnt/m.tmp"
r=$(cl '"glob":"*.tmp","older_than":1,"recurse":true')
if [ ! -e "$D/old.tmp" ] && [ -e "$T/outside/o.tmp" ] && [ -e "$D/mnt/m.tmp" ] && [ -L "$D/link.tmp" ] \
	&& jq -e '[.values.skipped[].reason] | any(test("another file system"))' <<<"$r" >/dev/null \
	&& jq -e '[.values.skipped[].reason] | any(test("symlink"))' <<<"$r" >/dev/null; then
	t_ok "recurse: symlinks and other mounts are left alone, with reasons"
else
	t_fail "stays inside" "$r"
fi
r=$(cl '"glob":"*.tmp","older_than":1,"recurse":true,"cross_mounts":true')
[ ! -e "$D/mnt/m.tmp" ] && t_ok "cross_mounts: the mounted file system is swept too" || t_fail "cross_mounts" "$r"
umount "$D/mnt"
mk hl.tmp 10 10; ln "$D/hl.tmp" "$T/outside/hl"; mkfifo "$D/f.tmp"
r=$(cl '"glob":"*.tmp","older_than":1')
[ -e "$D/hl.tmp" ] && [ -p "$D/f.tmp" ] && [ "$(jq -r .verdict <<<"$r")" = warn ] \
	&& t_ok "hard links and FIFOs are never deleted" || t_fail "hard link/fifo kept" "$r"
chown nobody "$D"
r=$(cl '"glob":"*.tmp","older_than":1')
[ "$(jq -r .verdict <<<"$r")" = fail ] && t_ok "a directory another user can write is refused" || t_fail "foreign dir" "$r"
t_finish
