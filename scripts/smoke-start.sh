#!/usr/bin/env bash
# Starts the system with the README's start command, `npm run up` (no DATABASE_URL, no NATS_URL: the
# embedded default), every port 0 so nothing else on the machine is in the way, and runs the demo
# command its banner prints, exactly as printed, against it; then stops it. After CI's own install and
# build nothing is left for npm run up to do: it must say so, and the time to "rtcroom is up" is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
started=$(date +%s%N)
# Its own process group, so stopping it stops npm and the node process npm started.
setsid env -u DATABASE_URL -u NATS_URL GATEWAY_ADDRESS=127.0.0.1:0 GATEWAY_GRPC_ADDRESS=127.0.0.1:0 ROOM_GRPC_ADDRESS=127.0.0.1:0 \
  PRESENCE_GRPC_ADDRESS=127.0.0.1:0 URL_ISSUER_GRPC_ADDRESS=127.0.0.1:0 URL_ISSUER_HTTP_ADDRESS=127.0.0.1:0 \
  GATEWAY_METRICS_ADDRESS=127.0.0.1:0 ROOM_METRICS_ADDRESS=127.0.0.1:0 PRESENCE_METRICS_ADDRESS=127.0.0.1:0 URL_ISSUER_METRICS_ADDRESS=127.0.0.1:0 LOG_LEVEL=warn \
  npm run up >"$log" 2>&1 &
pid=$!
trap 'kill -- -$pid 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 240); do grep -q 'Ctrl-C stops everything' "$log" && break; kill -0 $pid 2>/dev/null || break; sleep 0.25; done
if ! grep -q 'Ctrl-C stops everything' "$log"; then cat "$log"; echo "npm run up did not come up" >&2; exit 1; fi
echo "npm run up: up after $(( ($(date +%s%N) - started) / 1000000 )) ms"
if ! grep -q 'nothing to install' "$log"; then cat "$log"; echo "npm run up installed again although nothing changed" >&2; exit 1; fi
demo=$(grep -A1 'in another terminal:' "$log" | tail -1 | sed 's/^ *//')
echo "$ $demo"
bash -c "$demo"
