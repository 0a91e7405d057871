#!/bin/bash
# 49-user-cert.sh - user certificates and RSA keys through ssh-agent.
#
# A server that trusts only a user CA (TrustedUserCAKeys,
# AuthorizedPrincipalsFile, no authorized_keys) takes ed25519, ECDSA and
# RSA keys whose KEY-cert.pub lies beside them, and a certificate held by
# ssh-agent; it refuses an expired certificate (the error says expired) and
# the bare key.  A server that takes RSA only as rsa-sha2 logs in an RSA key
# held by ssh-agent.  For every case the real `ssh` is the oracle.
source "$(dirname "$0")/../lib.sh"
dir=$("$TOP/tests/fleet/up.sh" -n 2 -t 300) || { t_fail "fleet up"; t_finish; exit 1; }
agent_pid=""
cleanup() {
	[ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null
	"$TOP/tests/fleet/down.sh" "$dir" >/dev/null 2>&1
}
trap cleanup EXIT
source "$dir/fleet.env"
R="$BUILD/ronda"
T="$dir/usercert"
mkdir -p "$T/home"

source "$TOP/tests/lib-sshd.sh"

ssh-keygen -q -t ed25519 -N '' -f "$T/host" -C host
ssh-keygen -q -t ed25519 -N '' -f "$T/ca" -C user-ca
echo root > "$T/principals"
ssh-keygen -q -t ed25519 -N '' -f "$T/id_ed" -C ed-user
ssh-keygen -q -t ecdsa -b 256 -N '' -f "$T/id_ec" -C ec-user
ssh-keygen -q -t rsa -b 3072 -N '' -f "$T/id_rsa" -C rsa-user
ssh-keygen -q -t ed25519 -N '' -f "$T/id_old" -C old-user
ssh-keygen -q -t ed25519 -N '' -f "$T/id_bare" -C bare-user
ssh-keygen -q -t ed25519 -N '' -f "$T/id_agent" -C agent-user
for k in id_ed id_ec id_rsa id_agent; do
	ssh-keygen -q -s "$T/ca" -I "cert-$k" -n root -V -5m:+1h "$T/$k.pub"
done
ssh-keygen -q -s "$T/ca" -I cert-old -n root -V 20200101000000Z:20200102000000Z "$T/id_old.pub"
ssh-keygen -q -t rsa -b 3072 -N '' -f "$T/agent_rsa" -C agent-rsa

: > "$T/hosts"
sshd_at certsrv 127.3.1.1 "$T/host" \
	-o TrustedUserCAKeys="$T/ca.pub" -o AuthorizedPrincipalsFile="$T/principals" \
	-o AuthorizedKeysFile=none
cat "$T/agent_rsa.pub" > "$T/rsa_keys"
sshd_at rsasha2 127.3.1.2 "$T/host" -o AuthorizedKeysFile="$T/rsa_keys" \
	-o PubkeyAcceptedAlgorithms=rsa-sha2-512,rsa-sha2-256 -o LogLevel=DEBUG2
# An old-style server that takes RSA only as ssh-rsa (SHA-1): ronda must not sign that.
sshd_at rsasha1 127.3.1.3 "$T/host" -o AuthorizedKeysFile="$T/rsa_keys" \
	-o PubkeyAcceptedAlgorithms=ssh-rsa -o LogLevel=DEBUG2
cert_port=$(cat "$T/certsrv.port") rsa_port=$(cat "$T/rsasha2.port") sha1_port=$(cat "$T/rsasha1.port")
kh="$T/known_hosts"
: > "$kh"

# ronda_on ADDR PORT OPTION...: exec `true` on one server with --json;
# prints status and error.  HOME is empty: no default keys, no ~/.ssh.
ronda_on() {
	local addr=$1 port=$2
	shift 2
	HOME="$T/home" "$R" exec -u root -p "$port" --known-hosts "$kh" --hostkeys accept-new \
		--connect-timeout 10 --retries 0 --json "$@" "$addr" -- true > "$T/r.json" 2>"$T/r.err"
	echo "rc=$? $(jq -r '.status + " " + (.error // "")' "$T/r.json" 2>/dev/null | head -1)"
}
# ssh_on ADDR PORT OPTION...: the real ssh on the same server: ok or refused.
ssh_on() {
	local addr=$1 port=$2
	shift 2
	HOME="$T/home" ssh -F none -o BatchMode=yes -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o GlobalKnownHostsFile=/dev/null \
		-o ConnectTimeout=10 -p "$port" "$@" root@"$addr" true </dev/null 2>"$T/ssh.err" \
		&& echo ok || echo refused
}
# expect NAME WANT-SSH RONDA-RESULT SSH-RESULT [PATTERN]
expect() {
	local name=$1 want=$2 got=$3 oracle=$4 pattern=${5:-}
	if [ "$oracle" != "$want" ]; then
		t_fail "$name (oracle)" "ssh: $oracle, expected $want: $(tail -2 "$T/ssh.err")"
	elif [ "$want" = ok ] && [[ "$got" == "rc=0 ok "* ]]; then
		t_ok "$name"
	elif [ "$want" = refused ] && [[ "$got" == "rc="[1-9]*" auth "* ]] &&
		{ [ -z "$pattern" ] || grep -q -- "$pattern" <<<"$got"; }; then
		t_ok "$name"
	else
		t_fail "$name" "ronda: $got (ssh: $oracle) $(tail -3 "$T/r.err")"
	fi
}

# --- certificates beside the key: ed25519, ECDSA, RSA --------------------------
for k in id_ed id_ec id_rsa; do
	got=$(ronda_on 127.3.1.1 "$cert_port" --no-agent -k "$T/$k")
	oracle=$(ssh_on 127.3.1.1 "$cert_port" -o IdentitiesOnly=yes -o IdentityAgent=none -i "$T/$k")
	expect "$k with $k-cert.pub logs in to a CA-only server ($(cut -d' ' -f1 "$T/$k-cert.pub"))" \
		ok "$got" "$oracle"
done
grep -q 'ssh-rsa-cert-v01@openssh.com not in PubkeyAcceptedAlgorithms\|ssh-rsa not in PubkeyAcceptedAlgorithms' \
	"$T/certsrv.log" && t_fail "the RSA certificate was signed with rsa-sha2" \
	"$(grep -h 'not in PubkeyAccepted' "$T/certsrv.log" | head -2)" || t_ok "the RSA certificate was signed with rsa-sha2"

# --- ssh_config's CertificateFile: a certificate kept apart from its key --------
mkdir -p "$T/certs"
for k in id_ed id_ec id_rsa; do
	cp "$T/$k" "$T/$k.apart"; cp "$T/$k.pub" "$T/$k.apart.pub"; cp "$T/$k-cert.pub" "$T/certs/$k.crt"
	printf 'Host %s\n  HostName 127.3.1.1\n  Port %s\n  User root\n  IdentityFile %s\n  CertificateFile %s\n' \
		"cf-$k" "$cert_port" "$T/$k.apart" "$T/certs/$k.crt" >> "$T/cf_config"
	printf 'Host %s\n  HostName 127.3.1.1\n  Port %s\n  User root\n  IdentityFile %s\n' \
		"nocf-$k" "$cert_port" "$T/$k.apart" >> "$T/cf_config"
	got=$(ronda_on "cf-$k" "$cert_port" --no-agent -F "$T/cf_config")
	oracle=$(ssh_on 127.3.1.1 "$cert_port" -o IdentitiesOnly=yes -o IdentityAgent=none -i "$T/$k.apart" \
		-o CertificateFile="$T/certs/$k.crt")
	expect "CertificateFile pairs $k.crt with its key" ok "$got" "$oracle"
	got=$(ronda_on "nocf-$k" "$cert_port" --no-agent -F "$T/cf_config")
	oracle=$(ssh_on 127.3.1.1 "$cert_port" -o IdentitiesOnly=yes -o IdentityAgent=none -i "$T/$k.apart")
	expect "without CertificateFile the bare $k is refused" refused "$got" "$oracle"
done
printf 'Host cf-wrong\n  HostName 127.3.1.1\n  Port %s\n  User root\n  IdentityFile %s\n  CertificateFile %s\n' \
	"$cert_port" "$T/id_bare" "$T/certs/id_ed.crt" >> "$T/cf_config"
got=$(ronda_on cf-wrong "$cert_port" --no-agent -F "$T/cf_config")
grep -q "CertificateFile $T/certs/id_ed.crt: no identity file.*holds its key; not offered" "$T/r.err" &&
	[[ $got == "rc=2 auth "* ]] && t_ok "a CertificateFile for another key is said, not offered" ||
	t_fail "a CertificateFile for another key" "$got $(cat "$T/r.err")"

# At -vv the certificate is named as it is offered.
HOME="$T/home" "$R" exec -vv -u root -p "$cert_port" --known-hosts "$kh" --no-agent -k "$T/id_ed" \
	127.3.1.1 -- true > /dev/null 2>"$T/vv.err"
grep -q "offering certificate $T/id_ed-cert.pub (ssh-ed25519-cert-v01@openssh.com, id \"cert-id_ed\")" "$T/vv.err" \
	&& t_ok "-vv logs the certificate offered" || t_fail "-vv logs the certificate offered" "$(grep -i offer "$T/vv.err")"

# --- expired certificate; no certificate at all --------------------------------
got=$(ronda_on 127.3.1.1 "$cert_port" --no-agent -k "$T/id_old")
oracle=$(ssh_on 127.3.1.1 "$cert_port" -o IdentitiesOnly=yes -o IdentityAgent=none -i "$T/id_old")
expect "an expired certificate: auth, and the error says when it expired" refused "$got" "$oracle" \
	"certificate $T/id_old-cert.pub (id \"cert-old\") expired at 2020-01-02 00:00:00 UTC"
got=$(ronda_on 127.3.1.1 "$cert_port" --no-agent -k "$T/id_bare")
oracle=$(ssh_on 127.3.1.1 "$cert_port" -o IdentitiesOnly=yes -o IdentityAgent=none -i "$T/id_bare")
expect "a key without its certificate: auth" refused "$got" "$oracle" "no key accepted"
grep -q "expired" <<<"$got" && t_fail "a key without its certificate does not claim expiry" "$got" \
	|| t_ok "a key without its certificate does not claim expiry"

# --- a private ssh-agent: a certificate, an RSA key ----------------------------
sock="$T/agent.sock"
ssh-agent -D -a "$sock" > /dev/null 2>&1 &
agent_pid=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.05; done
# ssh-add loads id_agent-cert.pub beside id_agent; the key file then moves
# away, so only the agent can sign.
SSH_AUTH_SOCK="$sock" ssh-add -q "$T/id_agent" "$T/agent_rsa" 2>"$T/add.err"
if SSH_AUTH_SOCK="$sock" ssh-add -L | grep -q '^ssh-ed25519-cert-v01@openssh.com '; then
	t_ok "ssh-agent holds the certificate"
else
	t_fail "ssh-agent holds the certificate" "$(cat "$T/add.err"; SSH_AUTH_SOCK="$sock" ssh-add -L)"
fi
mkdir -p "$T/away"
mv "$T/id_agent" "$T/id_agent-cert.pub" "$T/agent_rsa" "$T/away/"

got=$(SSH_AUTH_SOCK="$sock" ronda_on 127.3.1.1 "$cert_port")
oracle=$(SSH_AUTH_SOCK="$sock" ssh_on 127.3.1.1 "$cert_port" -o IdentityFile=/nonexistent)
expect "a certificate in ssh-agent logs in to the CA-only server" ok "$got" "$oracle"

before=$(wc -l < "$T/rsasha2.log")
got=$(SSH_AUTH_SOCK="$sock" ronda_on 127.3.1.2 "$rsa_port")
after=$(tail -n +$((before + 1)) "$T/rsasha2.log")
oracle=$(SSH_AUTH_SOCK="$sock" ssh_on 127.3.1.2 "$rsa_port" -o IdentityFile=/nonexistent)
expect "an RSA key in ssh-agent logs in to an rsa-sha2-only server" ok "$got" "$oracle"
if grep -q 'attempting public key rsa-sha2-512\|attempting public key rsa-sha2-256' <<<"$after" &&
	grep -q 'Accepted publickey for root .*RSA' <<<"$after"; then
	t_ok "sshd accepted an rsa-sha2 signature from the agent's RSA key"
else
	t_fail "sshd accepted an rsa-sha2 signature" "$(grep -i 'publickey\|pkalg\|attempting' <<<"$after" | head -5)"
fi
grep -q 'ssh-rsa not in PubkeyAcceptedAlgorithms' "$T/rsasha2.log" \
	&& t_fail "no ssh-rsa (SHA-1) signature was offered" "$(grep -h 'ssh-rsa not in' "$T/rsasha2.log" | head -2)" \
	|| t_ok "no ssh-rsa (SHA-1) signature was offered"

# The same RSA key, in the agent and as a file, against the ssh-rsa-only
# server: refused (ssh 9.2 refuses too), and no SHA-1 signature accepted.
# (OpenSSH 9.2 lists rsa-sha2 in server-sig-algs even so: libssh2 offers
# rsa-sha2-512, which this server turns down.)
cp "$T/away/agent_rsa" "$T/rsa_file"
got=$(SSH_AUTH_SOCK="$sock" ronda_on 127.3.1.3 "$sha1_port" -k "$T/rsa_file")
oracle=$(SSH_AUTH_SOCK="$sock" ssh_on 127.3.1.3 "$sha1_port" -i "$T/rsa_file")
expect "an ssh-rsa-only (SHA-1) server: auth, with the agent's and the file's RSA key" refused "$got" "$oracle"
grep -q 'Accepted publickey' "$T/rsasha1.log" \
	&& t_fail "the ssh-rsa-only server accepted nothing" "$(grep -h 'Accepted' "$T/rsasha1.log")" \
	|| t_ok "the ssh-rsa-only server accepted nothing"

kill "$agent_pid" 2>/dev/null
wait "$agent_pid" 2>/dev/null
agent_pid=""
t_finish
