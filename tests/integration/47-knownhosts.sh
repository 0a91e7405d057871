#!/bin/bash
# 47-knownhosts.sh - host keys against the real ssh client and on disk:
# for a table of known_hosts files, ronda accepts or refuses exactly when
# `ssh -o StrictHostKeyChecking=yes` does (the port-less fallback, hashed
# names, @revoked on either name, another key type); a host with two host
# keys is asked for the type known_hosts holds; accept-new refuses a key of
# another type and writes nothing, unless the inventory name vouches for
# it; accept-new appends through a symlink and loses no line when four runs
# write at once.
source "$(dirname "$0")/../lib.sh"
N=80
dir=$("$TOP/tests/fleet/up.sh" -n "$N" -t 600) || { t_fail "fleet up"; t_finish; exit 1; }
trap '"$TOP/tests/fleet/down.sh" "$dir" >/dev/null 2>&1' EXIT
source "$dir/fleet.env"
R="$BUILD/ronda"
js() { jq -r "$@"; }
P=$FLEET_PORT
ED=$(cut -d' ' -f1,2 "$dir/host_ed25519.pub")	# the good hosts' key
OT=$(cut -d' ' -f1,2 "$dir/host_other.pub")	# another ed25519 key
ssh-keygen -q -t ecdsa -N '' -f "$dir/host_ecdsa"
EC=$(cut -d' ' -f1,2 "$dir/host_ecdsa.pub")

# A host with an ed25519 and an ECDSA host key, on a port no fleet uses
# (up.sh takes the base port and the next 7).
TWO=127.1.1.1 TP=$((P + 8))
sed -e "s/^ListenAddress .*/ListenAddress $TWO:$TP/" \
    -e "s|^HostKey .*|HostKey $dir/host_ed25519\nHostKey $dir/host_ecdsa|" "$dir/sshd-badkey.conf" > "$dir/sshd-two.conf"
timeout -k 5 600 /usr/sbin/sshd -D -e -f "$dir/sshd-two.conf" > "$dir/sshd-two.log" 2>&1 &
echo "$! sshd-two" >> "$dir/pids"
for _ in $(seq 100); do ss -Htln "sport = :$TP" | grep -q . && break; sleep 0.1; done

# accept (0) or refuse (1), by ssh and by ronda, of HOST PORT with file F
ssh_says() {
	ssh -F /dev/null -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$1" \
		-o GlobalKnownHostsFile=/dev/null -o CheckHostIP=no -o BatchMode=yes \
		-o IdentitiesOnly=yes -i "$FLEET_KEY" -l root -o ConnectTimeout=5 \
		-p "$3" "$2" true </dev/null >/dev/null 2>"$dir/ssh.err" && echo accept || echo refuse
}
ronda_says() {
	"$R" exec -u root -p "$3" -k "$FLEET_KEY" --known-hosts "$1" --json \
		--connect-timeout 5 --retries 0 "$2" -- true > "$dir/r.json" 2>/dev/null
	[ "$(js .status "$dir/r.json")" = ok ] && echo accept || echo refuse
}

# --- the oracle: ronda's verdict is ssh's ------------------------------------
H=127.0.0.2
rows=0
row() { # name host port lines...
	local name=$1 h=$2 p=$3 f="$dir/kh.row$((++rows))"; shift 3	# ssh splits the name at blanks
	printf '%s\n' "$@" > "$f"
	cmp_verdict "$name" "$f" "$h" "$p"
}
cmp_verdict() {
	local s r
	s=$(ssh_says "$2" "$3" "$4"); r=$(ronda_says "$2" "$3" "$4")
	if [ "$s" = "$r" ]; then
		t_ok "$1: ssh and ronda both $s"
	else
		t_fail "$1: ronda must do what ssh does" "ssh: $s ($(tail -1 "$dir/ssh.err")), ronda: $r ($(js .error "$dir/r.json"))"
	fi
}
row "port-less entry only" $H $P "$H $ED"
row "bracketed entry, right key" $H $P "[$H]:$P $ED"
row "bracketed wrong key, port-less right key" $H $P "[$H]:$P $OT" "$H $ED"
row "bracketed other type, port-less right key" $H $P "[$H]:$P $EC" "$H $ED"
row "port-less wrong key only" $H $P "$H $OT"
row "port-less other type only" $H $P "$H $EC"
row "no entry for the host" $H $P "127.0.0.3 $ED"
row "@revoked on the bracketed name, port-less right key" $H $P "@revoked [$H]:$P $ED" "$H $ED"
row "@revoked on the port-less name, bracketed right key" $H $P "@revoked $H $ED" "[$H]:$P $ED"
row "@revoked on the port-less name only" $H $P "@revoked $H $ED"
row "@revoked elsewhere, port-less right key" $H $P "@revoked 127.0.0.9 $ED" "$H $ED"
printf '%s\n' "$H $ED" > "$dir/kh.hashed-plain"; ssh-keygen -q -H -f "$dir/kh.hashed-plain" >/dev/null 2>&1
cmp_verdict "hashed port-less entry" "$dir/kh.hashed-plain" $H $P
printf '%s\n' "[$H]:$P $ED" > "$dir/kh.hashed-br"; ssh-keygen -q -H -f "$dir/kh.hashed-br" >/dev/null 2>&1
cmp_verdict "hashed bracketed entry" "$dir/kh.hashed-br" $H $P
printf '%s\n' "[$H]:$P $OT" "$H $ED" > "$dir/kh.hashed-wrong"; ssh-keygen -q -H -f "$dir/kh.hashed-wrong" >/dev/null 2>&1
cmp_verdict "hashed bracketed wrong key, hashed port-less right key" "$dir/kh.hashed-wrong" $H $P
row "two-key host known by its ECDSA key" $TWO $TP "[$TWO]:$TP $EC"
row "two-key host known by its ed25519 key" $TWO $TP "[$TWO]:$TP $ED"
row "ed25519-only host known by an ECDSA key" $H $P "[$H]:$P $EC"

# --- another key type: changed, named, never recorded ------------------------
printf '%s\n' "[$TWO]:$TP $EC" > "$dir/kh.two"
"$R" exec -u root -p $TP -k "$FLEET_KEY" --known-hosts "$dir/kh.two" --hostkeys accept-new --json \
	--connect-timeout 5 --retries 0 $TWO -- true > "$dir/two.json" 2>/dev/null
[ "$(js .status "$dir/two.json")" = ok ] && [ "$(wc -l < "$dir/kh.two")" -eq 1 ] \
	&& t_ok "a host with two keys is asked for the known (ECDSA) one" \
	|| t_fail "a host with two keys is asked for the known one" "$(js '"\(.status): \(.error)"' "$dir/two.json")"
printf '%s\n' "[$H]:$P $EC" > "$dir/kh.mitm"
cp "$dir/kh.mitm" "$dir/kh.mitm.before"
"$R" exec -u root -p $P -k "$FLEET_KEY" --known-hosts "$dir/kh.mitm" --hostkeys accept-new --json \
	--connect-timeout 5 --retries 2 $H -- true > "$dir/mitm.json" 2>/dev/null; rc=$?
s=$(js .status "$dir/mitm.json"); e=$(js .error "$dir/mitm.json"); a=$(js .attempts "$dir/mitm.json")
if [ $rc -ne 0 ] && [ "$s" = hostkey-changed ] && [ "$a" = 1 ] && [[ $e == *ssh-ed25519* && $e == *ecdsa-sha2-nistp256* ]] \
	&& cmp -s "$dir/kh.mitm" "$dir/kh.mitm.before"; then
	t_ok "accept-new refuses a key of another type, once, and writes nothing ($e)"
else
	t_fail "accept-new refuses a key of another type" "rc=$rc $s after $a: $e; $(wc -l < "$dir/kh.mitm") lines"
fi

# The inventory name vouches when the address is known only by another type.
read -r n1 a1 p1 _ < "$dir/hosts.txt"
printf '%s\n' "[$a1]:$p1 $EC" "[$n1]:$p1 $ED" > "$dir/kh.byname"
cp "$dir/kh.byname" "$dir/kh.byname.before"
"$R" exec -i "$FLEET_INVENTORY" --known-hosts "$dir/kh.byname" --hostkeys accept-new --json \
	--connect-timeout 5 --retries 0 "$n1" -- true > "$dir/byname.json" 2>/dev/null
[ "$(js .status "$dir/byname.json")" = ok ] && cmp -s "$dir/kh.byname" "$dir/kh.byname.before" \
	&& t_ok "$n1's own entry vouches although $a1 is known only by ECDSA" \
	|| t_fail "the name vouches where the address knows another type" "$(js '"\(.status): \(.error)"' "$dir/byname.json")"

# --- writing: through a symlink, appended, nothing lost, nothing left ---------
mkdir -p "$dir/khw"
: > "$dir/khw/target"
ln -s target "$dir/khw/known_hosts"
"$R" exec -i "$FLEET_INVENTORY" --known-hosts "$dir/khw/known_hosts" --hostkeys accept-new 'node[001-005]' -- true >/dev/null 2>&1; rc=$?
if [ $rc -eq 0 ] && [ -L "$dir/khw/known_hosts" ] && [ "$(wc -l < "$dir/khw/target")" -eq 5 ]; then
	t_ok "a symlinked known_hosts stays a symlink and its target gets the 5 lines"
else
	t_fail "a symlinked known_hosts stays a symlink" "rc=$rc $(ls -l "$dir/khw" | tail -n +2)"
fi
pids=()
for k in 0 1 2 3; do
	"$R" exec -i "$FLEET_INVENTORY" --known-hosts "$dir/khw/known_hosts" --hostkeys accept-new \
		"node[$(printf %03d $((k * 20 + 1)))-$(printf %03d $((k * 20 + 20)))]" -- true >/dev/null 2>&1 &
	pids+=($!)
done
bad=0
for p in "${pids[@]}"; do wait "$p" || bad=$((bad + 1)); done
lines=$(wc -l < "$dir/khw/target"); uniq=$(cut -d' ' -f1 "$dir/khw/target" | sort -u | wc -l)
[ $bad -eq 0 ] && [ "$lines" -eq $N ] && [ "$uniq" -eq $N ] \
	&& t_ok "4 concurrent accept-new runs x 20 hosts: $N lines, one per host" \
	|| t_fail "concurrent accept-new runs lose no line" "failed runs=$bad lines=$lines unique=$uniq"
left=$(ls -A "$dir/khw" | grep -vx 'known_hosts\|target' | tr '\n' ' ')
[ -z "$left" ] && t_ok "nothing left beside known_hosts" || t_fail "nothing left beside known_hosts" "$left"

t_finish
