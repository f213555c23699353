#!/usr/bin/env bash
# Starts the system the way the README's start command does (no DATABASE_URL, no NATS_URL: the
# embedded default), runs the two demo clients through the thin path against it, and stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
env -u DATABASE_URL -u NATS_URL GATEWAY_ADDRESS=127.0.0.1:18787 ROOM_GRPC_ADDRESS=127.0.0.1:15051 \
  PRESENCE_GRPC_ADDRESS=127.0.0.1:15052 URL_ISSUER_GRPC_ADDRESS=127.0.0.1:15053 GATEWAY_GRPC_ADDRESS=127.0.0.1:15054 \
  URL_ISSUER_HTTP_ADDRESS=127.0.0.1:15090 LOG_LEVEL=warn \
  node packages/dev/dist/up.js >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 120); do grep -q 'rtcroom is up' "$log" && break; kill -0 $pid 2>/dev/null || break; sleep 0.5; done
if ! grep -q 'rtcroom is up' "$log"; then cat "$log"; echo "the start command did not come up" >&2; exit 1; fi
GATEWAY_URL=ws://127.0.0.1:18787/v1/ws node packages/dev/dist/demo.js
