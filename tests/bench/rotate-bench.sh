#!/bin/bash
# rotate-bench.sh - the rotate task's figures against gzip and logrotate
# (make rotate-bench; not part of make test: it writes about 2.3 GiB).
#
#   tests/bench/rotate-bench.sh [BUILD-DIR]
#
# (a) compression: one rotate task (size trigger, rotate 1, compress) on a
#     1 GiB generated access log, against `gzip -6 -c` on the same file;
#     wall time, medians of RUNS (3), MB/s (10^6 bytes) of input, the ratio.
#     ronda's time is the whole agent run: rename, create, compress, fsync
#     of the .gz and the directory, state file.  Both outputs must
#     decompress to the input.
# (b) many small logs: FILES (10,000) logs of 1-4 KiB in one directory, one
#     rotate task with a glob (size trigger, so all rotate; compress, keep
#     1), against logrotate with the equivalent configuration; medians of
#     RUNS, the ratio.  Every log must be in a .gz afterwards, byte for byte.
#
# Works in BENCH_TMP (default: TMPDIR or /tmp); refuses to start with less
# than 4 GiB free there, and removes everything it wrote, also on failure.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build}
A=$PWD/$BUILD/ronda-agent
RUNS=${RUNS:-3}
FILES=${FILES:-10000}
GIB=${GIB:-1}
LR=$(command -v logrotate || echo /usr/sbin/logrotate)
BASE=${BENCH_TMP:-${TMPDIR:-/tmp}}

[ -x "$A" ] || { echo "rotate-bench: no $A; run make first" >&2; exit 1; }
[ -x "$LR" ] || { echo "rotate-bench: no logrotate; run make deps" >&2; exit 1; }
avail_kb=$(df -Pk "$BASE" | awk 'NR == 2 { print $4 }')
if [ "$avail_kb" -lt $((4 * 1024 * 1024)) ]; then
	echo "rotate-bench: only $((avail_kb / 1024)) MiB free in $BASE; need 4 GiB (set BENCH_TMP)" >&2
	exit 1
fi
T=$(mktemp -d "$BASE/ronda-rotate-bench.XXXXXX")
chmod 0755 "$T"
trap 'rm -rf "$T"' EXIT
export TZ=UTC

ms() { echo $(( $(date +%s%N) / 1000000 )); }
median() { printf '%s\n' "$@" | sort -n | sed -n "$(( ($# + 1) / 2 ))p"; }
# agent_rotate DIR GLOB KEYS: one maintain job, one rotate task, state in $T/state.
agent_rotate() {
	rm -rf "$T/state"; mkdir -m 0700 "$T/state"
	printf '{"ronda":1,"profile":"maintain","write_paths":["%s","%s"],"tasks":[{"name":"r","check":"rotate","path":"%s","state":"%s/state/rotate.state",%s}]}\n' \
		"$1" "$T/state" "$1/$2" "$T" "$3" | "$A" run --profile maintain >"$T/out" 2>"$T/err" \
		|| { echo "rotate-bench: the agent failed:" >&2; cat "$T/out" "$T/err" >&2; exit 1; }
	grep -q '"verdict":"ok"' "$T/out" || { echo "rotate-bench: not ok:" >&2; cat "$T/out" >&2; exit 1; }
}
# gen SEED LINES: nginx-style access log lines
gen() {
	awk -v seed="$1" -v n="$2" 'BEGIN {
		srand(seed)
		split("/ /index.html /api/v1/items /api/v1/login /api/v1/orders/search /static/app.js /static/style.css /favicon.ico", p, " ")
		split("200 200 200 200 304 301 404 500", c, " ")
		split("curl/7.88.1|Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 Firefox/120.0|Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/119.0 Safari/537.36|Googlebot/2.1", u, "|")
		for (i = 1; i <= n; i++)
			printf "10.%d.%d.%d - - [%02d/Nov/2026:%02d:%02d:%02d +0000] \"GET %s?id=%d HTTP/1.1\" %s %d \"-\" \"%s\" %.3f\n",
				int(rand()*256), int(rand()*256), int(rand()*256), int(rand()*28)+1, int(rand()*24), int(rand()*60), int(rand()*60),
				p[int(rand()*8)+1], int(rand()*100000), c[int(rand()*8)+1], int(rand()*60000), u[int(rand()*4)+1], rand()*2
	}'
}

# ---- (a) 1 GiB: ronda's rotate+compress against gzip -6 ---------------------------
echo "rotate-bench: generating ${GIB} GiB of access log in $T" >&2
mkdir -p "$T/a"
{ gen 1 1000000 || true; } | head -c $((128 << 20)) >"$T/chunk"	# 128 MiB (gzip's window is 32 KiB), repeated
for _ in $(seq $((GIB * 8))); do cat "$T/chunk"; done >"$T/src.log"
rm -f "$T/chunk"
bytes=$(stat -c %s "$T/src.log")
[ "$bytes" = $((GIB << 30)) ] || { echo "rotate-bench: generated $bytes bytes, not $GIB GiB" >&2; exit 1; }
want=$(sha256sum <"$T/src.log")
rt=() gt=()
for i in $(seq "$RUNS"); do
	rm -f "$T"/a/*; cp "$T/src.log" "$T/a/access.log"; sync
	t0=$(ms); agent_rotate "$T/a" access.log '"size":1,"rotate":1,"compress":true'; t1=$(ms)
	rt+=($((t1 - t0)))
	rm -f "$T/g.gz"; sync
	t0=$(ms); gzip -6 -c "$T/src.log" >"$T/g.gz"; t1=$(ms)
	gt+=($((t1 - t0)))
done
[ "$(gzip -dc "$T/a/access.log.1.gz" | sha256sum)" = "$want" ] || { echo "rotate-bench: ronda's .gz is not the input" >&2; exit 1; }
[ "$(gzip -dc "$T/g.gz" | sha256sum)" = "$want" ] || { echo "rotate-bench: gzip's output is not the input" >&2; exit 1; }
rz=$(stat -c %s "$T/a/access.log.1.gz") gz=$(stat -c %s "$T/g.gz")
rm -rf "$T/a" "$T/g.gz" "$T/src.log"
rm_=$(median "${rt[@]}") gm=$(median "${gt[@]}")
printf 'compress_input_bytes %d (%.1f MB)\n' "$bytes" "$(echo "$bytes / 1000000" | bc -l)"
printf 'ronda_rotate_compress_median_ms %d (runs: %s) %.1f MB/s, output %d bytes (%.2f%%)\n' "$rm_" "${rt[*]}" \
	"$(echo "$bytes / 1000 / $rm_" | bc -l)" "$rz" "$(echo "100 * $rz / $bytes" | bc -l)"
printf 'gzip6_median_ms %d (runs: %s) %.1f MB/s, output %d bytes (%.2f%%)\n' "$gm" "${gt[*]}" \
	"$(echo "$bytes / 1000 / $gm" | bc -l)" "$gz" "$(echo "100 * $gz / $bytes" | bc -l)"
printf 'compress_throughput_ratio_ronda_over_gzip %.2f\n' "$(echo "$gm / $rm_" | bc -l)"

# ---- (b) 10,000 small logs: ronda against logrotate ----------------------------------
echo "rotate-bench: $FILES small logs" >&2
mkdir -p "$T/master"
gen 2 $((FILES * 18)) | awk -v d="$T/master" -v n="$FILES" '{
	f = sprintf("%s/s%05d.log", d, (NR - 1) % n + 1); print >> f
	if (NR % n == 0) for (i = 1; i <= n; i++) close(sprintf("%s/s%05d.log", d, i)) }'
small_want=$(cat "$T"/master/*.log | sha256sum)
small_bytes=$(du -sb "$T/master" | cut -f1)
printf '%s/s/*.log {\n\tsize 1\n\trotate 1\n\tcompress\n\tcreate\n\tmissingok\n}\n' "$T" >"$T/lr.conf"
# check_small WHO: every log rotated into a .gz holding its bytes
check_small() {
	local n
	n=$(find "$T/s" -name '*.log.1.gz' | wc -l)
	[ "$n" = "$FILES" ] || { echo "rotate-bench: $1 left $n of $FILES .gz files" >&2; exit 1; }
	[ "$(cd "$T/s" && gzip -dc -- *.log.1.gz | sha256sum)" = "$small_want" ] \
		|| { echo "rotate-bench: $1's .gz files do not hold the logs" >&2; exit 1; }
}
rt=() lt=()
for i in $(seq "$RUNS"); do
	rm -rf "$T/s"; cp -a "$T/master" "$T/s"; sync
	t0=$(ms); agent_rotate "$T/s" '*.log' '"size":1,"rotate":1,"compress":true'; t1=$(ms)
	rt+=($((t1 - t0)))
	[ "$i" = 1 ] && check_small ronda
	rm -rf "$T/s" "$T/lr.state"; cp -a "$T/master" "$T/s"; sync
	t0=$(ms); "$LR" -s "$T/lr.state" "$T/lr.conf"; t1=$(ms)
	lt+=($((t1 - t0)))
	[ "$i" = 1 ] && check_small logrotate
done
rm_=$(median "${rt[@]}") lm=$(median "${lt[@]}")
printf 'small_logs %d (%d bytes)\n' "$FILES" "$small_bytes"
printf 'ronda_small_median_ms %d (runs: %s)\n' "$rm_" "${rt[*]}"
printf 'logrotate_small_median_ms %d (runs: %s)\n' "$lm" "${lt[*]}"
printf 'small_logs_time_ratio_logrotate_over_ronda %.2f\n' "$(echo "$lm / $rm_" | bc -l)"
