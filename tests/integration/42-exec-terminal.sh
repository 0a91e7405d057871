#!/bin/bash
# 42-exec-terminal.sh - what a host prints never reaches the operator's
# terminal raw.  A fleet host's command prints a window-title OSC, a clear
# screen, CSI colour and cursor sequences, a C1 CSI, a bidi override and an
# invalid byte; ronda exec runs under a pseudo-terminal (script -qec), and
# the capture holds no ESC byte of the host's, only visible escapes.  When
# stdout is not a terminal, and with --raw on a terminal, the bytes pass
# unchanged.
source "$(dirname "$0")/../lib.sh"
dir=$("$TOP/tests/fleet/up.sh" -n 2 -t 300) || { t_fail "fleet up"; t_finish; exit 1; }
trap '"$TOP/tests/fleet/down.sh" "$dir" >/dev/null 2>&1' EXIT
source "$dir/fleet.env"
R="$BUILD/ronda"
X=(-i "$FLEET_INVENTORY" --known-hosts "$FLEET_KNOWN_HOSTS")
# printf's format, run by the host's shell: OSC 0 (title) ended by BEL, ED
# (clear screen), SGR, CUU (cursor up), C1 CSI (U+009B), RLO (U+202E), 0xff
FMT='\033]0;pwned\007\033[2J\033[1;31mred\033[0m\033[1A \342\200\256gpj.exe \302\233J\n\377\n'

# Runs ronda exec with ARGS under a pseudo-terminal; the capture goes to $1.
# ronda's own verdict colours are off: every ESC byte left is the host's
# (suite 74 tests the colours).
on_tty() {
	local out=$1; shift
	printf '%q ' "$R" exec --color=never "${X[@]}" "$@" > "$dir/cmd.sh"
	timeout 60 script -qec "bash $dir/cmd.sh" /dev/null < /dev/null > "$out"
}
# The capture without ronda's own progress line ("\r ESC [K").
host_bytes() { perl -0777 -pe 's/\r\e\[K//g' "$1"; }
has() { grep -qaF -- "$2" <(host_bytes "$1"); }

on_tty "$dir/tty.txt" node001 -- printf "$FMT"; rc=$?
[ $rc -eq 0 ] && t_ok "exec under a pty: exit 0" || t_fail "exec under a pty: exit 0" "rc=$rc"
esc=$(host_bytes "$dir/tty.txt" | tr -cd '\033' | wc -c)
[ "$esc" -eq 0 ] && t_ok "no ESC byte from the host reaches the terminal" ||
	t_fail "no ESC byte from the host reaches the terminal" "$esc ESC byte(s): $(cat -v "$dir/tty.txt")"
for b in '\302\233' '\342\200\256' '\007' '\377'; do
	if host_bytes "$dir/tty.txt" | grep -qaF "$(printf "$b")"; then
		t_fail "byte(s) $b do not reach the terminal" "$(cat -v "$dir/tty.txt")"
	else
		t_ok "byte(s) $b do not reach the terminal"
	fi
done
want='node001: \x1b]0;pwned\x07\x1b[2J\x1b[1;31mred\x1b[0m\x1b[1A \u202egpj.exe \u009bJ'
has "$dir/tty.txt" "$want" && t_ok "each control shown as a visible escape" ||
	t_fail "each control shown as a visible escape" "$(cat -v "$dir/tty.txt")"
has "$dir/tty.txt" 'node001: \xff' && t_ok "an invalid byte shown as \\xff" ||
	t_fail "an invalid byte shown as \\xff" "$(cat -v "$dir/tty.txt")"
grep -qa '^ok .*node001' <(host_bytes "$dir/tty.txt" | tr -d '\r') && t_ok "the summary follows" ||
	t_fail "the summary follows" "$(cat -v "$dir/tty.txt")"

# folded (-b) and text that is only UTF-8 is kept as it is
on_tty "$dir/fold.txt" -b 'node[001-002]' -- printf 'caf\303\251 \342\202\254\t\033[2Jx\n'
esc=$(host_bytes "$dir/fold.txt" | tr -cd '\033' | wc -c)
[ "$esc" -eq 0 ] && has "$dir/fold.txt" "$(printf 'caf\303\251 \342\202\254\t\\x1b[2Jx')" &&
	has "$dir/fold.txt" 'node[001-002] (2)' && t_ok "folded output escaped, UTF-8 and tabs kept" ||
	t_fail "folded output escaped, UTF-8 and tabs kept" "$(cat -v "$dir/fold.txt")"

# not a terminal: the bytes as the host sent them, after the prefix
"$R" exec "${X[@]}" node001 -- printf "$FMT" > "$dir/pipe.out" 2>/dev/null
{ printf 'node001: '; printf "${FMT%%\\n\\377\\n}"; printf '\nnode001: \377\n'; } > "$dir/pipe.want"
cmp -s "$dir/pipe.out" "$dir/pipe.want" && t_ok "not a terminal: the bytes pass unchanged" ||
	t_fail "not a terminal: the bytes pass unchanged" "$(cmp "$dir/pipe.out" "$dir/pipe.want" 2>&1)"
"$R" exec "${X[@]}" -b node001 -- printf "$FMT" > "$dir/pipe-b.out" 2>/dev/null
grep -qaF "$(printf "${FMT%%\\n\\377\\n}")" "$dir/pipe-b.out" &&
	t_ok "not a terminal, folded: the bytes pass unchanged" ||
	t_fail "not a terminal, folded: the bytes pass unchanged" "$(cat -v "$dir/pipe-b.out")"

# --raw on a terminal: the operator asked for the bytes
on_tty "$dir/raw.txt" --raw node001 -- printf "$FMT"
has "$dir/raw.txt" "$(printf '\033]0;pwned\007\033[2J')" && has "$dir/raw.txt" "$(printf '\342\200\256')" &&
	t_ok "--raw on a terminal passes the bytes" ||
	t_fail "--raw on a terminal passes the bytes" "$(cat -v "$dir/raw.txt")"
t_finish
