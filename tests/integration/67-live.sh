#!/bin/bash
# 67-live.sh - ronda exec's live output and input.  A fast host's line is
# printed while a slow host still runs (the slow host waits for the reader
# to have seen it); 20 hosts printing 2000 long lines at once never cut
# into each other's lines; stdout and stderr stay apart; a last line with
# no newline and a line past the 64 KiB cap are flushed; the guard's status
# line never shows.  --json writes each host as it finishes.  Local stdin
# reaches every host (bytes exact), but not when it is the host list, a
# terminal or -n; --stdin-max refuses before anything runs; -c and
# --script run shell text and local scripts and leave nothing on the host.
source "$(dirname "$0")/../lib.sh"
dir=$("$TOP/tests/fleet/up.sh" -n 20 -t 600) || { t_fail "fleet up"; t_finish; exit 1; }
trap '"$TOP/tests/fleet/down.sh" "$dir" >/dev/null 2>&1' EXIT
source "$dir/fleet.env"
R="$BUILD/ronda"
X=(-i "$FLEET_INVENTORY" --known-hosts "$FLEET_KNOWN_HOSTS" --connect-timeout 10 --retries 0)
T=$dir/live
mkdir -p "$T"
M=$$

# --- a fast host is shown before the slow one ends ---------------------------
# node002 waits (at most 20 s) for the reader to have seen node001's line;
# if output waited for every host, node002 would time out of its wait.
# Each line gets the reader's clock as it arrives; node002 notes when it ends.
SLOW='case $HOME in */node002) i=0; while [ ! -e "$1/go" ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
	[ -e "$1/go" ] && echo slow || echo "slow: gave up waiting"; date +%s.%N > "$1/slow.end";;
	*) echo fast;; esac'
"$R" exec "${X[@]}" 'node[001-002]' -c "$SLOW" -- "$T" 2>"$T/t.err" </dev/null |
	while IFS= read -r l; do
		echo "$(date +%s.%N) $l"
		[ "$l" = "node001: fast" ] && touch "$T/go"
	done > "$T/t.out"
fast=$(awk '$2 == "node001:" && $3 == "fast" {print $1}' "$T/t.out")
slow_end=$(cat "$T/slow.end" 2>/dev/null)
cat "$T/t.out" | sed 's/^/  /'
echo "  node002 ended at $slow_end"
if grep -qx '[0-9.]* node002: slow' "$T/t.out" && [ -n "$fast" ] && [ -n "$slow_end" ] &&
	awk -v a="$fast" -v b="$slow_end" 'BEGIN { exit !(a < b) }'; then
	t_ok "the fast host's line arrives before the slow host ends"
else
	t_fail "the fast host's line arrives before the slow host ends" "$(cat "$T/t.out" "$T/t.err")"
fi

# --- 20 hosts, 2000 lines of 4200 bytes each, all at once ---------------------
# Lines longer than PIPE_BUF: each must still come whole, "HOST: HOST NNNN xxx".
LONG='h=${HOME##*/}; awk -v h="$h" "BEGIN { s = sprintf(\"%4200s\", \"\"); gsub(/ /, \"x\", s); for (i = 0; i < 2000; i++) printf \"%s %04d %s\n\", h, i, s }"'
"$R" exec "${X[@]}" 'node[001-020]' -c "$LONG" > "$T/many.out" 2>"$T/many.err" </dev/null; rc=$?
bad=$(awk '{ if (!($1 == $2 ":" && length($4) == 4200 && $4 !~ /[^x]/ && NF == 4)) n++ } END { print n + 0 }' "$T/many.out")
seq_ok=$(awk '{ h = $2; if ($3 + 0 != next_[h] + 0) bad++; next_[h] = $3 + 1 } END { for (h in next_) { k++; if (next_[h] != 2000) bad++ } print (bad == 0 && k == 20) ? "yes" : "no" }' "$T/many.out")
lines=$(wc -l < "$T/many.out")
[ $rc -eq 0 ] && [ "$bad" -eq 0 ] && [ "$lines" -eq 40000 ] && [ "$seq_ok" = yes ] &&
	t_ok "20 hosts x 2000 lines of 4200 bytes: every line whole, in order per host" ||
	t_fail "20 hosts x 2000 lines of 4200 bytes: every line whole, in order per host" \
		"rc=$rc lines=$lines bad=$bad seq=$seq_ok $(head -c 300 "$T/many.err")"

# --- stdout and stderr apart; the status line never shows ---------------------
"$R" exec "${X[@]}" node001 -c 'echo o1; echo e1 >&2; echo o2; printf "e2-no-newline" >&2' \
	> "$T/split.out" 2>"$T/split.err" </dev/null; rc=$?
[ $rc -eq 0 ] && [ "$(cat "$T/split.out")" = $'node001: o1\nnode001: o2' ] &&
	[ "$(grep '^node001:' "$T/split.err")" = $'node001: e1\nnode001: e2-no-newline' ] &&
	t_ok "stdout's lines on stdout, stderr's on stderr, the last one without a newline too" ||
	t_fail "stdout's lines on stdout, stderr's on stderr" "rc=$rc out=$(cat -A "$T/split.out") err=$(cat -A "$T/split.err")"
if grep -qa $'\036\|ronda-exit' "$T/split.out" "$T/split.err" "$T/t.err" "$T/many.err"; then
	t_fail "the guard's status line is never shown" "$(grep -a 'ronda-exit' "$T"/*.err "$T/split.out" | cat -A | head -5)"
else
	t_ok "the guard's status line is never shown"
fi
# A host that prints a status lookalike mid-stream sees it shown; its exit code stays its own.
"$R" exec "${X[@]}" node001 -c 'printf "\036ronda-exit 9\n" >&2; echo after >&2; exit 4' \
	> "$T/fake.out" 2>"$T/fake.err" </dev/null; rc=$?
[ $rc -eq 1 ] && [ "$(grep -a '^node001:' "$T/fake.err")" = "node001: $(printf '\036')ronda-exit 9"$'\nnode001: after' ] &&
	grep -q '^failed .*exit code 4' "$T/fake.err" &&
	t_ok "a status lookalike mid-stream is shown, the real exit code (4) counts" ||
	t_fail "a status lookalike mid-stream is shown" "rc=$rc $(cat -A "$T/fake.err")"

# --- the 64 KiB cap, and a last line without newline ---------------------------
"$R" exec "${X[@]}" node001 -c 'head -c 70000 /dev/zero | tr "\0" a; echo; head -c 100 /dev/zero | tr "\0" b' \
	> "$T/cap.out" 2>/dev/null </dev/null; rc=$?
want=$(printf 'node001: %s\nnode001: %s\nnode001: %s' "$(head -c 65536 /dev/zero | tr '\0' a)" \
	"$(head -c 4464 /dev/zero | tr '\0' a)" "$(head -c 100 /dev/zero | tr '\0' b)")
[ $rc -eq 0 ] && [ "$(cat "$T/cap.out")" = "$want" ] &&
	t_ok "a 70000-byte line comes as 65536 + 4464, a last line without newline at the end" ||
	t_fail "the 64 KiB cap" "rc=$rc $(awk '{ print length($0) }' "$T/cap.out" | tr '\n' ' ')"

# --- --json: each host as it is done ---------------------------------------------
mkdir -p "$T/j"
"$R" exec "${X[@]}" --json 'node[001-002]' -c "$SLOW" -- "$T/j" 2>/dev/null </dev/null |
	while IFS= read -r l; do
		echo "$l"
		[ "$(jq -r .host <<<"$l")" = node001 ] && mkdir -p "$T/j" && touch "$T/j/go"
	done > "$T/j.out"
mkdir -p "$T/j"
[ "$(jq -r '.host + " " + .stdout' "$T/j.out")" = $'node001 fast\n\nnode002 slow' ] &&
	t_ok "--json writes node001's object while node002 still runs" ||
	t_fail "--json writes each host as it is done" "$(cat "$T/j.out")"

# --- stdin ------------------------------------------------------------------------
out=$(echo x | timeout 60 "$R" exec "${X[@]}" 'node[001-003]' -- cat 2>/dev/null); rc=$?
[ $rc -eq 0 ] && [ "$(sort <<<"$out")" = $'node001: x\nnode002: x\nnode003: x' ] &&
	t_ok "echo x | exec -- cat: 'host: x' on every host" ||
	t_fail "echo x | exec -- cat" "rc=$rc $out"
head -c 3000000 /dev/urandom > "$T/blob"
printf 'a\0b\r\n' >> "$T/blob"
sum=$(sha256sum < "$T/blob" | cut -d' ' -f1)
out=$(timeout 60 "$R" exec "${X[@]}" 'node[001-005]' -- sh -c 'sha256sum | cut -d" " -f1' < "$T/blob" 2>/dev/null); rc=$?
[ $rc -eq 0 ] && [ "$(grep -c ": $sum\$" <<<"$out")" -eq 5 ] &&
	t_ok "3 MB of binary stdin arrive byte for byte on 5 hosts" ||
	t_fail "binary stdin arrives byte for byte" "rc=$rc want $sum: $out"
# /dev/null, -n and the host list send nothing, and cat ends at once
out=$(timeout 30 "$R" exec "${X[@]}" node001 -- sh -c 'cat; echo "end"' < /dev/null 2>/dev/null); rc=$?
out2=$(echo x | timeout 30 "$R" exec "${X[@]}" -n node001 -- sh -c 'cat; echo "end"' 2>/dev/null); rc2=$?
out3=$(echo node001 | timeout 30 "$R" exec "${X[@]}" - -- sh -c 'cat; echo "end"' 2>/dev/null); rc3=$?
[ $rc -eq 0 ] && [ "$out" = "node001: end" ] && t_ok "stdin /dev/null: the command reads EOF at once" ||
	t_fail "stdin /dev/null" "rc=$rc $out"
[ $rc2 -eq 0 ] && [ "$out2" = "node001: end" ] && t_ok "-n: nothing is sent" || t_fail "-n: nothing is sent" "rc=$rc2 $out2"
[ $rc3 -eq 0 ] && [ "$out3" = "node001: end" ] &&
	t_ok "'-' as the pattern: stdin is the host list and is not sent" ||
	t_fail "'-': stdin is the host list and is not sent" "rc=$rc3 $out3"
# a terminal: nothing is read, nothing hangs
printf '%q ' "$R" exec "${X[@]}" node001 -- sh -c 'cat; echo end' > "$T/tty.sh"
timeout 30 script -qec "bash $T/tty.sh" /dev/null < /dev/null > "$T/tty.out" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q '^node001: end' "$T/tty.out" && t_ok "stdin a terminal: nothing is read, cat ends at once" ||
	t_fail "stdin a terminal" "rc=$rc $(cat -A "$T/tty.out")"
# --stdin-max: refused before anything runs
rm -f "$FLEET_HOMES/node001/ran.$M"
head -c 2000 /dev/zero | timeout 60 "$R" exec "${X[@]}" --stdin-max 1k node001 -- sh -c "touch ran.$M; cat >/dev/null" \
	> "$T/max.out" 2>"$T/max.err"; rc=$?
[ $rc -eq 64 ] && grep -q 'stdin passes --stdin-max (1024 bytes)' "$T/max.err" && [ ! -e "$FLEET_HOMES/node001/ran.$M" ] &&
	t_ok "--stdin-max 1k with 2000 bytes: exit 64, a clear error, nothing ran" ||
	t_fail "--stdin-max" "rc=$rc $(cat "$T/max.err") $(ls "$FLEET_HOMES/node001")"
head -c 1024 /dev/zero | timeout 60 "$R" exec "${X[@]}" --stdin-max 1k node001 -- wc -c > "$T/max2.out" 2>/dev/null; rc=$?
head -c 1025 /dev/zero | timeout 60 "$R" exec "${X[@]}" --stdin-max 1k node001 -- wc -c > /dev/null 2>&1; rc2=$?
[ $rc -eq 0 ] && [ $rc2 -eq 64 ] && [ "$(tr -d ' ' < "$T/max2.out")" = "node001:1024" ] && t_ok "--stdin-max 1k: 1024 bytes are sent, 1025 refused" ||
	t_fail "--stdin-max 1k with 1024 bytes" "rc=$rc $(cat "$T/max2.out")"
# a timeout still kills a command that reads stdin
echo data | timeout 60 "$R" exec "${X[@]}" --json --timeout 2 node001 -- sh -c "cat >/dev/null; sleep 1006.$M" > "$T/k.json" 2>/dev/null; rc=$?
for _ in $(seq 1 100); do pgrep -f "sleep 1006.$M" >/dev/null || break; sleep 0.1; done
[ $rc -eq 2 ] && [ "$(jq -r .status "$T/k.json")" = timeout ] && ! pgrep -f "sleep 1006.$M" >/dev/null &&
	t_ok "with stdin sent, a timeout still kills the command" ||
	t_fail "with stdin sent, a timeout still kills the command" "rc=$rc $(cat "$T/k.json") $(pgrep -af "sleep 1006.$M")"
for p in $(pgrep -f "sleep 1006.$M"); do kill -KILL "$p" 2>/dev/null; done

# --- -c and --script, and nothing left on the host --------------------------------
out=$("$R" exec "${X[@]}" node001 -c 'echo "[$0][$1][$2][$#]"' -- a 'b c' 2>/dev/null </dev/null); rc=$?
[ $rc -eq 0 ] && [ "$out" = "node001: [sh][a][b c][2]" ] && t_ok "-c TEXT -- ARGS: sh -c with \$0 sh and the arguments" ||
	t_fail "-c TEXT -- ARGS" "rc=$rc $out"
out=$("$R" exec "${X[@]}" node001 -- echo '$(id)' 2>/dev/null </dev/null)
[ "$out" = 'node001: $(id)' ] && t_ok "without -c the command stays an argument vector" || t_fail "argument vector" "$out"
cat > "$T/job.sh" <<'EOF'
echo "sh [$0] [$1] [$2]"
readlink /proc/$$/fd/0
read -r x || echo "stdin: end of file"
EOF
cat > "$T/job.py" <<'EOF'
#!/usr/bin/env python3
import sys
print("py", sys.argv[1:])
EOF
snap() { (cd "$FLEET_HOMES/node001" && find . | LC_ALL=C sort); }
before=$(snap)
out=$(timeout 60 "$R" exec "${X[@]}" node001 --script "$T/job.sh" -- 1 'two words' 2>"$T/s.err" </dev/null); rc=$?
fifo=$(sed -n 's/^node001: \(.*\) (deleted)$/\1/p' <<<"$out")
[ $rc -eq 0 ] && [ "$(sed -n 1p <<<"$out")" = "node001: sh [job.sh] [1] [two words]" ] &&
	grep -qx 'node001: stdin: end of file' <<<"$out" &&
	t_ok "--script FILE -- ARGS: sh runs it whole, its stdin at end of file" ||
	t_fail "--script FILE -- ARGS (sh)" "rc=$rc $out $(cat "$T/s.err")"
[ -n "$fifo" ] && [ ! -e "$fifo" ] && [ ! -e "$(dirname "$fifo")" ] &&
	t_ok "the script came through a FIFO that was gone before it ran ($fifo)" ||
	t_fail "the script's FIFO is gone" "fifo=$fifo $out"
out=$(timeout 60 "$R" exec "${X[@]}" 'node[001-002]' --script "$T/job.py" -- a b 2>/dev/null </dev/null); rc=$?
[ $rc -eq 0 ] && [ "$(sort <<<"$out")" = $'node001: py [\'a\', \'b\']\nnode002: py [\'a\', \'b\']' ] &&
	t_ok "#!/usr/bin/env python3: python3 - ARGS" || t_fail "--script with python3" "rc=$rc $out"
[ "$before" = "$(snap)" ] && t_ok "nothing new in the host's \$HOME after --script and stdin runs" ||
	t_fail "nothing new in the host's \$HOME" "$(diff <(echo "$before") <(snap))"
printf '#!/usr/bin/env -S python3 -u\n' > "$T/bad.py"
"$R" exec "${X[@]}" node001 --script "$T/bad.py" > /dev/null 2>"$T/bad.err" </dev/null; rc=$?
[ $rc -eq 78 ] && grep -q 'bad.py: its #! line runs env without one program name' "$T/bad.err" &&
	t_ok "an unusable #! line: exit 78 with the reason" || t_fail "an unusable #! line" "rc=$rc $(cat "$T/bad.err")"
"$R" exec "${X[@]}" node001 --script "$T/job.sh" -c true > /dev/null 2>"$T/both.err" </dev/null; rc=$?
[ $rc -eq 64 ] && grep -q 'cannot go together' "$T/both.err" && t_ok "--script and -c together: exit 64" ||
	t_fail "--script and -c together" "rc=$rc $(cat "$T/both.err")"
t_finish
