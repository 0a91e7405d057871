#!/bin/bash
# 48-modern-ssh.sh - servers set up as real hardened ones are, which
# libssh2 1.10 could not reach: an RSA user key against OpenSSH >= 8.8
# (rsa-sha2 only), a server whose MACs are EtM only and whose ciphers are
# AES-GCM (the usual ssh-audit hardening), and a server with only an RSA
# host key.  The recorded host key is checked with the real ssh.
source "$(dirname "$0")/../lib.sh"
dir=$("$TOP/tests/fleet/up.sh" -n 2 -t 300) || { t_fail "fleet up"; t_finish; exit 1; }
trap '"$TOP/tests/fleet/down.sh" "$dir" >/dev/null 2>&1' EXIT
source "$dir/fleet.env"
R="$BUILD/ronda"
T="$dir/modern"
mkdir -p "$T"

source "$TOP/tests/lib-sshd.sh"

ssh-keygen -q -t rsa -b 3072 -N '' -f "$T/rsa_host" -C rsa-host
ssh-keygen -q -t ed25519 -N '' -f "$T/ed_host" -C ed-host
: > "$T/hosts"
sshd_at hardened 127.3.0.1 "$T/ed_host" \
	-o MACs=hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com \
	-o Ciphers=aes256-gcm@openssh.com,aes128-gcm@openssh.com \
	-o KexAlgorithms=curve25519-sha256,curve25519-sha256@libssh.org
sshd_at rsaonly 127.3.0.2 "$T/rsa_host" -o HostKeyAlgorithms=rsa-sha2-512,rsa-sha2-256
cat > "$T/inventory.cfg" <<EOC
defaults = { user = "root"; identity = "$FLEET_KEY"; };
hosts = (
$(sed '$ s/,$//' "$T/hosts")
);
EOC

# --- an RSA user key against OpenSSH 9.2 (ssh-rsa with SHA-1 refused) ----------
ssh-keygen -q -t rsa -b 3072 -N '' -f "$T/rsa_user" -C rsa-user
cat "$T/rsa_user.pub" >> "$dir/authorized_keys"
out=$("$R" exec -i "$FLEET_INVENTORY" --known-hosts "$FLEET_KNOWN_HOSTS" --no-agent -k "$T/rsa_user" \
	"$FLEET_FIRST" -- echo rsa-ok 2>&1); rc=$?
if [ $rc -eq 0 ] && grep -q "^$FLEET_FIRST: rsa-ok$" <<<"$out"; then
	t_ok "an RSA user key logs in to OpenSSH $(ssh -V 2>&1 | grep -o 'OpenSSH_[0-9.p]*') (rsa-sha2)"
else
	t_fail "an RSA user key logs in (rsa-sha2)" "rc=$rc $out"
fi
grep -q 'ssh-rsa not in PubkeyAcceptedAlgorithms' "$dir"/*.log 2>/dev/null \
	&& t_fail "no ssh-rsa (SHA-1) signature was offered" "$(grep -h 'ssh-rsa not in' "$dir"/*.log | head -2)" \
	|| t_ok "no ssh-rsa (SHA-1) signature was offered"

# --- EtM-only MACs and AES-GCM; an RSA-only host key ---------------------------
kh="$T/known_hosts"
: > "$kh"
out=$("$R" exec -i "$T/inventory.cfg" --known-hosts "$kh" --hostkeys accept-new --no-agent \
	hardened,rsaonly -- echo up 2>&1); rc=$?
if [ $rc -eq 0 ] && grep -q '^hardened: up$' <<<"$out" && grep -q '^rsaonly: up$' <<<"$out"; then
	t_ok "an EtM-only, AES-GCM-only server and an RSA-only host key both answer"
else
	t_fail "hardened and RSA-only servers answer" "rc=$rc $out $(tail -3 "$T"/*.log)"
fi
# The recorded keys are the servers' own, and the real ssh agrees with them.
rsa_port=$(cat "$T/rsaonly.port")
if grep -q "^\[127.3.0.2\]:$rsa_port ssh-rsa $(cut -d' ' -f2 "$T/rsa_host.pub")" "$kh"; then
	t_ok "accept-new recorded the RSA host key"
else
	t_fail "accept-new recorded the RSA host key" "$(cat "$kh")"
fi
if ssh -F none -i "$FLEET_KEY" -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=yes \
	-o UserKnownHostsFile="$kh" -o GlobalKnownHostsFile=/dev/null -p "$rsa_port" root@127.3.0.2 true 2>"$T/ssh.err"; then
	t_ok "ssh accepts the host key ronda recorded (oracle)"
else
	t_fail "ssh accepts the host key ronda recorded" "$(cat "$T/ssh.err")"
fi
# Checked again, strictly: the same servers are known now.
out=$("$R" exec -i "$T/inventory.cfg" --known-hosts "$kh" --hostkeys strict --no-agent \
	hardened,rsaonly -- true 2>&1); rc=$?
[ $rc -eq 0 ] && t_ok "second run, strict host keys: both known" || t_fail "second run, strict host keys" "rc=$rc $out"

t_finish
