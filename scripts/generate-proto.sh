#!/usr/bin/env bash
# Regenerates from proto/: packages/proto (TypeScript via ts-proto, and a descriptor set for gRPC
# reflection, with a second one of the health and reflection services every port serves, from the
# protos their npm packages ship) and the SDK's wire types in packages/sdk/src/gen (see buf.gen.yaml). CI runs it and
# fails when the committed output differs (scripts/test-all.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
npx --no-install buf generate
npx --no-install buf build -o packages/proto/descriptors.binpb
health=node_modules/grpc-health-check/proto
reflection=node_modules/@grpc/reflection/build/proto
npx --no-install buf build "$health" -o packages/proto/grpc-health.binpb
npx --no-install buf build "$reflection" --path "$reflection/grpc/reflection" -o packages/proto/grpc-reflection.binpb
cat packages/proto/grpc-health.binpb packages/proto/grpc-reflection.binpb > packages/proto/grpc-descriptors.binpb # one set: a FileDescriptorSet's files concatenate
rm packages/proto/grpc-health.binpb packages/proto/grpc-reflection.binpb
