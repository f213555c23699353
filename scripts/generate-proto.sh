#!/usr/bin/env bash
# Regenerates from proto/: packages/proto (TypeScript via ts-proto, and a descriptor set for gRPC
# reflection) and the SDK's wire types in packages/sdk/src/gen (see buf.gen.yaml). CI runs it and
# fails when the committed output differs (scripts/test-all.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
npx --no-install buf generate
npx --no-install buf build -o packages/proto/descriptors.binpb
