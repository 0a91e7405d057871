#!/bin/bash
# 41-valgrind.sh - the orchestrator under valgrind on a small fleet run that
# includes every fault host, a command timeout and a capped flood, and on
# two shards of a patrol and their merge: no invalid access, no definite or
# indirect leak.
source "$(dirname "$0")/../lib.sh"
command -v valgrind >/dev/null || { t_fail "valgrind installed"; t_finish; exit 1; }
dir=$("$TOP/tests/fleet/up.sh" -n 14 -t 600) || { t_fail "fleet up"; t_finish; exit 1; }
trap '"$TOP/tests/fleet/down.sh" "$dir" >/dev/null 2>&1' EXIT
source "$dir/fleet.env"
VG=(valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect
	--suppressions="$TOP/tests/valgrind.supp"
	--errors-for-leak-kinds=definite,indirect --track-fds=no)

run_vg() { # name args...
	local name=$1; shift
	"${VG[@]}" --log-file="$dir/vg-$name.log" "$BUILD/ronda" "$@" > "$dir/vg-$name.out" 2>&1
	local rc=$?
	if [ $rc -ne 99 ] && [ ! -s "$dir/vg-$name.log" ]; then
		t_ok "valgrind clean: $name (exit $rc)"
	else
		t_fail "valgrind clean: $name" "exit $rc; $(head -20 "$dir/vg-$name.log")"
	fi
}
X=(-i "$FLEET_INVENTORY" --known-hosts "$FLEET_KNOWN_HOSTS" --connect-timeout 3 --retries 1)
run_vg exec-all-faults exec "${X[@]}" -b all -- sh -c 'echo hi; flood 3000000 >/dev/null 2>&1; flood 100000'
run_vg exec-json-timeout exec "${X[@]}" --json --timeout 1 --max-output 1000 'node[001-014]' -- sh -c 'flood 5000; hang 30'
cp "$FLEET_KNOWN_HOSTS" "$dir/kh2"; : > "$dir/kh2"
run_vg exec-accept-new exec -i "$FLEET_INVENTORY" --known-hosts "$dir/kh2" --hostkeys accept-new 'node[001-014],localhost' -- true
run_vg exec-out-prom exec "${X[@]}" --out "$dir/xruns" --prom "$dir/x.prom" 'node[001-004],faults' -- sh -c 'echo out; echo err >&2; exit 3'
printf '#!/bin/sh\necho "$1"; cat\n' > "$dir/vg-script.sh"
run_vg exec-script exec "${X[@]}" 'node[001-004],closed' --script "$dir/vg-script.sh" -- arg
run_vg exec-stdin exec "${X[@]}" 'node[001-004]' -c 'cat; printf "no newline" >&2' <<<data
run_vg check-all-faults check "${X[@]}" --json all disk:/:99% load:100 proc:sshd
run_vg check-spread-color check "${X[@]}" --color=always all disk:/:99% load:100 proc:sshd
run_vg check-values check "${X[@]}" --values --sort host --color=always all disk:/:99% mem clock
run_vg run-patrol run "${X[@]}" --html "$dir/r.html" --prom "$dir/r.prom" --out "$dir/runs" "$TOP/playbooks/patrol.cfg" --limit 'node[001-005]'
run_vg hosts hosts -i "$FLEET_INVENTORY" --list -v 'all'
# the warm daemon: sessions held, a status answered, warm work done, a lost
# session brought back (rest, reconnect), then SIGTERM
export XDG_RUNTIME_DIR=$dir/rt
mkdir -m 700 "$XDG_RUNTIME_DIR"
"${VG[@]}" --log-file="$dir/vg-serve.log" "$BUILD/ronda" serve "${X[@]}" 'node[001-005],closed' > "$dir/vg-serve.out" 2>&1 &
vp=$!
warm() { "$BUILD/ronda" serve --status --json 2>/dev/null | jq -r "$1" 2>/dev/null; }
for _ in $(seq 1 600); do [ "$(warm '[.hosts[] | select(.state == "up")] | length')" = 5 ] && break; sleep 0.1; done
up=$(warm '[.hosts[] | select(.state == "up")] | length')
# its work, the clients under valgrind too: a warm check, a warm exec with
# stdin, one killed at its timeout, one whose client goes before its answer
run_vg check-warm check "${X[@]}" --warm=required --json 'node[001-005],closed' disk:/:99% mem proc:sshd
run_vg exec-warm exec "${X[@]}" --warm=required 'node[001-005],closed' -c 'cat; printf e >&2; exit 2' <<<data
run_vg exec-warm-timeout exec "${X[@]}" --warm=required --timeout 1 'node[001-002]' -- sleep 30
timeout -s KILL 1 "$BUILD/ronda" exec "${X[@]}" --warm=required node003 -- sleep 3 > /dev/null 2>&1
sp=$(ss -tnpH src "127.0.0.3:$FLEET_PORT" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
[ -n "$sp" ] && kill -KILL "$sp"
for _ in $(seq 1 600); do [ "$(warm '.hosts[] | select(.host == "node002") | .state == "up" and .connects == 2')" = true ] && break; sleep 0.1; done
back=$(warm '.hosts[] | select(.host == "node002") | .connects')
kill -TERM "$vp"; wait "$vp"; rc=$?
if [ "$up" = 5 ] && [ "$back" = 2 ] && [ $rc -eq 0 ] && [ ! -s "$dir/vg-serve.log" ]; then
	t_ok "valgrind clean: serve, 5 held, warm check and exec, one lost and back, SIGTERM (exit $rc)"
else
	t_fail "valgrind clean: serve" "up=$up back=$back exit $rc; $(head -20 "$dir/vg-serve.log") $(tail -3 "$dir/vg-serve.out")"
fi
unset XDG_RUNTIME_DIR
# shards and their merge: whole, with a shard missing, a run given twice, an exec run
for k in 0 1; do
	run_vg run-shard$k run "${X[@]}" --shard $k/2 --out "$dir/sruns$k" "$TOP/playbooks/patrol.cfg" --limit 'node[001-006],closed'
done
run_vg merge-patrol merge "$dir/smerged" "$dir"/sruns0/* "$dir"/sruns1/*
run_vg merge-missing merge "$dir/smerged" "$dir"/sruns0/*
run_vg merge-twice merge "$dir/smerged" "$dir"/xruns/* "$dir"/xruns/*
run_vg merge-exec merge "$dir/smerged" "$dir"/xruns/*
run_vg usage exec -i "$FLEET_INVENTORY" node001 true
t_finish
