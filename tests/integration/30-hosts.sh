#!/bin/bash
# 30-hosts.sh - `ronda hosts` as users run it: against inventory/example.cfg,
# with no inventory at all (bare hosts), and against the inventory that
# tests/fleet/up.sh writes; output, folding, --list/-v/--json, and the
# documented exit codes for usage and configuration errors.
source "$(dirname "$0")/../lib.sh"
cd "$TOP"
R=$BUILD/ronda
INV=inventory/example.cfg
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# expect NAME WANT_STATUS WANT_STDOUT ARGS...: stdout compared exactly.
expect() {
	local name=$1 want_rc=$2 want_out=$3 out rc; shift 3
	out=$("$R" "$@" 2>"$tmp/err"); rc=$?
	if [ "$rc" -ne "$want_rc" ]; then t_fail "$name" "status $rc, wanted $want_rc; stderr: $(head -c 300 "$tmp/err")"
	elif [ "$out" != "$want_out" ]; then t_fail "$name" "got '$out', wanted '$want_out'"
	else t_ok "$name"; fi
}
# expect_err NAME WANT_STATUS STDERR_REGEX ARGS...
expect_err() {
	local name=$1 want_rc=$2 re=$3 rc; shift 3
	"$R" "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?
	if [ "$rc" -ne "$want_rc" ]; then t_fail "$name" "status $rc, wanted $want_rc; stderr: $(head -c 300 "$tmp/err")"
	elif ! grep -Eq "$re" "$tmp/err"; then t_fail "$name" "stderr '$(head -c 300 "$tmp/err")' lacks /$re/"
	else t_ok "$name"; fi
}

expect "all hosts, folded" 0 "bastion,db[1-3].dc1,legacy1,web[01-04]" hosts -i "$INV" all
expect "group with children" 0 "bastion,db[1-3].dc1,web[01-04]" hosts -i "$INV" @dc1
expect "exclusion" 0 "web[01-02,04]" hosts -i "$INV" '@web,!web03'
expect "intersection" 0 "web04" hosts -i "$INV" '@dc1&@old'
expect "glob" 0 "db[1-3].dc1" hosts -i "$INV" '*.dc1'
expect "options after the pattern, -x" 0 "db[1,3].dc1" hosts '*.dc1' -i "$INV" -x db2.dc1
expect "-w adds" 0 "legacy1,web[01-04]" hosts -i "$INV" @web -w legacy1
expect "bare hosts join inventory hosts" 0 "web[01-06]" hosts -i "$INV" 'web[01-06]'
expect "--list" 0 "$(printf 'web01\nweb02\nweb03\nweb04')" hosts -i "$INV" --list @web
expect "--list -v" 0 "$(printf 'web01 10.0.1.1:22 deploy\nweb02 10.0.1.2:2222 deploy\nbastion [2001:db8::1]:22 dc1admin' | head -2)" \
	hosts -i "$INV" --list -v 'web[01-02]'
expect "--list -v, IPv6 address" 0 "bastion [2001:db8::1]:22 dc1admin" hosts -i "$INV" --list -v bastion
expect "command line overrides the inventory" 0 "db1.dc1 10.0.2.1:2022 root" \
	hosts -i "$INV" --list -v -u root -p 2022 db1.dc1
json=$("$R" hosts -F none -i "$INV" --json db1.dc1)
# the line as written, once the sources are cut off its end
if [ "${json%,\"sources\":*}}" = '{"host":"db1.dc1","address":"10.0.2.1","port":22,"user":"postgres","identities":["'"$HOME"'/.ssh/id_ed25519","'"$HOME"'/.ssh/id_ecdsa"],"connect_timeout":10.0,"command_timeout":300.0,"retries":2,"become":true,"via":null}' ]; then
	t_ok "--json"; else t_fail "--json" "$json"; fi
# where each setting came from: the host's entry, a group, the defaults, built in
line=$(grep -n '"db1.dc1"' "$INV" | head -1 | cut -d: -f1)
src=$(echo "$json" | jq -r '[.sources.user, .sources.port, .sources.become, .sources.via] | @tsv')
want=$(printf 'inventory:%s:%s\tinventory:%s (defaults)\tinventory:%s:%s (group db)\tdefault' \
	"$INV" "$line" "$INV" "$INV" "$(grep -n 'become = true' "$INV" | head -1 | cut -d: -f1)")
[ "$src" = "$want" ] && t_ok "--json says where each setting came from" || t_fail "--json sources" "$src (want $want)"
# The largest legal pattern (10 ranges of 100000): --json and --list stream
# one line per host instead of gathering them all in one bounded buffer.
big=$(for p in a b c d e f g h i j; do printf '%s[1-100000],' "$p"; done)
big=${big%,}
for mode in --json --list; do
	(cd "$tmp" && "$R" hosts -u root "$mode" "$big") > "$tmp/big" 2>"$tmp/err"; rc=$?
	n=$(wc -l < "$tmp/big")
	last=$(tail -n 1 "$tmp/big")
	if [ "$rc" -eq 0 ] && [ "$n" -eq 1000000 ] && [[ $last == *j100000* ]]; then
		t_ok "$mode streams a 10^6-host pattern"
	else
		t_fail "$mode streams a 10^6-host pattern" "rc=$rc lines=$n last='${last:0:80}' $(head -c 200 "$tmp/err")"
	fi
done
rm -f "$tmp/big"
expect "a pattern that selects nothing" 0 "" hosts -i "$INV" 'nomatch*'

# No inventory file anywhere: bare hosts, as pdsh -w.
if [ -e /etc/ronda/inventory.cfg ]; then
	t_ok "bare hosts without inventory (skipped: /etc/ronda/inventory.cfg exists)"
else
	(cd "$tmp" && "$R" hosts -u root -p 2222 --list -v 'host[1-3]') > "$tmp/bare" 2>&1
	if [ "$(cat "$tmp/bare")" = "$(printf 'host1 host1:2222 root\nhost2 host2:2222 root\nhost3 host3:2222 root')" ]; then
		t_ok "bare hosts without inventory"; else t_fail "bare hosts without inventory" "$(cat "$tmp/bare")"; fi
	(cd "$tmp" && printf 'hosts = ( "fromcwd" );\n' > inventory.cfg && "$R" hosts all) > "$tmp/cwd" 2>&1
	if [ "$(cat "$tmp/cwd")" = fromcwd ]; then t_ok "./inventory.cfg is the fallback"; else t_fail "./inventory.cfg is the fallback" "$(cat "$tmp/cwd")"; fi
fi

# user@host:port, IPv6, and host lists (-w ^FILE, --hostfile, -).
json=$("$R" hosts -i "$INV" --json 'root@[::1]:2222' 2>&1)
if [ "$(jq -r '"\(.host) \(.user) \(.address) \(.port)"' <<<"$json")" = "[::1]:2222 root ::1 2222" ]; then
	t_ok "--json root@[::1]:2222: user root, address ::1, port 2222"; else t_fail "--json root@[::1]:2222" "$json"; fi
expect "user@ keeps the inventory's address and port" 0 "web02 10.0.1.2:2222 root" \
	hosts -i "$INV" --list -v root@web02
expect ":port beats the inventory and -p; the name keeps it" 0 "db1.dc1:2022 10.0.2.1:2022 postgres" \
	hosts -i "$INV" --list -v -p 23 db1.dc1:2022
expect "a range with a port folds back" 0 "web[01-03]:2222" hosts -i "$INV" 'web[01-03]:2222'
expect "bare IPv6 addresses, in inet_ntop's form" 0 "2001:db8::1 [2001:db8::1]:22 ops
::1 [::1]:22 ops" hosts -i "$INV" --list -v '2001:DB8:0::1,::1'
expect "exclusion compares display names" 0 "web[01,04]" hosts -i "$INV" '@web,root@web01,!web02,!root@web03'
printf '# hosts\nweb01\n\n  root@web02  # trailing comment\nnew[1-2]:2200\n[::1]:2222\n' > "$tmp/list.txt"
expect "-w ^FILE" 0 "[::1]:2222,new[1-2]:2200,web[01-02]" hosts -i "$INV" -w "^$tmp/list.txt"
expect "--hostfile FILE" 0 "[::1]:2222,new[1-2]:2200" hosts -i "$INV" --hostfile "$tmp/list.txt" -x 'web[01-02]'
expect "-x ^FILE" 0 "web[03-04]" hosts -i "$INV" 'web[01-04]' -x "^$tmp/list.txt"
expect "--hostfile FILE --list -v" 0 "web02 10.0.1.2:2222 root" hosts -i "$INV" --list -v --hostfile "$tmp/list.txt" -x '[::1]:2222,new[1-2]:2200,web01'
out=$(printf 'web01\nweb03\n' | "$R" hosts -i "$INV" - 2>&1)
[ "$out" = "web[01,03]" ] && t_ok "- reads the list from stdin" || t_fail "- reads the list from stdin" "$out"
out=$(printf 'web01\n' | "$R" hosts -i "$INV" --hostfile - -w - 2>&1); rc=$?
[ $rc -eq 64 ] && [[ $out == *"'-' is given twice"* ]] && t_ok "a second - is refused" || t_fail "a second - is refused" "rc=$rc $out"
if command -v script >/dev/null; then
	out=$(script -qec "$R hosts -i $INV -" /dev/null 2>&1); rc=$?
	[ $rc -eq 64 ] && [[ $out == *"stdin, which is a terminal"* ]] && t_ok "- refuses a terminal" \
		|| t_fail "- refuses a terminal" "rc=$rc $out"
else
	t_ok "- refuses a terminal (skipped: no script(1) to give it a terminal)"
fi
printf 'web01\nweb 02\n' > "$tmp/bad.txt"
expect_err "a bad line names file and line" 64 "^ronda hosts: $tmp/bad.txt:2: bad pattern item 'web 02'" hosts -i "$INV" -w "^$tmp/bad.txt"
printf 'web01,web02\n' > "$tmp/bad.txt"
expect_err "one item a line" 64 "bad.txt:1: one host or pattern item a line" hosts -i "$INV" --hostfile "$tmp/bad.txt"
expect_err "a missing list: file and strerror, 78" 78 "^ronda hosts: host list $tmp/none.txt: No such file or directory" hosts -i "$INV" -w "^$tmp/none.txt"
expect_err "bad port" 64 "bad host 'web01:65536': the port must be a number 1-65535" hosts -i "$INV" web01:65536
expect_err "glob with a user" 64 "a glob takes no user@ or :port" hosts -i "$INV" 'root@web*'
expect_err "group with a port" 64 "a @group takes no user@ or :port" hosts -i "$INV" '@web:22'
expect_err "two users for one host" 64 "host 'web01' is given with two users" hosts -i "$INV" 'root@web01,ops@web01'
expect_err "option-like user@ refused" 64 "invalid user" hosts -i "$INV" 'web02,-oProxyCommand@web01'

# Usage errors: 64.
expect_err "unknown group is a usage error" 64 "unknown group '@nope'" hosts -i "$INV" @nope
expect_err "malformed range" 64 "never closed" hosts -i "$INV" 'web[1-'
expect_err "huge range refused" 64 "more than 100000 names" hosts 'n[1-999999999]'
expect_err "option-like host name refused" 64 "invalid host name" hosts 'x,-oProxyCommand'
expect_err "option-like user refused" 64 "invalid user" hosts -u -oX h
expect_err "no pattern" 64 "no PATTERN" hosts -i "$INV"
expect_err "two patterns" 64 "one PATTERN" hosts -i "$INV" a b
expect_err "unknown option" 64 "unknown option '--bogus'" hosts --bogus x
expect_err "bad port" 64 "not a whole number" hosts -p 22x x
expect_err "unknown command" 64 "unknown command 'nope'" nope

# Configuration errors: 78, with file and line.
printf 'hosts = ( "a" );\ngroups = {\n  web = { hosts = [ "a" ]; usr = "x"; };\n};\n' > "$tmp/bad.cfg"
expect_err "unknown key names file and line" 78 "^ronda hosts: $tmp/bad.cfg:3: unknown key 'usr' in group 'web'" hosts -i "$tmp/bad.cfg" all
printf 'groups = {\n a = { children = [ "b" ]; };\n b = { children = [ "a" ]; };\n};\n' > "$tmp/cycle.cfg"
expect_err "cycle" 78 "cycle.cfg:3: child groups form a cycle: a -> b -> a" hosts -i "$tmp/cycle.cfg" all
expect_err "missing inventory" 78 "No such file" hosts -i "$tmp/none.cfg" all

# Help.
if "$R" hosts --help | grep -q '^usage: ronda hosts' && "$R" hosts --help | grep -q 'Exit status'; then
	t_ok "ronda hosts --help"; else t_fail "ronda hosts --help"; fi
if "$R" --help | grep -q 'ronda hosts'; then t_ok "ronda --help lists hosts"; else t_fail "ronda --help lists hosts"; fi

# The fleet's inventory (tests/fleet/up.sh) is one ronda reads.
dir=$("$TOP/tests/fleet/up.sh" -n 12 -t 120) || { t_fail "fleet up"; t_finish; exit 1; }
trap '"$TOP/tests/fleet/down.sh" "$dir" >/dev/null 2>&1; rm -rf "$tmp"' EXIT
source "$dir/fleet.env"
expect "fleet inventory: @fleet" 0 "node[001-012]" hosts -i "$FLEET_INVENTORY" @fleet
expect "fleet inventory: @faults" 0 "badkey,closed,drop,garbage,noauth,silent" hosts -i "$FLEET_INVENTORY" @faults
expect "fleet inventory: addresses and ports" 0 "node001 127.0.0.2:$FLEET_PORT root
silent 127.1.0.1:$((FLEET_PORT + 1)) root" hosts -i "$FLEET_INVENTORY" --list -v 'node001,silent'
# Every host's address:port in the inventory is the one in hosts.txt.
"$R" hosts -i "$FLEET_INVENTORY" --list -v all | awk '{ split($2, a, ":"); print $1, a[1], a[2] }' | sort > "$tmp/inv.txt"
awk '{ print $1, $2, $3 }' "$FLEET_HOSTLIST" | sort > "$tmp/list.txt"
if cmp -s "$tmp/inv.txt" "$tmp/list.txt"; then t_ok "fleet inventory matches hosts.txt"; else
	t_fail "fleet inventory matches hosts.txt" "$(diff "$tmp/inv.txt" "$tmp/list.txt" | head -5)"; fi
# And ssh reaches a host where the inventory says it is.
read -r addr port < <("$R" hosts -i "$FLEET_INVENTORY" --json node003 | jq -r '"\(.address) \(.port)"')
if ssh -F "$FLEET_SSH_CONFIG" -p "$port" -o HostKeyAlias="[$addr]:$port" "$addr" true 2>"$tmp/ssh"; then
	t_ok "ssh reaches node003 at the inventory's address"; else t_fail "ssh reaches node003 at the inventory's address" "$(head -3 "$tmp/ssh")"; fi

# --groups lists the inventory's groups, as ronda reads the file
g=$("$BUILD/ronda" hosts -i "$TOP/inventory/example.cfg" --groups | tr '\n' ' ')
[ "$g" = "db dc1 old web " ] && t_ok "hosts --groups: $g" || t_fail "hosts --groups" "$g"
# @include is read relative to the including file, whatever the working directory
inc=$(mktemp -d)
mkdir -p "$inc/etc"
printf 'hosts = ( "inc[1-2]" );\n@include "groups.cfg"\n' > "$inc/etc/inv.cfg"
printf 'groups = { incl = { hosts = [ "inc2" ]; }; };\n' > "$inc/etc/groups.cfg"
g=$(cd / && "$BUILD/ronda" hosts -i "$inc/etc/inv.cfg" '@incl' 2>&1)
[ "$g" = inc2 ] && t_ok "@include relative to the inventory file" || t_fail "@include relative to the inventory file" "$g"
printf 'hosts = ( "inc1" );\n@include "missing.cfg"\n' > "$inc/etc/bad.cfg"
e=$("$BUILD/ronda" hosts -i "$inc/etc/bad.cfg" all 2>&1); rc=$?
[ $rc -eq 78 ] && [[ $e == *bad.cfg:2* ]] && t_ok "a missing @include names file and line" || t_fail "missing @include" "rc=$rc $e"
rm -rf "$inc"
t_finish
