#!/usr/bin/env bash
# Anonymous page throughput and tail latency: colophon-server (release build)
# answering the Store (`/`), a search (`/?q=ink`) and a listing page over the
# demo store, as anonymous visitors get them (the page cache on, as
# `make run` has it: server/src/page_cache.rs), against nginx serving the very
# same HTML bytes from disk. wrk on loopback, 64 connections, 2 threads, the
# same duration for each. COLOPHON_PAGE_CACHE_MS=0 measures rendering alone.
# Usage: bench/store-page.sh [SECONDS] [RUNS]   (defaults 15, 3). Prints a table of medians.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-15}
runs=${2:-3}
source scripts/lib.sh
for tool in wrk nginx curl; do
  command -v "$tool" >/dev/null || { echo "bench/store-page.sh needs $tool (apt-get install wrk nginx-light curl)" >&2; exit 2; }
done
bin=target/release/colophon-server
[ -x "$bin" ] || "$CARGO" build --release -p server # the page is server-rendered: no wasm needed
anvil=$(native_bin anvil)

work=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

COLOPHON_ADDR=127.0.0.1:0 COLOPHON_DATA_DIR="$work/data" COLOPHON_ANVIL_PORT=0 COLOPHON_ANVIL_BIN="$anvil" \
  COLOPHON_DEMO=1 COLOPHON_LOG=warn COLOPHON_RATE_SEARCH=0 DATABASE_URL= "$bin" > "$work/server.out" 2>&1 &
server_pid=$!
for _ in $(seq 1 120); do
  url=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/server.out" | head -1 || true)
  [ -n "$url" ] && break
  sleep 0.5
done
[ -n "${url:-}" ] || { echo "the server did not start:" >&2; cat "$work/server.out" >&2; exit 1; }

mkdir -p "$work/www"
pages=("/" "/?q=ink" "/listings/tidal-memory-demo")
names=("Store page \`/\`" "Store search \`/?q=ink\`" "Listing page")
locations=""
for i in "${!pages[@]}"; do
  curl -sf "$url${pages[$i]}" -o "$work/www/p$i.html"
  grep -q 'Tidal Memory' "$work/www/p$i.html" || { echo "${pages[$i]} does not show the demo listing" >&2; exit 1; }
  locations+="    location = /p$i { default_type text/html; try_files /p$i.html =404; }"$'\n'
done
port=$(( 20000 + RANDOM % 20000 ))
cat > "$work/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx.pid;
error_log $work/nginx.err warn;
events { worker_connections 1024; }
http {
  access_log off;
  server {
    listen 127.0.0.1:$port;
    root $work/www;
$locations  }
}
CONF
nginx -c "$work/nginx.conf"
sleep 0.5

run() { # prints "requests/s p99"
  wrk -t2 -c64 -d"${secs}s" --latency "$1" | awk '/Requests\/sec/ {rps=$2} /^ +99%/ {p99=$2} END {print rps, p99}'
}
median_of() { printf '%s\n' "$@" | sort -g -k1,1 | sed -n "$(( ($# + 1) / 2 ))p"; }
mode="page cache on"
[ "${COLOPHON_PAGE_CACHE_MS:-}" = 0 ] && mode="page cache off"
echo "| page ($mode) | bytes | colophon-server req/s (median of $runs) | p99 | nginx, same bytes, req/s | p99 | ratio |"
echo "|---|---|---|---|---|---|---|"
for i in "${!pages[@]}"; do
  ours_url="$url${pages[$i]}" peer_url="http://127.0.0.1:$port/p$i"
  wrk -t2 -c64 -d2s "$ours_url" >/dev/null # warm up both
  wrk -t2 -c64 -d2s "$peer_url" >/dev/null
  # Alternate ours and the peer, $runs rounds; medians of each.
  ours=() peer=()
  for _ in $(seq 1 "$runs"); do
    ours+=("$(run "$ours_url")")
    peer+=("$(run "$peer_url")")
  done
  read -r ours_rps ours_p99 < <(median_of "${ours[@]}")
  read -r peer_rps peer_p99 < <(median_of "${peer[@]}")
  bytes=$(wc -c < "$work/www/p$i.html")
  ratio=$(awk -v a="$ours_rps" -v b="$peer_rps" 'BEGIN { printf "%.2f", a / b }')
  echo "| ${names[$i]} | $bytes | $ours_rps | $ours_p99 | $peer_rps | $peer_p99 | ${ratio}× |"
  bench_result "${names[$i]}, anonymous ($mode), requests/s" "$ours_rps req/s (p99 $ours_p99)" "nginx, same bytes: $peer_rps req/s (p99 $peer_p99)" "${ratio}×" "bench/store-page.sh $secs $runs"
done
echo "(wrk -t2 -c64 -d${secs}s, loopback)"
