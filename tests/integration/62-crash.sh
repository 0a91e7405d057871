#!/bin/bash
# 62-crash.sh - crash safety of rotation: SIGKILL the agent at random points
# while it rotates and compresses, and check that every line ever written is
# still in the log, a plain rotated file or a complete .gz (decompressed to
# check); then a full disk during compression, which must leave the
# original intact and say why.
source "$(dirname "$0")/../lib.sh"
source "$TOP/tests/maint-lib.sh"
cd "$TOP"
D=$T/c
mkdir -p "$D"
ROUNDS=${ROUNDS:-20}
total=0 hits=0
# agent_under PID: the ronda-agent processes among PID's descendants
agent_under() {
	local c
	for c in $(pgrep -P "$1" 2>/dev/null); do
		[ "$(cat "/proc/$c/comm" 2>/dev/null)" = ronda-agent ] && echo "$c"
		agent_under "$c"
	done
}
task='"size":1,"rotate":1000,"compress":true,"compress_level":9'
for i in $(seq "$ROUNDS"); do
	# enough to compress for a few hundred ms, so that a kill at a random
	# point lands while the agent works on a busy machine too
	n=$(( 150000 + RANDOM % 150000 ))
	seq -f "%.0f the quick brown fox jumps over the lazy dog $RANDOM" $((total + 1)) $((total + n)) >>"$D/app.log"
	total=$((total + n))
	rot "$D" "$task" >/dev/null &
	pid=$!
	# Below the job's subshells and t_agent's timeout: kill the agent itself,
	# at a random point once it runs (waiting for it, at most 10 s, is an
	# event: a busy machine only starts it later)
	apid=
	for _ in $(seq 1 1000); do
		apid=$(agent_under "$pid" | head -1)
		[ -n "$apid" ] && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.01
	done
	sleep "0.$(( RANDOM % 2 ))$(( RANDOM % 10 ))"
	if [ -n "$apid" ]; then kill -KILL "$apid" 2>/dev/null && hits=$((hits + 1)); fi
	wait "$pid" 2>/dev/null
done
echo "$((total + 1)) the last line" >>"$D/app.log"; total=$((total + 1))
rot "$D" "$task" >"$T/last"	# one clean run heals what the kills left
bad=0
for f in "$D"/*.gz; do gzip -t "$f" 2>/dev/null || { bad=$((bad + 1)); echo "broken: $f"; }; done
have=$( { for f in "$D"/app.log "$D"/app.log.[0-9]*; do case $f in *.gz) zcat "$f";; *) cat "$f";; esac; done; } 2>/dev/null \
	| cut -d' ' -f1 | sort -un | wc -l)
echo "# $ROUNDS rounds, $hits kills landed while the agent ran, $total lines written, $have found"
[ "$bad" = 0 ] && t_ok "every .gz is complete ($(ls "$D"/*.gz | wc -l) files)" || t_fail "every .gz is complete" "$bad broken"
[ "$have" = "$total" ] && t_ok "every line survives $hits SIGKILLs: $have of $total" || t_fail "every line survives" "$have of $total"
[ "$hits" -ge $((ROUNDS / 3)) ] && t_ok "the kills landed mid-run ($hits of $ROUNDS)" || t_fail "kills landed" "$hits"
[ -z "$(ls -A "$D" | grep -v '^app\.log\(\.[0-9]*\.gz\)\?$')" ] && t_ok "after a clean run: every rotated file compressed once, no temporary left" \
	|| t_fail "healed" "$(ls "$D" | grep -v gz$ | head) $(cat "$T/last")"

# --- a full disk during compression ---------------------------------------------------
F=$T/full
mkdir -p "$F"
mount -t tmpfs -o size=4m,mode=0755 ronda-full "$F" || { t_fail "mount a small tmpfs"; t_finish; exit 1; }
trap 'umount "$F" 2>/dev/null; [ -n "$KEEP" ] || rm -rf "$T"' EXIT
head -c 1500000 /dev/urandom >"$F/big.log"	# incompressible
want=$(sha256sum <"$F/big.log")
avail=$(df --output=avail -B1 "$F" | tail -1)
head -c $((avail - 300000)) /dev/zero >"$F/filler" 2>/dev/null
r=$(job maintain '["'"$F"'","'"$T"'/state"]' '[{"name":"r","check":"rotate","path":"'"$F"'/big.log","size":1,"rotate":3,"compress":true,"state":"'"$T"'/state/rotate.state"}]')
if [ "$(sha256sum <"$F/big.log.1")" = "$want" ] && [ ! -e "$F/big.log.1.gz" ] && [ -z "$(ls -A "$F" | grep ronda-tmp)" ] \
	&& [ "$(jq -r .verdict <<<"$r")" = fail ] && jq -e '.values.skipped[0].reason | test("No space left")' <<<"$r" >/dev/null; then
	t_ok "full disk while compressing: original intact, no temporary left, the error reported"
else
	t_fail "full disk" "$(ls -la "$F") $r"
fi
umount "$F"
t_finish
