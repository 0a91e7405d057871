#!/bin/bash
# 45-patrol.sh - ronda check and ronda run against the loopback fleet: the
# agent is uploaded once, then cached; concurrent runs; interrupted uploads
# never leave a usable half-agent; a tampered agent is replaced; fault hosts
# get their verdicts; --dry-run touches nothing; --json, --prom, --out.
source "$(dirname "$0")/../lib.sh"
dir=$("$TOP/tests/fleet/up.sh" -n 30 -t 600) || { t_fail "fleet up"; t_finish; exit 1; }
trap '"$TOP/tests/fleet/down.sh" "$dir" >/dev/null 2>&1' EXIT
source "$dir/fleet.env"
R="$BUILD/ronda"
X=(-i "$FLEET_INVENTORY" --known-hosts "$FLEET_KNOWN_HOSTS" --connect-timeout 4 --retries 0)
cache="$FLEET_HOMES/node001/.cache/ronda"	# each host has its own HOME
clear_caches() { rm -rf "$FLEET_HOMES"/*/.cache; }
sha=$(sha256sum < "$BUILD/ronda-agent" | cut -d' ' -f1)
size=$(stat -c %s "$BUILD/ronda-agent")
asha=$(sha256sum < "$BUILD/ronda-agent.aarch64" | cut -d' ' -f1)
T="$dir/t"; mkdir -p "$T"
hostline() { jq -c --arg h "$1" 'select(.type == "host" and .host == $h)' "$2"; }

# --- first run uploads, second does not ---------------------------------------
clear_caches
"$R" check "${X[@]}" --json 'node[001-030]' disk:/:99% proc:sshd > "$dir/first.json" 2>"$dir/first.err"
rc=$?
up=$(jq -s '[.[] | select(.type == "host") | .uploaded_bytes] | add' "$dir/first.json")
n_up=$(jq -s '[.[] | select(.type == "host" and .uploaded_bytes > 0)] | length' "$dir/first.json")
ok=$(jq -s '[.[] | select(.type == "host" and .verdict == "ok")] | length' "$dir/first.json")
[ $rc -eq 0 ] && [ "$ok" -eq 30 ] && t_ok "first check: 30 hosts ok" || t_fail "first check: 30 hosts ok" "rc=$rc ok=$ok $(head -3 "$dir/first.err")"
# gzip-compressed (the hosts have gzip): the same bytes to each, at most
# 0.6 MiB, and unpacked on the host into the agent itself (its hash, below)
per=$(jq -s -c '[.[] | select(.type == "host") | .uploaded_bytes] | unique' "$dir/first.json")
gz=$(tr -d '[]' <<<"$per")
echo "first run: $per bytes per host (the agent is $size)"
if [ "$n_up" -eq 30 ] && [[ $gz =~ ^[0-9]+$ ]] && [ "$up" -eq $((30 * gz)) ] &&
	[ "$gz" -le 629145 ] && [ "$gz" -lt "$size" ]; then
	t_ok "first run uploaded the agent gzip-compressed to each of 30 hosts ($gz of $size bytes each)"
else
	t_fail "first run uploaded the agent gzip-compressed to each host" "up=$up n=$n_up per=$per size=$size"
fi
[ -x "$cache/agent-$sha" ] && [ "$(sha256sum < "$cache/agent-$sha" | cut -d' ' -f1)" = "$sha" ] && t_ok "cached as agent-<sha256>, verified" || t_fail "cached as agent-<sha256>"
[ "$(stat -c %a "$cache")" = 700 ] && t_ok "cache directory is 0700" || t_fail "cache directory is 0700" "$(stat -c %a "$cache")"
"$R" check "${X[@]}" --json 'node[001-030]' disk:/:99% > "$dir/second.json" 2>/dev/null
up2=$(jq -s '[.[] | select(.type == "host") | .uploaded_bytes] | add' "$dir/second.json")
[ "$up2" -eq 0 ] && t_ok "second run uploads nothing" || t_fail "second run uploads nothing" "$up2 bytes"

# --- two runs at once, from an empty cache ----------------------------------------
clear_caches
"$R" check "${X[@]}" --json 'node[001-030]' load:100 > "$dir/c1.json" 2>/dev/null & p1=$!
"$R" check "${X[@]}" --json 'node[001-030]' load:100 > "$dir/c2.json" 2>/dev/null & p2=$!
wait $p1; r1=$?; wait $p2; r2=$?
[ $r1 -eq 0 ] && [ $r2 -eq 0 ] && t_ok "two concurrent runs both succeed" || t_fail "two concurrent runs both succeed" "rc $r1 $r2"

# --- interrupted uploads never leave a usable half-agent ---------------------------
# Kill ronda at several points of a first run: some hosts have the agent by
# then, some are mid-upload.  Every agent-<sha> must match its hash.
bad=0 complete=0 missing=0
for delay in 0.3 0.6 0.9 1.2 1.5 2.0; do
	clear_caches
	"$R" check "${X[@]}" 'node[001-030]' load:100 >/dev/null 2>&1 & rp=$!
	sleep $delay
	kill -KILL $rp; wait $rp 2>/dev/null
	sleep 0.3
	for h in $(seq -f 'node%03g' 1 30); do
		found=0
		for f in "$FLEET_HOMES/$h"/.cache/ronda/agent-*; do
			[ -e "$f" ] || continue
			case $f in *.tmp.*) continue ;; esac
			found=1
			[ "$(sha256sum < "$f" | cut -d' ' -f1)" = "${f##*/agent-}" ] || bad=$((bad + 1))
		done
		[ $found = 1 ] && complete=$((complete + 1)) || missing=$((missing + 1))
	done
done
echo "after the kills: $complete host caches complete, $missing without an agent"
if [ $bad -eq 0 ] && [ $complete -gt 0 ] && [ $missing -gt 0 ]; then
	t_ok "killed mid-upload: every cached agent matches its hash"
else
	t_fail "killed mid-upload: every cached agent matches its hash" "bad=$bad complete=$complete missing=$missing (the kills must land mid-run)"
fi
"$R" check "${X[@]}" 'node[001-030]' load:100 >/dev/null 2>&1
[ $? -eq 0 ] && t_ok "a run after interrupted uploads succeeds" || t_fail "a run after interrupted uploads succeeds"

# --- a tampered cached agent is replaced, never run -----------------------------------
printf 'tampered' | dd of="$cache/agent-$sha" bs=1 seek=2000 conv=notrunc 2>/dev/null
"$R" check "${X[@]}" --json node001 load:100 > "$dir/t.json" 2>/dev/null
rc=$?
[ $rc -eq 0 ] && [ "$(sha256sum < "$cache/agent-$sha" | cut -d' ' -f1)" = "$sha" ] &&
	[ "$(hostline node001 "$dir/t.json" | jq .uploaded_bytes)" = "$gz" ] &&
	t_ok "tampered agent replaced by a fresh upload" || t_fail "tampered agent replaced" "rc=$rc"

# --- a verified agent is not hashed again while its stamp holds -----------------------
# sha256sum on the hosts' PATH, counting its calls
printf '#!/bin/sh\necho x >> %s\nexec /usr/bin/sha256sum "$@"\n' "$dir/sha.calls" > "$dir/bin/sha256sum"
chmod 755 "$dir/bin/sha256sum"
# a stamp is made once the agent's ctime is 2 s old: wait for that, by the clock
ct=$(stat -c %Z "$cache/agent-$sha")
for _ in $(seq 1 50); do [ "$(date +%s)" -ge $((ct + 2)) ] && break; sleep 0.1; done
: > "$dir/sha.calls"
"$R" check "${X[@]}" node001 load:100 >/dev/null 2>&1; first=$(wc -l < "$dir/sha.calls")
"$R" check "${X[@]}" node001 load:100 >/dev/null 2>&1; second=$(( $(wc -l < "$dir/sha.calls") - first ))
[ "$second" -eq 0 ] && [ -f "$cache/stamp-$sha" ] && t_ok "a cached agent with its stamp runs without sha256sum (first run: $first call(s))" ||
	t_fail "the stamp spares the hash" "first=$first second=$second $(ls "$cache")"
# a write that keeps size and mtime still moves ctime: hashed, and replaced
cp -p "$cache/agent-$sha" "$dir/agent.keep"
printf 'x' | dd of="$cache/agent-$sha" bs=1 seek=3000 conv=notrunc 2>/dev/null
touch -r "$dir/agent.keep" "$cache/agent-$sha"
: > "$dir/sha.calls"
"$R" check "${X[@]}" --json node001 load:100 > "$dir/t2.json" 2>/dev/null; rc=$?
[ $rc -eq 0 ] && [ -s "$dir/sha.calls" ] && [ "$(hostline node001 "$dir/t2.json" | jq .uploaded_bytes)" = "$gz" ] &&
	[ "$(sha256sum < "$cache/agent-$sha" | cut -d' ' -f1)" = "$sha" ] &&
	t_ok "same size and mtime, new ctime: hashed, found tampered, replaced" || t_fail "stamp and a write behind it" "rc=$rc $(hostline node001 "$dir/t2.json")"
rm -f "$dir/bin/sha256sum"

# --- fault hosts and verdicts ---------------------------------------------------------
"$R" check "${X[@]}" --json all 'disk:/:99%' > "$dir/all.json" 2>/dev/null
rc=$?
v() { hostline "$1" "$dir/all.json" | jq -r '"\(.verdict) \(.status)"'; }
[ $rc -eq 2 ] && t_ok "exit 2 with fault hosts in the run" || t_fail "exit 2 with fault hosts" "rc=$rc"
for h in silent closed badkey noauth garbage; do
	case "$(v $h)" in "unreachable "*) t_ok "$h: unreachable ($(v $h))" ;; *) t_fail "$h unreachable" "$(v $h)" ;; esac
done
[ "$(v node017)" = "ok ok" ] && t_ok "good hosts ok beside the faults" || t_fail "good hosts ok beside the faults" "$(v node017)"
[ "$(v arm64)" = "ok ok" ] && t_ok "the aarch64 stand-in ok beside them" || t_fail "the aarch64 stand-in ok" "$(v arm64)"
"$R" check "${X[@]}" --json node001 'load:0.000001' > "$dir/f.json" 2>/dev/null; rc=$?
[ $rc -eq 1 ] && [ "$(jq -r 'select(.type == "task") | .verdict' "$dir/f.json")" = fail ] && t_ok "a failing check: verdict fail, exit 1" || t_fail "a failing check" "rc=$rc"

# --- become: sudo that wants a password fails fast, as a become error -----------------
# A login user of our own (sudo never asks root for a password).  It is left
# on the machine, like the ronda user of the package test.
# bash: the fleet picks each host's HOME in bash's ~/.bashrc (tests/fleet/up.sh).
id rondatest >/dev/null 2>&1 || useradd -M -p '*' -s /bin/bash rondatest
usermod -s /bin/bash rondatest
rm -rf "$FLEET_HOMES/node003/.cache"	# root's, from the runs above
chown rondatest "$FLEET_HOMES/node003"
t0=$(date +%s.%N)
"$R" check "${X[@]}" -u rondatest --json --become node003 load:100 > "$dir/b.json" 2>/dev/null
el=$(echo "$(date +%s.%N) - $t0" | bc)
s=$(hostline node003 "$dir/b.json" | jq -r .status); e=$(hostline node003 "$dir/b.json" | jq -r .error)
if [ "$s" = become ] && [[ $e == *password* ]] && (( $(echo "$el < 5" | bc) )); then
	t_ok "--become where sudo wants a password: '$e' (${el}s)"
else
	t_fail "--become where sudo wants a password" "status=$s error=$e el=$el"
fi
"$R" check "${X[@]}" -u rondatest --json node003 load:100 > "$dir/nb.json" 2>/dev/null
[ "$(hostline node003 "$dir/nb.json" | jq -r .verdict)" = ok ] && t_ok "the same user without --become runs the agent" || t_fail "the same user without --become" "$(hostline node003 "$dir/nb.json")"
rm -rf "$FLEET_HOMES/node003/.cache"
chown root "$FLEET_HOMES/node003"

# --- playbooks: dry run, run, outputs ----------------------------------------------------
"$R" run "${X[@]}" --dry-run "$TOP/playbooks/patrol.cfg" --limit 'node[001-003]' > "$dir/dry.out" 2>&1; rc=$?
[ $rc -eq 0 ] && grep -q 'host node003' "$dir/dry.out" && t_ok "--dry-run lists hosts and tasks" || t_fail "--dry-run" "rc=$rc $(head -3 "$dir/dry.out")"
clear_caches
"$R" run "${X[@]}" --dry-run "$TOP/playbooks/patrol.cfg" --limit 'node[001-003]' >/dev/null 2>&1
[ ! -e "$cache" ] && t_ok "--dry-run touches no host" || t_fail "--dry-run touches no host"
"$R" run "${X[@]}" --json --prom "$dir/ronda.prom" --out "$dir/runs" "$TOP/playbooks/patrol.cfg" --limit 'node[001-010]' > "$dir/pb.json" 2>"$dir/pb.err"; rc=$?
tasks=$(jq -s '[.[] | select(.type == "task")] | length' "$dir/pb.json")
hosts=$(jq -s '[.[] | select(.type == "host")] | length' "$dir/pb.json")
[ $rc -le 1 ] && [ "$hosts" -eq 10 ] && [ "$tasks" -ge 50 ] && t_ok "patrol.cfg on 10 hosts: $tasks task results" || t_fail "patrol.cfg on 10 hosts" "rc=$rc hosts=$hosts tasks=$tasks $(head -2 "$dir/pb.err")"
jq -e 'select(.type == "task") | (.host and .task and .check and .verdict and (.values | type == "object"))' "$dir/pb.json" >/dev/null &&
	t_ok "every task line has host, task, check, verdict, values" || t_fail "task lines well formed"
badprom=$(grep -vE '^(# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+|[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? -?[0-9.eE+-]+|[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? (NaN|\+Inf|-Inf))$' "$dir/ronda.prom" | head -3)
[ -s "$dir/ronda.prom" ] && [ -z "$badprom" ] && grep -q '^ronda_' "$dir/ronda.prom" && t_ok "Prometheus textfile well formed" || t_fail "Prometheus textfile well formed" "$badprom"
n_files=$(find "$dir/runs" -name '*.json' | wc -l)
[ "$n_files" -ge 10 ] && t_ok "--out wrote a run directory ($n_files JSON files)" || t_fail "--out wrote a run directory" "$n_files"
"$R" run "${X[@]}" "$TOP/playbooks/oncall.cfg" --limit node001 > "$dir/oncall.out" 2>&1; rc=$?
[ $rc -le 1 ] && t_ok "oncall.cfg runs (exit $rc)" || t_fail "oncall.cfg runs" "rc=$rc $(tail -3 "$dir/oncall.out")"
printf 'name = "x";\ntasks = ( { name = "d"; check = "disk"; pth = "/"; } );\n' > "$dir/bad.cfg"
"$R" run "${X[@]}" "$dir/bad.cfg" > "$dir/bad.out" 2>&1; rc=$?
[ $rc -eq 78 ] && grep -q 'bad.cfg:2' "$dir/bad.out" && t_ok "bad playbook: exit 78 with file:line" || t_fail "bad playbook: exit 78 with file:line" "rc=$rc $(cat "$dir/bad.out")"
# --- rotation: --preview reports and changes nothing; a real run rotates --------------
logs="$FLEET_HOMES/node002/logs"
mkdir -p "$logs"
seq 1 50000 > "$logs/app.log"
sum0=$(md5sum < "$logs/app.log")
cat > "$dir/rot.cfg" <<EOC
name = "rot";
tasks = ( { name = "app"; check = "rotate"; path = "$logs/*.log"; size = "1k"; rotate = 2;
            compress = true; state = "$logs/.state"; } );
EOC
"$R" run "${X[@]}" --json --preview "$dir/rot.cfg" --limit node002 > "$dir/prev.json" 2>&1; rc=$?
msg=$(jq -r 'select(.type == "task") | .message' "$dir/prev.json")
if [ $rc -eq 0 ] && [[ $msg == "dry run: 1 rotated"* ]] && [ "$(md5sum < "$logs/app.log")" = "$sum0" ] && [ "$(ls "$logs")" = app.log ]; then
	t_ok "--preview: '$msg', nothing changed"
else
	t_fail "--preview changes nothing" "rc=$rc msg=$msg files=$(ls -A "$logs" | tr '\n' ' ')"
fi
"$R" run "${X[@]}" --json "$dir/rot.cfg" --limit node002 > "$dir/rot.json" 2>&1; rc=$?
if [ $rc -eq 0 ] && [ -s "$logs/app.log.1.gz" ] && [ "$(zcat "$logs/app.log.1.gz" | md5sum)" = "$sum0" ]; then
	t_ok "a real run rotates and compresses, every byte kept"
else
	t_fail "a real run rotates" "rc=$rc $(jq -r 'select(.type == "task") | .message' "$dir/rot.json") files=$(ls -A "$logs" | tr '\n' ' ')"
fi

# --- a HOME on a noexec mount: a deploy error naming the fix; --remote-tmp works ---------
mkdir -p "$FLEET_HOMES/node004/.cache" "$dir/rtmp"
rm -rf "$FLEET_HOMES/node004/.cache/"*
if mount -t tmpfs -o noexec,size=16m tmpfs "$FLEET_HOMES/node004/.cache"; then
	"$R" check "${X[@]}" --json node004 load:100 > "$dir/nx.json" 2>/dev/null
	s=$(hostline node004 "$dir/nx.json" | jq -r .status); e=$(hostline node004 "$dir/nx.json" | jq -r .error)
	[ "$s" = deploy ] && [[ $e == *noexec*--remote-tmp* ]] && t_ok "noexec cache: deploy error that names --remote-tmp" || t_fail "noexec cache: deploy error" "$s: $e"
	"$R" check "${X[@]}" --json --remote-tmp "$dir/rtmp" node004 load:100 > "$dir/rt.json" 2>/dev/null
	[ "$(hostline node004 "$dir/rt.json" | jq -r .verdict)" = ok ] && [ "$(stat -c %a "$dir/rtmp/ronda-0")" = 700 ] &&
		[ -x "$dir/rtmp/ronda-0/agent-$sha" ] && t_ok "--remote-tmp: the agent runs from DIR/ronda-UID (0700)" || t_fail "--remote-tmp" "$(hostline node004 "$dir/rt.json")"
	umount "$FLEET_HOMES/node004/.cache"
else
	t_fail "noexec cache" "cannot mount a tmpfs for the test"
fi

# --- an upload prunes older agents to the newest two ------------------------------------
c5="$FLEET_HOMES/node005/.cache/ronda"
rm -rf "$c5"; mkdir -p "$c5"; chmod 700 "$FLEET_HOMES/node005/.cache" "$c5"
printf 'old' > "$c5/agent-aaaa"; touch -d '-3 days' "$c5/agent-aaaa"
printf 'older' > "$c5/agent-bbbb"; touch -d '-5 days' "$c5/agent-bbbb"
"$R" check "${X[@]}" node005 load:100 >/dev/null 2>&1
left=$(cd "$c5" && ls agent-* | sort | tr '\n' ' ')
want=$(printf 'agent-%s\n' "$sha" aaaa | sort | tr '\n' ' ')
[ "$left" = "$want" ] && t_ok "upload keeps the newest two agents ($left)" || t_fail "upload keeps the newest two agents" "$left"

# --- one patrol, two architectures: each host gets its own agent ------------------------
rm -rf "$FLEET_HOMES/arm64/.cache" "$FLEET_HOMES/node002/.cache"
"$R" run "${X[@]}" --json "$TOP/playbooks/patrol.cfg" --limit 'node002,arm64' > "$dir/mixed.json" 2>"$dir/mixed.err"; rc=$?
a=$(hostline arm64 "$dir/mixed.json"); x=$(hostline node002 "$dir/mixed.json")
# Both hosts are this machine: every task must get the same verdict on
# each (what fails here, no systemd, fails on both), and none an error.
bad=$(jq -s '[.[] | select(.type == "task" and (.host == "arm64" or .host == "node002") and
	.verdict == "error")] | length' "$dir/mixed.json")
tv() { jq -s -c --arg h "$1" '[.[] | select(.type == "task" and .host == $h) | "\(.task)=\(.verdict)"]' "$dir/mixed.json"; }
ntask=$(jq -s '[.[] | select(.type == "task" and .host == "arm64")] | length' "$dir/mixed.json")
echo "mixed patrol: rc=$rc, node002 $(jq -c '[.verdict, .facts.arch, .uploaded_bytes]' <<<"$x"), arm64 $(jq -c '[.verdict, .facts.arch, .uploaded_bytes]' <<<"$a"), $ntask tasks on arm64, $bad errors"
echo "  arm64:   $(tv arm64)"
echo "  node002: $(tv node002)"
if [ "$(jq -r .status <<<"$a")" = ok ] && [ "$(jq -r .facts.arch <<<"$a")" = aarch64 ] &&
	[ "$(jq -r .facts.arch <<<"$x")" = x86_64 ] && [ "$ntask" -gt 5 ] && [ "$bad" -eq 0 ] &&
	[ "$(tv arm64)" = "$(tv node002)" ] &&
	[ -x "$FLEET_HOMES/arm64/.cache/ronda/agent-$asha" ] && [ -x "$FLEET_HOMES/node002/.cache/ronda/agent-$sha" ] &&
	[ "$(sha256sum < "$FLEET_HOMES/arm64/.cache/ronda/agent-$asha" | cut -d' ' -f1)" = "$asha" ]; then
	t_ok "playbooks/patrol.cfg on node002 (x86_64) and arm64 (aarch64 under qemu-user): each its own agent, the same verdicts, none an error"
else
	t_fail "mixed patrol" "rc=$rc $a $(jq -c 'select(.type == "task" and .verdict == "error") | [.host, .task, .message]' "$dir/mixed.json" | head -5)"
fi
# qemu-user applied no filter: the agent says so and why, and ran because
# the stand-in's policy says "sandbox optional"
sb=$(jq -c '.sandbox | [.seccomp, .complete, (.missing[] | select(.part == "seccomp") | .why)]' <<<"$a")
[[ $sb == '[false,false,"the kernel refused the inspect filter: Function not implemented'* ]] &&
	t_ok "arm64: sandbox reported not applied, with the reason: $sb" || t_fail "arm64: sandbox not applied, with the reason" "$sb"
[ "$(jq -c .sandbox.seccomp <<<"$x")" = true ] && t_ok "node002: sandbox applied" || t_fail "node002: sandbox applied" "$(jq -c .sandbox <<<"$x")"
# with "sandbox required" it refuses, saying why and what would allow it
sed -i 's/^sandbox optional$/sandbox required/' "$dir/foreign/agent.cfg"
"$R" check "${X[@]}" --json arm64 load:100 > "$dir/req.json" 2>/dev/null; rc=$?
e=$(hostline arm64 "$dir/req.json" | jq -r '"\(.status) \(.error)"')
sed -i 's/^sandbox required$/sandbox optional/' "$dir/foreign/agent.cfg"
[ $rc -eq 2 ] && [[ $e == "agent "*"refusing to run unconfined"*"sandbox optional"* ]] &&
	t_ok "arm64 with 'sandbox required': refused, saying why ($e)" || t_fail "arm64 with 'sandbox required': refused" "rc=$rc $e"

# --- a host of an architecture without an agent: unsupported, nothing uploaded ----------
rm -rf "$FLEET_HOMES/arm64/.cache"
"$R" check "${X[@]}" --agent "$BUILD/ronda-agent" --json arm64 load:100 > "$dir/foreign.json" 2>/dev/null; rc=$?
fl=$(jq -c 'select(.type == "host") | [.status, .error, .uploaded_bytes]' "$dir/foreign.json")
[ $rc -eq 2 ] && [ "$fl" = '["unsupported","no agent for architecture aarch64",0]' ] && t_ok "no agent offered for the host's architecture: unsupported, exit 2, nothing uploaded" || t_fail "foreign architecture" "rc=$rc $fl"

# --- a host without gzip gets the agent raw -------------------------------------------
mkdir -p "$T/nogz" "$T/nogz-home"
for f in /usr/bin/* /bin/*; do
	case ${f##*/} in gzip|gunzip|zcat|uncompress|zless|zmore|zgrep) ;; *) [ -e "$T/nogz/${f##*/}" ] || ln -s "$f" "$T/nogz/" ;; esac
done
source "$TOP/tests/lib-sshd.sh"
sshd_at nogzip 127.3.5.1 "$dir/host_ed25519" -o "SetEnv=HOME=$T/nogz-home PATH=$T/nogz RONDA_FLEET_SESSION=$dir"
: > "$dir/kh_nogz"
"$R" check -u root -p "$(cat "$T/nogzip.port")" -k "$FLEET_KEY" --known-hosts "$dir/kh_nogz" --hostkeys accept-new \
	--json 127.3.5.1 load:100 > "$dir/nogz.json" 2>/dev/null; rc=$?
ng=$(jq -c 'select(.type == "host") | [.verdict, .uploaded_bytes]' "$dir/nogz.json")
[ $rc -eq 0 ] && [ "$ng" = "[\"ok\",$size]" ] && [ "$(sha256sum < "$T/nogz-home/.cache/ronda/agent-$sha" | cut -d' ' -f1)" = "$sha" ] &&
	t_ok "no gzip on the host: the agent went raw ($size bytes) and runs" || t_fail "no gzip on the host: raw upload" "rc=$rc $ng"

t_finish
