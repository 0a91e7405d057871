#!/bin/bash
# 53-passphrase.sh - an encrypted ed25519 key and no agent: asked once per
# run on a terminal (a pty here) or through SSH_ASKPASS, decrypted once into
# ronda's own ssh-agent, which is gone when the run ends; with neither, an
# immediate error naming the key; a wrong passphrase stops the run at once.
source "$(dirname "$0")/../lib.sh"
dir=$("$TOP/tests/fleet/up.sh" -n 3 -t 300) || { t_fail "fleet up"; t_finish; exit 1; }
trap '"$TOP/tests/fleet/down.sh" "$dir" >/dev/null 2>&1' EXIT
source "$dir/fleet.env"
R="$BUILD/ronda"
T="$dir/pass"
mkdir -p "$T/tmp"
export TMPDIR="$T/tmp"
ssh-keygen -q -t ed25519 -N 'open sesame' -f "$T/enc" -C enc-key
cat "$T/enc.pub" >> "$dir/authorized_keys"
X=(-i "$FLEET_INVENTORY" --known-hosts "$FLEET_KNOWN_HOSTS" --no-agent --retries 0 -k "$T/enc")
unset SSH_AUTH_SOCK DISPLAY WAYLAND_DISPLAY SSH_ASKPASS SSH_ASKPASS_REQUIRE
leftover() { ls "$TMPDIR" | grep -c '^ronda-agent\.'; }

# --- no terminal, no askpass: an immediate, clear error ----------------------------
out=$(setsid -w "$R" exec "${X[@]}" 'node[001-003]' -- echo hi < /dev/null 2>&1); rc=$?
if [ $rc -ne 0 ] && grep -q "identity file $T/enc is encrypted and no ssh-agent holds it" <<<"$out" &&
   grep -q "ssh-add $T/enc" <<<"$out" && ! grep -q '^node' <<<"$out"; then
	t_ok "no terminal and no SSH_ASKPASS: an error naming the key and ssh-add, no host touched (rc=$rc)"
else
	t_fail "no terminal: a clear error" "rc=$rc $out"
fi

# --- SSH_ASKPASS_REQUIRE=force: asked once for three hosts --------------------------
cat > "$T/askpass" <<EOS
#!/bin/sh
echo "\$1" >> "$T/asked"
echo 'open sesame'
EOS
cat > "$T/askpass-wrong" <<EOS
#!/bin/sh
echo "\$1" >> "$T/asked-wrong"
echo 'not it'
EOS
chmod +x "$T/askpass" "$T/askpass-wrong"
out=$(SSH_ASKPASS="$T/askpass" SSH_ASKPASS_REQUIRE=force setsid -w "$R" exec "${X[@]}" --json \
	'node[001-003]' -- echo hi < /dev/null 2>"$T/ap.err"); rc=$?
ok=$(jq -r 'select(.status == "ok" and .stdout == "hi\n") | .host' <<<"$out" | wc -l)
asked=$(wc -l < "$T/asked" 2>/dev/null || echo 0)
if [ $rc -eq 0 ] && [ "$ok" -eq 3 ] && [ "$asked" -eq 1 ] && grep -q "Enter passphrase for $T/enc" "$T/asked"; then
	t_ok "SSH_ASKPASS_REQUIRE=force: asked once, then 3 of 3 hosts log in"
else
	t_fail "SSH_ASKPASS: asked once, every host logs in" "rc=$rc ok=$ok asked=$asked $(cat "$T/ap.err")"
fi
[ "$(leftover)" -eq 0 ] && t_ok "ronda's ssh-agent and its socket are gone after the run" ||
	t_fail "no agent left behind" "$(ls -la "$TMPDIR")"
# no SSH_ASKPASS_REQUIRE, no display: askpass is not used (OpenSSH's rule)
out=$(SSH_ASKPASS="$T/askpass" setsid -w "$R" exec "${X[@]}" node001 -- true < /dev/null 2>&1); rc=$?
[ $rc -ne 0 ] && [ "$(wc -l < "$T/asked")" -eq 1 ] && grep -q 'is encrypted and no ssh-agent holds it' <<<"$out" &&
	t_ok "SSH_ASKPASS without a display or SSH_ASKPASS_REQUIRE is not used, as in OpenSSH" ||
	t_fail "SSH_ASKPASS needs a display or force" "rc=$rc $out"

# --- a wrong passphrase: stops at once -----------------------------------------------
out=$(SSH_ASKPASS="$T/askpass-wrong" SSH_ASKPASS_REQUIRE=force timeout 30 setsid -w "$R" exec "${X[@]}" \
	'node[001-003]' -- echo hi < /dev/null 2>&1); rc=$?
if [ $rc -ne 0 ] && [ $rc -ne 124 ] && grep -q "identity file $T/enc: wrong passphrase" <<<"$out" &&
   [ "$(wc -l < "$T/asked-wrong")" -eq 1 ] && ! grep -q '^node' <<<"$out"; then
	t_ok "a wrong passphrase: one ask, a clear error, no host touched"
else
	t_fail "a wrong passphrase stops the run" "rc=$rc $out"
fi
[ "$(leftover)" -eq 0 ] && t_ok "no agent left after a wrong passphrase" || t_fail "no agent left after a wrong passphrase" "$(ls "$TMPDIR")"

# --- a terminal: asked once, without echo --------------------------------------------
printf 'open sesame\n' > "$T/pass"
python3 "$TOP/tests/tools/ptyanswer.py" "Enter passphrase for" "$T/pass" "$T/pty.out" \
	"$R" exec "${X[@]}" 'node[001-003]' -- echo hi > "$T/pty.rc"
read -r prc prompts < "$T/pty.rc"
hi=$(grep -o 'node00[1-3]: hi' "$T/pty.out" | sort -u | wc -l)
if [ "$prc" = 0 ] && [ "$prompts" = 1 ] && [ "$hi" -eq 3 ] && ! grep -q 'open sesame' "$T/pty.out"; then
	t_ok "on a terminal: one prompt, no echo, then 3 of 3 hosts log in"
else
	t_fail "on a terminal: one prompt" "rc=$prc prompts=$prompts hi=$hi $(tr -d '\r' < "$T/pty.out" | head -8 | cat -A)"
fi

# --- the key already in an agent: no prompt at all ------------------------------------
ssh-agent -D -a "$T/user.sock" > /dev/null 2>&1 &
apid=$!
echo $apid >> "$dir/pids"
for _ in $(seq 100); do [ -S "$T/user.sock" ] && break; sleep 0.05; done
printf 'open sesame\n' | SSH_AUTH_SOCK="$T/user.sock" SSH_ASKPASS_REQUIRE=never setsid -w ssh-add -q "$T/enc" 2>/dev/null
: > "$T/asked"
out=$(SSH_AUTH_SOCK="$T/user.sock" SSH_ASKPASS="$T/askpass" SSH_ASKPASS_REQUIRE=force setsid -w "$R" exec \
	-i "$FLEET_INVENTORY" --known-hosts "$FLEET_KNOWN_HOSTS" --retries 0 -k "$T/enc" 'node[001-003]' -- echo hi < /dev/null 2>&1); rc=$?
[ $rc -eq 0 ] && [ ! -s "$T/asked" ] && [ "$(grep -c '^node00[1-3]: hi' <<<"$out")" -eq 3 ] &&
	t_ok "held by the user's ssh-agent: no prompt, every host logs in" || t_fail "held by ssh-agent: no prompt" "rc=$rc asked=$(cat "$T/asked") $out"
kill "$apid" 2>/dev/null

t_finish
