#!/bin/bash
# 22-agent-port.sh - the port check of the real static agent against real
# listeners: wildcard and specific addresses, IPv4 and IPv6, expect closed.
source "$(dirname "$0")/../lib.sh"
A="$BUILD/ronda-agent"
T=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
port=$(( 23000 + RANDOM % 900 ))
while ss -Htln "sport = :$port" | grep -q .; do port=$((port + 1)); done
"$BUILD/faultd" -t 60 silent 127.0.0.7 "$port" & pids+=($!)
for _ in $(seq 50); do ss -Htln "sport = :$port" | grep -q . && break; sleep 0.05; done
job() { printf '{"ronda":1,"tasks":[%s]}\n' "$1" | t_agent run 2>/dev/null | jq -r 'select(.type == "result") | "\(.task) \(.verdict) \(.values.sockets)"'; }
out=$(job "{\"name\":\"any\",\"check\":\"port\",\"port\":$port},
	{\"name\":\"same\",\"check\":\"port\",\"port\":$port,\"address\":\"127.0.0.7\"},
	{\"name\":\"other\",\"check\":\"port\",\"port\":$port,\"address\":\"127.0.0.8\"},
	{\"name\":\"closed\",\"check\":\"port\",\"port\":$port,\"expect\":\"closed\"},
	{\"name\":\"udp\",\"check\":\"port\",\"port\":$port,\"proto\":\"udp\"}")
expect() { grep -qx "$1" <<<"$out" && t_ok "port check: $1" || t_fail "port check: $1" "$out"; }
expect "any ok 1"
expect "same ok 1"
expect "other fail 0"
expect "closed fail 1"
expect "udp fail 0"
kill "${pids[@]}"; wait 2>/dev/null; pids=()
out=$(job "{\"name\":\"gone\",\"check\":\"port\",\"port\":$port},{\"name\":\"gone-closed\",\"check\":\"port\",\"port\":$port,\"expect\":\"closed\"}")
expect "gone fail 0"
expect "gone-closed ok 0"
t_finish
