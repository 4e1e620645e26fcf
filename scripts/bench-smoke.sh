#!/usr/bin/env bash
# Keeps the load generator working: starts the debug server with its own embedded database on a
# free loopback port, runs every confab-bench scenario once at a tiny size (20 connections, a
# few seconds), and stops the server. Real measurements are in BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."

data=$(mktemp -d /tmp/confab-bench-smoke.XXXXXX)
chmod 755 "$data"
log="$data/server.log"
# The load generator measures the server, not its rate limits: they are lifted.
target/debug/confab --port 0 --data-dir "$data/data" --static-dir dist \
  --ws-frames-per-sec 1000000 --user-requests-per-sec 1000000 >"$data/stdout" 2>"$log" &
pid=$!
cleanup() {
  kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT

url=""
for _ in $(seq 1 120); do
  url=$(sed -n 's/^Confab is running at //p' "$data/stdout")
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
  sleep 0.5
done
[ -n "$url" ] || { echo "the server did not start" >&2; cat "$log" >&2; exit 1; }

bench=target/debug/confab-bench
"$bench" --url "$url" probe --endpoint healthz --concurrency 4 --seconds 2
"$bench" --url "$url" probe --endpoint readyz --concurrency 4 --seconds 2
"$bench" --url "$url" connect --connections 20 --users 5 --concurrency 8 --hold-seconds 1 --server-pid "$pid"
"$bench" --url "$url" fanout --rooms 2 --members 5 --rate 20 --seconds 2
"$bench" --url "$url" fanout --rooms 2 --members 5 --rate 20 --seconds 2 --change-share 0.2
"$bench" --url "$url" max --rooms 2 --members 5 --start 10 --factor 2 --seconds 1 --steps 2
"$bench" --url "$url" login --rooms 2 --members 5 --rate 10 --seconds 1 --concurrency 2
