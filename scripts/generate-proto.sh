#!/usr/bin/env bash
# Regenerates packages/proto from proto/: TypeScript via ts-proto, and a descriptor set for gRPC
# reflection. CI runs it and fails when the committed output differs (scripts/check-generated.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
npx --no-install buf generate
npx --no-install buf build -o packages/proto/descriptors.binpb
