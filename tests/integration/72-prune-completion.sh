#!/bin/bash
# 72-prune-completion.sh - ronda-prune deletes old run directories and
# nothing else; the bash completion completes subcommands, options, option
# values, check specs, groups and hosts of the inventory.
source "$(dirname "$0")/../lib.sh"
cd "$TOP"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ---- ronda-prune ----
make -s NODEPS=1 BUILD="$BUILD" "$BUILD/ronda-prune" >/dev/null
PRUNE=$BUILD/ronda-prune
R=$tmp/runs
mkdir -p "$R/2026-01-01T020000Z/hosts" "$R/2026-01-02T020000Z-2" "$R/2026-03-01T020000Z" \
	"$R/notarun" "$R/2026-01-03T020000Z.keep"
touch "$R/2026-01-01T020000Z/hosts/a.json"
mkdir -p "$tmp/elsewhere"; ln -s "$tmp/elsewhere" "$R/2026-01-04T020000Z"
touch -d '40 days ago' "$R/2026-01-01T020000Z" "$R/2026-01-02T020000Z-2" "$R/notarun" "$R/2026-01-04T020000Z"
touch -d '40 days ago' "$R/2026-01-03T020000Z.keep"
touch -d '29 days ago' "$R/2026-03-01T020000Z"
touch -h -d '40 days ago' "$R/2026-01-04T020000Z"

out=$("$PRUNE" -n -d 30 "$R")
if [ "$(grep -c 'would delete' <<<"$out")" = 2 ] && [ -d "$R/2026-01-01T020000Z" ]; then t_ok "ronda-prune -n lists and keeps"
else t_fail "ronda-prune -n lists and keeps" "$out"; fi
RONDA_KEEP_DAYS=30 "$PRUNE" "$R" >"$tmp/out" 2>&1; rc=$?
left=$(cd "$R" && ls | sort | tr '\n' ' ')
if [ $rc = 0 ] && [ "$left" = "2026-01-03T020000Z.keep 2026-01-04T020000Z 2026-03-01T020000Z notarun " ]; then
	t_ok "RONDA_KEEP_DAYS=30: runs older than 30 days go, newer ones, other names and symlinks stay"
else
	t_fail "RONDA_KEEP_DAYS=30 prunes exactly the old runs" "rc $rc left: $left"
fi
[ -d "$tmp/elsewhere" ] && t_ok "a symlinked run is not followed" || t_fail "a symlinked run is not followed"
"$PRUNE" -d 0 "$R"; [ -d "$R/2026-03-01T020000Z" ] && t_ok "-d 0 keeps everything" || t_fail "-d 0 keeps everything"
"$PRUNE" -d 28 "$R" >/dev/null; [ ! -d "$R/2026-03-01T020000Z" ] && t_ok "-d 28 takes the 29-day-old run" || t_fail "-d 28 takes the 29-day-old run"
"$PRUNE" -d 30 "$tmp/nonexistent"; rc=$?
[ $rc = 0 ] && t_ok "a missing directory is not an error" || t_fail "a missing directory is not an error" "rc $rc"
"$PRUNE" -d 3x "$R" 2>/dev/null; rc=$?
[ $rc = 64 ] && t_ok "a bad DAYS is a usage error" || t_fail "a bad DAYS is a usage error" "rc $rc"

# ---- bash completion ----
comp() {
	# comp WORD... : completes the last word; prints COMPREPLY sorted.
	bash -c '
		PATH=$1:$PATH; shift
		source packaging/bash-completion/ronda
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_ronda
		[ ${#COMPREPLY[@]} -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " "' comp "$BUILD" "$@"
}
expect() {
	local name=$1 want=$2; shift 2
	local got
	got=$(comp "$@")
	if [ "$got" = "$want" ]; then t_ok "complete: $name"; else t_fail "complete: $name" "got '$got' want '$want'"; fi
}
INV=inventory/example.cfg
expect "subcommands" "--help --version check copy diff exec fetch hosts merge run serve " ronda ""
expect "subcommand prefix" "run " ronda r
expect "run options" "--dry-run " ronda run --d
expect "exec-only option" "--fold --forks " ronda exec --fo
expect "exec -K" "--ask-become-pass " ronda exec --ask
expect "--become-user completes users" "root " ronda exec --become-user roo
expect "check has no --fold" "--forks " ronda check --fo
expect "hosts has no --agent" "" ronda hosts --ag
expect "--hostkeys values" "accept-new strict " ronda exec --hostkeys ""
expect "groups from -i" "@db @dc1 " ronda hosts -i $INV @d
expect "groups after , and !" "web01,!@old " ronda hosts -i $INV 'web01,!@o'
expect "hosts from the inventory" "db1.dc1 db2.dc1 db3.dc1 " ronda exec -i $INV db
expect "--hostfile is an option" "--hostfile " ronda exec --hostf
expect "--hostfile takes a file" "inventory/example.cfg " ronda hosts --hostfile inventory/ex
expect "-w ^FILE takes a file" "^inventory/example.cfg " ronda hosts -w ^inventory/ex
expect "-w still takes a pattern" "@db @dc1 " ronda hosts -i $INV -w @d
expect "--limit takes a pattern" "@web " ronda run -i $INV playbooks/patrol.cfg --limit @w
expect "check specs after the pattern" "disk: " ronda check -i $INV @web di
expect "nothing after exec --" "" ronda exec -i $INV @web -- up
expect "exec --script, --serial, --shard, --socket and --stdin-max" "--script --serial --shard --socket --stdin-max " ronda exec --s
expect "exec --warm and --warm=required" "--warm --warm=required " ronda exec --wa
expect "--socket takes a file" "inventory/example.cfg " ronda check --socket inventory/ex
expect "check --max-fail" "--max-fail " ronda check --max-f
expect "--rerun-failed takes a directory" "inventory " ronda check --rerun-failed invent
expect "hosts --shard" "--shard " ronda hosts --sh
expect "copy has no --shard" "" ronda copy --sh
expect "--shard's value is not a pattern" "" ronda exec --shard 1
expect "merge takes run directories" "inventory " ronda merge invent
expect "diff takes run directories" "inventory " ronda diff invent
expect "merge options" "--help --html " ronda merge --h
expect "--html takes a file" "inventory/example.cfg " ronda merge --html inventory/ex
expect "--serial's value is not a pattern" "" ronda run --serial 2
expect "--script takes a local file" "inventory/example.cfg " ronda exec -i $INV @web --script inventory/ex
expect "-c TEXT is not a pattern" "" ronda exec -i $INV @web -c d
expect "check --values" "--values " ronda check --va
expect "--sort values" "host value " ronda check --sort ""
expect "--sort's value is no operand" "disk: " ronda check -i $INV @web --sort host di
expect "--color=WHEN" "--color=always --color=auto " ronda exec --color=a
expect "--color split at =" "never " ronda check --color = n
expect "exec has no --values" "" ronda exec --va
expect "run: playbook files" "playbooks/logclean.cfg playbooks/oncall.cfg playbooks/patrol.cfg " ronda run -i $INV playbooks/
# Groups on one line, with a fake group in a comment: ronda reads the file.
printf 'hosts = ( "a1" ); # groups = { fake = {}; };\ngroups = { alpha = { hosts = [ "a1" ]; }; beta : { children = [ "alpha" ]; }; };\n' > "$tmp/one.cfg"
expect "groups of a one-line inventory" "@alpha @beta " ronda hosts -i "$tmp/one.cfg" @
expect "no inventory: only all" "all " ronda hosts -i "$tmp/none.cfg" a

t_finish
