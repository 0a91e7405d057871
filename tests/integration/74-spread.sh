#!/bin/bash
# 74-spread.sh - answers on one screen (issue 14): `ronda check` prints each
# task's spread when every host is ok too, --values lists every host's
# value, and verdicts are coloured on a terminal only.
#
# The fleet: eight hosts whose sshd runs in a mount namespace of its own
# with a 1 MiB tmpfs on the same path, filled to a different level each
# (two alike, for a tie), one where the path is hidden (the disk check
# cannot measure: a task error), and the fleet's `closed` host
# (unreachable).  The spread line's numbers and its five worst hosts are
# checked against what the same hosts say in --json, computed here with jq.
# Colours: under a pseudo-terminal (python3 pty), piped, with NO_COLOR and
# with --color=never/always.
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/lib-sshd.sh"
cd "$TOP"
R=$BUILD/ronda
T=$(mktemp -d /tmp/r74.XXXXXX)
chmod 711 "$T"
dir=""
trap '[ -n "$dir" ] && "$TOP/tests/fleet/down.sh" "$dir" >/dev/null 2>&1; rm -rf "$T"' EXIT
dir=$("$TOP/tests/fleet/up.sh" -n 2 -t 600) || { t_fail "fleet up"; t_finish; exit 1; }
source "$dir/fleet.env"
D=$T/m/d
mkdir -p "$D"

# host NAME ADDR SETUP: an sshd for NAME in a mount namespace of its own,
# where SETUP (shell text of ours) ran first; stopped by down.sh.
: > "$T/hosts"
cp "$FLEET_KNOWN_HOSTS" "$T/known_hosts"
hostkey=$(cut -d' ' -f1,2 "$dir/host_ed25519.pub")
host() {
	local name=$1 addr=$2 setup=$3 port
	port=$(free_port "$addr")
	{
		sshd_common "$addr:$port" "$dir/host_ed25519" "$dir/authorized_keys"
		echo "SetEnv HOME=$dir/home/default PATH=$dir/bin:/usr/bin:/bin RONDA_FLEET_SESSION=$dir"
	} > "$T/$name.conf"
	timeout -k 5 600 unshare -m --propagation private \
		sh -c "$setup && exec /usr/sbin/sshd -D -e -f '$T/$name.conf'" 2>"$T/$name.log" &
	echo "$! sshd-$name" >> "$dir/pids"
	printf '[%s]:%s %s\n' "$addr" "$port" "$hostkey" >> "$T/known_hosts"
	printf '  { name = "%s"; address = "%s"; port = %s; },\n' "$name" "$addr" "$port" >> "$T/hosts"
	for _ in $(seq 100); do
		(exec 3<>"/dev/tcp/$addr/$port") 2>/dev/null && return 0
		sleep 0.05
	done
	t_fail "sshd of $name up" "$(cat "$T/$name.log")"
}
# fill NAME ADDR BLOCKS: D is a 1 MiB tmpfs holding BLOCKS 4 KiB blocks.
fill() {
	host "$1" "$2" "mount -t tmpfs -o size=1m tmpfs '$D' && head -c $(($3 * 4096)) /dev/zero > '$D/fill'"
}
fill f10 127.74.0.1 26
fill f70 127.74.0.2 179
fill f30a 127.74.0.3 77
fill f95 127.74.0.4 243
fill f20 127.74.0.5 51
fill f30b 127.74.0.6 77
fill f90 127.74.0.7 230
fill f50 127.74.0.8 128
host gone 127.74.0.9 "mount -t tmpfs -o size=64k tmpfs '$T/m'"	# D is not there
{
	echo "defaults = { user = \"root\"; identity = \"$FLEET_KEY\"; };"
	echo "hosts = ("
	cat "$T/hosts"
	awk '$1 == "closed" { printf "  { name = \"closed\"; address = \"%s\"; port = %s; }\n", $2, $3 }' "$FLEET_HOSTLIST"
	echo ");"
} > "$T/inv.cfg"
X=(-i "$T/inv.cfg" --known-hosts "$T/known_hosts" --connect-timeout 4 --retries 0)
SPEC="disk:$D:80%:90%"
ALL='f10,f70,f30a,f95,f20,f30b,f90,f50,gone,closed'

"$R" check "${X[@]}" --json "$ALL" "$SPEC" > "$T/a.json" 2>"$T/a.err"; rc=$?
n_val=$(jq -s '[.[] | select(.type == "task" and .verdict != "error")] | length' "$T/a.json")
if [ $rc -eq 2 ] && [ "$n_val" = 8 ] &&
	jq -s -e 'any(.[]; .type == "task" and .host == "gone" and .verdict == "error")' "$T/a.json" >/dev/null &&
	jq -s -e 'any(.[]; .type == "host" and .host == "closed" and .verdict == "unreachable")' "$T/a.json" >/dev/null; then
	t_ok "the fleet: 8 hosts with a value, one task error, one unreachable (exit 2)"
else
	t_fail "the fleet: 8 hosts with a value, one task error, one unreachable" "rc=$rc n=$n_val $(cat "$T/a.err") $(head -c 2000 "$T/a.json")"
fi

# What the spread line must say, from the JSON: values of hosts patrolled
# to the end whose task measured; worst = worse verdict, then fuller, then
# the order the hosts were given in.
order='{"f10":0,"f70":1,"f30a":2,"f95":3,"f20":4,"f30b":5,"f90":6,"f50":7,"gone":8,"closed":9}'
# Numbers are compared to the shown precision (0.1%), since the two sides
# round differently (printf's %.1f, jq's round).
jq -s -r --argjson order "$order" '
	def rank: {"error":4,"fail":3,"warn":2,"ok":1}[.verdict] // 0;
	def shown: (. * 10 | round) / 10;
	([.[] | select(.type == "host" and (.verdict == "error" or .verdict == "unreachable")) | .host]) as $down
	| [.[] | select(.type == "task" and .verdict != "error" and (.host as $h | $down | index($h) | not))
	       | {host, verdict, v: .values.filesystems[0].used_pct}] as $t
	| ($t | map(.v) | sort) as $s
	| ($s | length) as $n
	| (if $n % 2 == 1 then $s[($n - 1) / 2] else ($s[$n / 2 - 1] + $s[$n / 2]) / 2 end) as $med
	| ($t | sort_by([-(rank), -.v, $order[.host]])) as $w
	| [$w[] | select(rank > 1 or (.v | shown) != ($s[0] | shown))][0:5]
	| "\($n)/10 \($s[0]) \($med) \($s[-1]) " + (map("\(.host) \(.v)") | join(" "))
' "$T/a.json" > "$T/want.txt"
"$R" check "${X[@]}" "$ALL" "$SPEC" > "$T/s.txt" 2>"$T/s.err"; rc=$?
got=$(awk -v t="$SPEC" '$1 == t && $2 ~ /^[0-9]+\/[0-9]+$/ { $1 = ""; sub(/^ /, ""); print }' "$T/s.txt")
want=$(cat "$T/want.txt")
# same(GOT, WANT): the same words, numbers (a trailing % or , aside) within 0.05
same() {
	awk -v g="$1" -v w="$2" 'BEGIN {
		n = split(g, a, /[ ,]+/); m = split(w, b, / +/)
		if (n != m || n < 5) exit 1
		for (i = 1; i <= n; i++) {
			x = a[i]; sub(/%$/, "", x)
			if (x ~ /^-?[0-9.]+$/ && b[i] ~ /^-?[0-9.]+$/) { d = x - b[i]; if (d > 0.051 || d < -0.051) exit 1 }
			else if (x != b[i]) exit 1
		}
	}'
}
if [ $rc -eq 2 ] && [ -n "$want" ] && same "$got" "$want"; then
	t_ok "spread line = the JSON's min, median, max and worst 5 ($got; JSON: $want)"
else
	t_fail "spread line = the JSON's" "rc=$rc want '$want' got '$got' $(cat "$T/s.txt")"
fi
# the same, written out: f95 fails, f90 warns, then the fullest; of the
# two at 30.1%, the one given first; the median of 8 is the mean of two
if [[ $got == "8/10 10.2% 40% 94.9% f95 94.9%, f90 89.8%, f70 69.9%, f50 50%, f30a 30.1%" ]]; then
	t_ok "worst 5 in order: fail, warn, then fuller; a tie in the order given; even median"
else
	t_fail "worst 5 in order" "got '$got'"
fi
# one spread line per task, no per-host lines
if [ "$(grep -c 'f10' "$T/s.txt")" = 0 ] && [ "$(wc -l < "$T/s.txt")" -le 12 ]; then
	t_ok "compact: no line per host (only the worst 5 named)"
else
	t_fail "compact: no line per host" "$(cat "$T/s.txt")"
fi

# Every host ok: the spread is still there (the on-call answer).
"$R" check "${X[@]}" 'f10,f20,f30a,f50' "disk:$D" mem > "$T/ok.txt" 2>&1; rc=$?
if [ $rc -eq 0 ] && grep -q '^4 host(s): 4 ok' "$T/ok.txt" &&
	grep -Eq "^disk:$D +4/4 +10.2% +25% +50% +f50 50%, f30a 30.1%, f20 19.9%\$" "$T/ok.txt" &&
	grep -Eq '^mem +4/4 ' "$T/ok.txt" && ! grep -q VERDICT "$T/ok.txt"; then
	t_ok "every host ok: each task's spread, no problem table"
else
	t_fail "every host ok: each task's spread" "rc=$rc $(cat "$T/ok.txt")"
fi

# --values: every host, worst first; --sort host: by name.
"$R" check "${X[@]}" --values "$ALL" "$SPEC" > "$T/v.txt" 2>"$T/v.err"; rc=$?
jq -s -r --argjson order "$order" '
	def fmt: (. * 10 | round) / 10 | tostring + "%";
	def rank: {"error":4,"fail":3,"warn":2,"ok":1}[.verdict] // 0;
	[.[] | select(.type == "task" and .verdict != "error")] | sort_by([-(rank), -.values.filesystems[0].used_pct, $order[.host]])
	| .[] | "\(.host) \(.values.filesystems[0].used_pct | fmt) \(.verdict)"
' "$T/a.json" > "$T/vwant.txt"
printf 'gone - error\nclosed - unreachable\n' >> "$T/vwant.txt"
if [ $rc -eq 2 ] && diff <(awk '{ print $1, $3, $4 }' "$T/v.txt") "$T/vwant.txt" >/dev/null &&
	[ "$(awk '{ print $2 }' "$T/v.txt" | sort -u)" = "$SPEC" ]; then
	t_ok "--values: HOST TASK VALUE VERDICT, every host, worst first, those without a value last"
else
	t_fail "--values worst first" "rc=$rc $(diff <(awk '{ print $1, $3, $4 }' "$T/v.txt") "$T/vwant.txt") $(cat "$T/v.err")"
fi
"$R" check "${X[@]}" --values --sort host "$ALL" "$SPEC" mem > "$T/h.txt" 2>/dev/null
if [ "$(awk '{ print $1 }' "$T/h.txt" | uniq | tr '\n' ' ')" = "closed f10 f20 f30a f30b f50 f70 f90 f95 gone " ] &&
	[ "$(wc -l < "$T/h.txt")" = 20 ] && [ "$(awk '$1 == "f50" { print $2 }' "$T/h.txt" | tr '\n' ' ')" = "$SPEC mem " ]; then
	t_ok "--sort host: by host name, each host's tasks in order (20 lines)"
else
	t_fail "--sort host" "$(cat "$T/h.txt")"
fi
"$R" check "${X[@]}" --values --json f10 mem > /dev/null 2>"$T/e1"; rc1=$?
"$R" check "${X[@]}" --sort size f10 mem > /dev/null 2>"$T/e2"; rc2=$?
"$R" check "${X[@]}" --color=maybe f10 mem > /dev/null 2>"$T/e3"; rc3=$?
if [ $rc1 = 64 ] && [ $rc2 = 64 ] && [ $rc3 = 64 ] && grep -q 'choose one' "$T/e1" &&
	grep -q "'size' is not value or host" "$T/e2" && grep -q "'maybe' is not auto, always or never" "$T/e3"; then
	t_ok "--values with --json, --sort size, --color=maybe: exit 64 with a reason"
else
	t_fail "bad --values/--sort/--color" "$rc1 $rc2 $rc3 $(cat "$T/e1" "$T/e2" "$T/e3")"
fi

# --- colours -------------------------------------------------------------
# on_tty OUT ENV... -- ARGS: ronda ARGS under a pseudo-terminal, with the
# environment changed by ENV (NAME=VALUE, or -NAME to unset); the bytes to OUT.
on_tty() {
	timeout -k 5 120 python3 - "$@" <<'EOP'
import os, pty, sys
out, args = sys.argv[1], sys.argv[2:]
i = args.index("--")
env = dict(os.environ)
env.pop("NO_COLOR", None)
env["TERM"] = "xterm"
for e in args[:i]:
    if e.startswith("-"):
        env.pop(e[1:], None)
    else:
        k, v = e.split("=", 1)
        env[k] = v
pid, fd = pty.fork()
if pid == 0:
    os.execve(args[i + 1], args[i + 1:], env)
buf = b""
while True:
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        break
    if not chunk:
        break
    buf += chunk
open(out, "wb").write(buf)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
EOP
}
# SGR sequences (colours) in a capture; the progress line's \r ESC[K is no colour
esc() { grep -ao $'\033\\[[0-9;]*m' "$1" | wc -l; }
# a capture as text: no colours, no progress line, no \r
plain() { perl -pe 's/\e\[[0-9;]*m//g; s/\r\e\[K[^\r\n]*(?=\r\e\[K)//g; s/\r\e\[K//g; s/\r//g' "$1"; }
C=("$R" check "${X[@]}" "$ALL" "$SPEC")
on_tty "$T/c-tty" -- "${C[@]}"; rc=$?
if [ $rc = 2 ] && grep -qaF $'\033[31mfail\033[0m' "$T/c-tty" && grep -qaF $'\033[33mwarn\033[0m' "$T/c-tty" &&
	grep -qaF $'\033[35munreachable\033[0m' "$T/c-tty" && grep -qaF $'\033[1;31merror\033[0m' "$T/c-tty" &&
	grep -qaF $' \033[31mfail\033[0m, ' "$T/c-tty"; then
	t_ok "check on a terminal: fail red, warn yellow, error bold red, unreachable magenta"
else
	t_fail "check on a terminal: colours" "rc=$rc $(cat -v "$T/c-tty")"
fi
# the columns stay straight: without the escapes, the same text as piped
"${C[@]}" > "$T/c-pipe" 2>&1
if [ "$(grep -c $'\033' "$T/c-pipe")" = 0 ] && diff <(plain "$T/c-tty") "$T/c-pipe" >/dev/null; then
	t_ok "piped: no escape at all, and the same text as the terminal's without its colours"
else
	t_fail "piped: no escape" "$(diff <(plain "$T/c-tty") "$T/c-pipe" | cat -v)"
fi
on_tty "$T/c-nc" NO_COLOR=1 -- "${C[@]}"
on_tty "$T/c-ncx" NO_COLOR=x -- "${C[@]}"
on_tty "$T/c-never" -- "${C[@]}" --color=never
on_tty "$T/c-empty" NO_COLOR= -- "${C[@]}"
on_tty "$T/c-dumb" TERM=dumb -- "${C[@]}"
if [ "$(esc "$T/c-nc")" = 0 ] && [ "$(esc "$T/c-ncx")" = 0 ] && [ "$(esc "$T/c-never")" = 0 ] &&
	[ "$(esc "$T/c-dumb")" = 0 ] && [ "$(esc "$T/c-empty")" -gt 0 ]; then
	t_ok "terminal: NO_COLOR=1 or =x, --color=never and TERM=dumb: no escape; NO_COLOR empty: colours"
else
	t_fail "NO_COLOR / --color=never" "$(esc "$T/c-nc") $(esc "$T/c-ncx") $(esc "$T/c-never") $(esc "$T/c-dumb") $(esc "$T/c-empty")"
fi
NO_COLOR=1 "${C[@]}" --color=always > "$T/c-always" 2>&1
"${C[@]}" --color > "$T/c-bare" 2>&1
"$R" check "${X[@]}" --values --color=always f95,f10 "$SPEC" > "$T/c-values" 2>&1
if grep -qaF $'\033[31mfail\033[0m' "$T/c-always" && grep -qaF $'\033[35munreachable' "$T/c-bare" &&
	grep -qaF $'ok\033[0m' "$T/c-values" && grep -qaF $'\033[31mfail\033[0m' "$T/c-values"; then
	t_ok "--color=always (over NO_COLOR) and --color alone colour a pipe; --values too"
else
	t_fail "--color=always" "$(cat -v "$T/c-always" | head -5) $(cat -v "$T/c-values")"
fi
# exec's summary (stderr) on a terminal, and never the host's bytes
on_tty "$T/x-tty" -- "$R" exec "${X[@]}" 'f10,closed' -- printf 'out\n'; rc=$?
"$R" exec "${X[@]}" 'f10,closed' -- printf 'out\n' > "$T/x-pipe" 2>&1
if [ $rc = 2 ] && grep -qaF $'\033[32mok\033[0m' "$T/x-tty" && grep -qaF $'\033[35munreachable\033[0m' "$T/x-tty" &&
	grep -qa '^f10: out' "$T/x-tty" && [ "$(grep -c $'\033' "$T/x-pipe")" = 0 ]; then
	t_ok "exec summary: ok green and unreachable magenta on a terminal, none piped"
else
	t_fail "exec summary colours" "rc=$rc $(cat -v "$T/x-tty") // $(cat -v "$T/x-pipe")"
fi

# ronda run shares the summary: its spread is there too
cat > "$T/book.cfg" <<EOC
name = "spread";
tasks = ( { name = "data"; check = "disk"; path = "$D"; warn = 80; fail = 90; } );
EOC
"$R" run "${X[@]}" "$T/book.cfg" --limit 'f10,f20,f95' > "$T/run.txt" 2>&1; rc=$?
if [ $rc = 1 ] && grep -Eq '^data +3/3 +10.2% +19.9% +94.9% +f95 94.9%, f20 19.9%$' "$T/run.txt"; then
	t_ok "ronda run: the playbook's task has its spread line too"
else
	t_fail "ronda run: spread" "rc=$rc $(cat "$T/run.txt")"
fi

t_finish
