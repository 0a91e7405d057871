#!/bin/bash
# 48-modern-ssh.sh - servers set up as real hardened ones are, which
# libssh2 1.10 could not reach: an RSA user key against OpenSSH >= 8.8
# (rsa-sha2 only), a server whose MACs are EtM only and whose ciphers are
# AES-GCM (the usual ssh-audit hardening), one with EtM MACs and AES-CTR,
# and a server with only an RSA host key.  The recorded host key is checked
# with the real ssh; --json and -vv name what each handshake agreed on; and
# strict KEX is seen in both KEXINITs through a relay (tests/tools/kexproxy.py),
# which then injects a packet as Terrapin does, for ronda and ssh to refuse.
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
	-o Ciphers=aes256-gcm@openssh.com \
	-o KexAlgorithms=curve25519-sha256,curve25519-sha256@libssh.org
sshd_at rsaonly 127.3.0.2 "$T/rsa_host" -o HostKeyAlgorithms=rsa-sha2-512,rsa-sha2-256
sshd_at etmonly 127.3.0.3 "$T/ed_host" \
	-o MACs=hmac-sha2-256-etm@openssh.com,hmac-sha2-512-etm@openssh.com \
	-o Ciphers=aes128-ctr,aes256-ctr
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
# Known by another RSA key: a changed key, for ronda as for ssh.
ssh-keygen -q -t rsa -b 3072 -N '' -f "$T/rsa_other" -C rsa-other
printf '[127.3.0.2]:%s %s\n' "$rsa_port" "$(cut -d' ' -f1,2 "$T/rsa_other.pub")" > "$T/kh_other"
cp "$T/kh_other" "$T/kh_other.orig"
out=$("$R" exec -i "$T/inventory.cfg" --known-hosts "$T/kh_other" --hostkeys accept-new --no-agent --json \
	rsaonly -- true 2>/dev/null); rc=$?
st=$(jq -r '"\(.status) \(.error)"' <<<"$out")
if [ $rc -ne 0 ] && [[ $st == "hostkey-changed HOST KEY CHANGED for 127.3.0.2"* ]] && cmp -s "$T/kh_other" "$T/kh_other.orig"; then
	t_ok "RSA-only host known by another RSA key: hostkey-changed, even with accept-new, file untouched"
else
	t_fail "RSA-only host known by another RSA key: hostkey-changed" "rc=$rc $st"
fi
if ssh -F none -i "$FLEET_KEY" -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=accept-new \
	-o UserKnownHostsFile="$T/kh_other" -o GlobalKnownHostsFile=/dev/null -p "$rsa_port" root@127.3.0.2 true 2>"$T/ssh-other.err"; then
	t_fail "ssh also refuses the RSA-only host known by another key (oracle)" "ssh connected"
else
	grep -q 'REMOTE HOST IDENTIFICATION HAS CHANGED' "$T/ssh-other.err" &&
		t_ok "ssh also says REMOTE HOST IDENTIFICATION HAS CHANGED (oracle)" ||
		t_fail "ssh refuses with a changed key (oracle)" "$(head -3 "$T/ssh-other.err")"
fi
# What each handshake agreed on, in --json: EtM where the server insists.
out=$("$R" exec -i "$T/inventory.cfg" --known-hosts "$kh" --hostkeys accept-new --no-agent --json \
	hardened,rsaonly,etmonly -- true 2>"$T/json.err"); rc=$?
got=$(jq -r '"\(.host) \(.status) \(.kex) \(.hostkey_type) \(.cipher) \(.mac)"' <<<"$out" | sort)
want="etmonly ok curve25519-sha256 ssh-ed25519 aes128-ctr hmac-sha2-256-etm@openssh.com
hardened ok curve25519-sha256 ssh-ed25519 aes256-gcm@openssh.com <implicit>
rsaonly ok curve25519-sha256 rsa-sha2-512 aes128-gcm@openssh.com <implicit>"
[ $rc -eq 0 ] && [ "$got" = "$want" ] && t_ok "--json names each host's kex, host key, cipher and MAC (EtM-only, GCM-only, RSA-only)" ||
	t_fail "--json negotiated methods" "rc=$rc got: $got"
# Checked again, strictly: the same servers are known now.
out=$("$R" exec -i "$T/inventory.cfg" --known-hosts "$kh" --hostkeys strict --no-agent \
	-vv hardened,rsaonly -- true 2>&1); rc=$?
grep -Eq '^ronda: debug: [0-9.]+ hardened: kex curve25519-sha256, host key ssh-ed25519, cipher aes256-gcm@openssh.com, mac <implicit>$' <<<"$out" &&
	t_ok "-vv logs what was negotiated" || t_fail "-vv logs what was negotiated" "$(grep -i kex <<<"$out")"
[ $rc -eq 0 ] && t_ok "second run, strict host keys: both known" || t_fail "second run, strict host keys" "rc=$rc $out"

# --- strict KEX (Terrapin, CVE-2023-48795) ------------------------------------------
# A relay reads both KEXINITs: ronda must offer kex-strict-c-v00 and the
# server kex-strict-s-v00.  Then the relay slips an SSH_MSG_IGNORE in front
# of the server's KEXINIT, as the Terrapin attack does: under strict KEX the
# client must refuse it, where libssh2 1.10 took it and lost its sequence.
fline=$(grep -o "name = \"$FLEET_FIRST\"; address = \"[0-9.]*\"; port = [0-9]*" "$FLEET_INVENTORY")
faddr=$(sed 's/.*address = "\([0-9.]*\)".*/\1/' <<<"$fline"); fport=${fline##* }
for mode in observe inject; do
	: > "$T/kex-$mode"
	python3 "$TOP/tests/tools/kexproxy.py" 127.3.0.9 "$T/kexport-$mode" "$faddr" "$fport" $mode "$T/kex-$mode" 60 &
	echo $! >> "$dir/pids"
	for _ in $(seq 100); do [ -s "$T/kexport-$mode" ] && break; sleep 0.05; done
	printf 'defaults = { user = "root"; identity = "%s"; };\nhosts = ( { name = "relay"; address = "127.3.0.9"; port = %s; } );\n' \
		"$FLEET_KEY" "$(cat "$T/kexport-$mode")" > "$T/relay-$mode.cfg"
	"$R" exec -i "$T/relay-$mode.cfg" --known-hosts /dev/null --insecure-no-hostkey-check --no-agent --retries 0 \
		--json relay -- echo through > "$T/relay-$mode.json" 2>"$T/relay-$mode.err"
	echo $? > "$T/relay-$mode.rc"
	for _ in $(seq 100); do [ -s "$T/kex-$mode" ] && break; sleep 0.05; done
done
st=$(jq -r '"\(.status) \(.stdout)"' "$T/relay-observe.json")
if [ "$(cat "$T/kex-observe")" = "client-strict=1 server-strict=1" ] && [ "$st" = "ok through" ]; then
	t_ok "strict KEX: ronda offers kex-strict-c-v00, sshd kex-strict-s-v00, and the session works"
else
	t_fail "strict KEX offered by both sides" "$(cat "$T/kex-observe") $st $(cat "$T/relay-observe.err")"
fi
st=$(jq -r '"\(.status) \(.error)"' "$T/relay-inject.json")
if [ "$(cat "$T/relay-inject.rc")" -ne 0 ] && [[ $st == protocol* ]] && [ "$(cat "$T/kex-inject")" = "client-strict=1 server-strict=1" ]; then
	t_ok "strict KEX: a packet slipped before KEXINIT is refused ($st)"
else
	t_fail "strict KEX refuses a packet before KEXINIT" "rc=$(cat "$T/relay-inject.rc") $st $(cat "$T/kex-inject")"
fi
# The oracle: OpenSSH's own client refuses the same injection.
if ssh -F none -i "$FLEET_KEY" -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=no \
	-o UserKnownHostsFile=/dev/null -o GlobalKnownHostsFile=/dev/null -o ConnectTimeout=10 \
	-p "$(cat "$T/kexport-inject")" root@127.3.0.9 true 2>"$T/ssh-inject.err"; then
	t_fail "ssh refuses the injected packet too (oracle)" "ssh connected"
else
	grep -qi 'strict KEX\|first packet\|Corrupted MAC\|incomplete message\|Connection closed' "$T/ssh-inject.err" &&
		t_ok "ssh refuses the injected packet too (oracle): $(grep -i -m1 'strict\|kex\|closed' "$T/ssh-inject.err")" ||
		t_fail "ssh refuses the injected packet (oracle)" "$(cat "$T/ssh-inject.err")"
fi

t_finish
