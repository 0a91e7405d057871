#!/bin/bash
# 52-hostcert.sh - host certificates signed by a CA that known_hosts trusts
# with @cert-authority, which libssh2 1.11.1 cannot take (see README, "Host
# certificates").  Four servers: good (a valid certificate for its address,
# and its plain key), only (the certificate alone as host key), wrongname
# (a certificate for another name) and expired (valid in January 2020
# only).  The real ssh, with the same known_hosts, is the oracle for what a
# CA-trusting client does: good and only connect, wrongname and expired are
# refused.  ronda refuses all four with a message that says why (never
# "unknown host key"), leaves a fleet host in the same run alone, exits
# non-zero, and records nothing under accept-new.  With a plain entry
# (ssh-keyscan, as the message says) good works.  Beside them, a server
# whose RSA host key signs only with ssh-rsa (SHA-1) is not negotiated.
source "$(dirname "$0")/../lib.sh"
dir=$("$TOP/tests/fleet/up.sh" -n 2 -t 300) || { t_fail "fleet up"; t_finish; exit 1; }
trap '"$TOP/tests/fleet/down.sh" "$dir" >/dev/null 2>&1' EXIT
source "$dir/fleet.env"
R="$BUILD/ronda"
T="$dir/hostcert"
mkdir -p "$T"

source "$TOP/tests/lib-sshd.sh"

# host key NAME ADDR PRINCIPAL VALIDITY: a key and its certificate
cert() {
	ssh-keygen -q -t ed25519 -N '' -f "$T/$1" -C "$1"
	ssh-keygen -q -s "$T/ca" -h -I "$1" -n "$3" -V "$4" "$T/$1.pub"
}
ssh-keygen -q -t ed25519 -N '' -f "$T/ca" -C host-ca
cert good 127.3.2.1 127.3.2.1 always:forever
cert only 127.3.2.2 127.3.2.2 always:forever
cert wrongname 127.3.2.3 someone-else.example always:forever
cert expired 127.3.2.4 127.3.2.4 20200101:20200102
: > "$T/hosts"
read -r _ first_addr first_port _ < <(grep "^$FLEET_FIRST " "$FLEET_HOSTLIST")
printf '  { name = "%s"; address = "%s"; port = %s; },\n' "$FLEET_FIRST" "$first_addr" "$first_port" >> "$T/hosts"
sshd_at good 127.3.2.1 "$T/good" -o HostCertificate="$T/good-cert.pub"
sshd_at only 127.3.2.2 "$T/only" -o HostCertificate="$T/only-cert.pub" \
	-o HostKeyAlgorithms=ssh-ed25519-cert-v01@openssh.com
sshd_at wrongname 127.3.2.3 "$T/wrongname" -o HostCertificate="$T/wrongname-cert.pub"
sshd_at expired 127.3.2.4 "$T/expired" -o HostCertificate="$T/expired-cert.pub"
cat > "$T/inventory.cfg" <<EOC
defaults = { user = "root"; identity = "$FLEET_KEY"; };
hosts = (
$(sed '$ s/,$//' "$T/hosts")
);
EOC

# The fleet's plain entries, then the CA for 127.3.2.*: its line number is
# not 1, so the message's FILE:LINE is checked for real.
kh="$T/known_hosts"
cp "$FLEET_KNOWN_HOSTS" "$kh"
echo "@cert-authority 127.3.2.* $(cut -d' ' -f1,2 "$T/ca.pub")" >> "$kh"
ca_line=$(wc -l < "$kh")
cp "$kh" "$T/known_hosts.orig"
port() { cat "$T/$1.port"; }

# --- the oracle: ssh with the same known_hosts ------------------------------
ssh_says() { # NAME ADDR: accept or refuse; its stderr in $T/NAME.ssh
	ssh -F none -i "$FLEET_KEY" -o IdentitiesOnly=yes -o BatchMode=yes \
		-o StrictHostKeyChecking=yes -o UserKnownHostsFile="$kh" \
		-o GlobalKnownHostsFile=/dev/null -o ConnectTimeout=5 \
		-p "$(port "$1")" "root@$2" true </dev/null 2>"$T/$1.ssh" && echo accept || echo refuse
}
oracle() { # NAME ADDR EXPECTED [STDERR-PATTERN]
	local got name="ssh with the CA line: $1 ${3%e}ed${4:+ ($4)}"
	got=$(ssh_says "$1" "$2")
	if [ "$got" = "$3" ] && { [ -z "${4:-}" ] || grep -q "$4" "$T/$1.ssh"; }; then
		t_ok "$name"
	else
		t_fail "$name" "ssh: $got, $(tail -2 "$T/$1.ssh")"
	fi
}
oracle good 127.3.2.1 accept
oracle only 127.3.2.2 accept
oracle wrongname 127.3.2.3 refuse "not a listed principal"
oracle expired 127.3.2.4 refuse "expired"

# --- ronda: per-host verdicts and messages -----------------------------------
js() { jq -r --arg h "$1" "select(.host == \$h) | $2" "$T/r.json"; }
all="$FLEET_FIRST,good,only,wrongname,expired"
covered="covered by @cert-authority at $kh:$ca_line, but certificate host keys are not supported by libssh2 1.11.1"
offers="host offers a certificate (ssh-ed25519-cert-v01@openssh.com) and no plain host key ronda takes; certificate host keys are not supported by libssh2 1.11.1"
for mode in strict accept-new; do
	"$R" exec -i "$T/inventory.cfg" --known-hosts "$kh" --hostkeys $mode --no-agent --json \
		--retries 0 --connect-timeout 5 "$all" -- echo up > "$T/r.json" 2>"$T/r.err"
	rc=$?
	[ $rc -ne 0 ] && t_ok "$mode: exit status $rc, not 0" || t_fail "$mode: exit status not 0" "rc=$rc"
	if [ "$(js "$FLEET_FIRST" .status)" = ok ]; then
		t_ok "$mode: the fleet host in the same run is ok"
	else
		t_fail "$mode: the fleet host in the same run is ok" "$(js "$FLEET_FIRST" .error) $(cat "$T/r.err")"
	fi
	for h in good wrongname expired; do
		st=$(js $h .status) err=$(js $h .error)
		if [ "$st" = hostkey-unknown ] && [[ "$err" == "$covered; add a plain entry: ssh-keyscan -p $(port $h) 127.3.2."* ]]; then
			t_ok "$mode: $h is hostkey-unknown, covered by the CA at line $ca_line, unsupported"
		else
			t_fail "$mode: $h is hostkey-unknown, covered by the CA, unsupported" "$st: $err"
		fi
	done
	st=$(js only .status) err=$(js only .error)
	if [ "$st" = hostkey-unknown ] && [ "$err" = "$offers" ]; then
		t_ok "$mode: only (certificate host key alone) says the certificate is not supported"
	else
		t_fail "$mode: only says the certificate is not supported" "$st: $err"
	fi
	cmp -s "$kh" "$T/known_hosts.orig" && t_ok "$mode: known_hosts unchanged" \
		|| t_fail "$mode: known_hosts unchanged" "$(diff "$T/known_hosts.orig" "$kh")"
done

# Even with no host key check, the certificate-only server cannot be reached.
"$R" exec -i "$T/inventory.cfg" --insecure-no-hostkey-check --no-agent --json --retries 0 \
	--connect-timeout 5 only -- true > "$T/r.json" 2>/dev/null
[ "$(js only .error)" = "$offers" ] && t_ok "only, no host key check: the same message" \
	|| t_fail "only, no host key check: the same message" "$(js only .status): $(js only .error)"

# Without the CA line, the same hosts are plain unknown keys: the message
# above comes from the CA line.
grep -v '^@cert-authority' "$T/known_hosts.orig" > "$T/known_hosts.noca"
"$R" exec -i "$T/inventory.cfg" --known-hosts "$T/known_hosts.noca" --no-agent --json --retries 0 \
	--connect-timeout 5 good -- true > "$T/r.json" 2>/dev/null
[[ "$(js good .error)" == "unknown host key SHA256:"* ]] && t_ok "no CA line: good is a plain unknown host key" \
	|| t_fail "no CA line: good is a plain unknown host key" "$(js good .error)"

# The host key preference has no SHA-1: a server that signs its RSA host key
# only with ssh-rsa is not reached (ssh 9.2 refuses it too by default).
ssh-keygen -q -t rsa -b 3072 -N '' -f "$T/rsa_host" -C rsa-host
sshd_at sha1 127.3.2.5 "$T/rsa_host" -o HostKeyAlgorithms=ssh-rsa
cat > "$T/sha1.cfg" <<EOC
defaults = { user = "root"; identity = "$FLEET_KEY"; };
hosts = ( $(sed -n '$ s/,$//p' "$T/hosts") );
EOC
"$R" exec -i "$T/sha1.cfg" --insecure-no-hostkey-check --no-agent --json --retries 0 \
	--connect-timeout 5 sha1 -- true > "$T/r.json" 2>/dev/null
if [ "$(js sha1 .status)" = protocol ] && grep -q 'no matching host key type found' "$T/sha1.log"; then
	t_ok "an ssh-rsa (SHA-1) only host key is not negotiated"
else
	t_fail "an ssh-rsa (SHA-1) only host key is not negotiated" "$(js sha1 .status): $(js sha1 .error); $(tail -2 "$T/sha1.log")"
fi

# --- what the message tells the operator to do --------------------------------
ssh-keyscan -p "$(port good)" 127.3.2.1 2>/dev/null >> "$kh"
"$R" exec -i "$T/inventory.cfg" --known-hosts "$kh" --no-agent --retries 0 --connect-timeout 5 \
	good -- echo up > "$T/r.out" 2>&1; rc=$?
if [ $rc -eq 0 ] && grep -q '^good: up$' "$T/r.out"; then
	t_ok "after ssh-keyscan adds a plain entry, good is ok"
else
	t_fail "after ssh-keyscan adds a plain entry, good is ok" "rc=$rc $(cat "$T/r.out")"
fi
oracle good 127.3.2.1 accept

t_finish
