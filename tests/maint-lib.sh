# maint-lib.sh - helpers for the rotate/cleanup suites (60-64), sourced
# after lib.sh.  Each suite works in its own temporary tree $T.
A=${A:-$BUILD/ronda-agent}
T=$(mktemp -d)
chmod 0755 "$T"
trap '[ -n "$KEEP" ] || rm -rf "$T"' EXIT

# job PROFILE WRITE_PATHS_JSON TASKS_JSON: runs one job, the result lines
# (one per task) on stdout, the whole output in $T/out, the exit code in $rc.
job() {
	local wp=""
	[ "$1" = maintain ] && wp=',"write_paths":'"$2"
	printf '{"ronda":1,"profile":"%s"%s,"tasks":%s}\n' "$1" "$wp" "$3" \
		| tr -d '\n' | t_agent run --profile "$1" >"$T/out" 2>"$T/err"
	rc=$?
	grep '"type":"result"' "$T/out"
}
# rot DIR TASK_KEYS: a maintain rotate task on DIR/*.log, state in $T/state.
rot() {
	job maintain '["'"$1"'","'"$T"'/state"]' \
		'[{"name":"r","check":"rotate","path":"'"$1"'/*.log","state":"'"$T"'/state/rotate.state"'"${2:+,$2}"'}]'
}
# val JSON KEY: a value of the result.
val() { jq -r ".values.$2" <<<"$1"; }
# seed LOG SECONDS_AGO: the state says LOG was rotated that long ago.
seed() {
	local t=$(( $(date +%s) - $2 ))
	mkdir -p "$T/state"
	if [ -s "$T/state/rotate.state" ]; then
		jq --arg l "$1" --argjson t "$t" '.logs[$l] = $t' "$T/state/rotate.state" >"$T/state/s.new"
	else
		jq -n --arg l "$1" --argjson t "$t" '{ronda_rotate_state: 1, logs: {($l): $t}}' >"$T/state/s.new"
	fi
	mv "$T/state/s.new" "$T/state/rotate.state"
}
# lines N PREFIX: N numbered lines.
lines() { seq -f "$2 %g the quick brown fox jumps over the lazy dog" 1 "$1"; }
mkdir -p "$T/state"
