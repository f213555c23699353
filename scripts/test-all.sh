#!/usr/bin/env bash
# The whole test suite, from a fresh clone: npm run test:all (and .ci/run runs exactly this).
# Installs what it needs (npm packages from the lockfile; PostgreSQL, NATS, nginx-rtmp, ffmpeg and
# Docker from Debian if missing), then: proto lint, breaking check and drift check, type check and build, compose
# validation, the jest suite against the real Postgres and NATS, and a smoke run of the README's start
# command.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n== %s\n' "$*"; }

step "npm dependencies (from the lockfile)"
bash scripts/install-deps.sh

step "PostgreSQL and NATS"
TEST_DATABASE_URL="$(bash scripts/ensure-services.sh)"
export TEST_DATABASE_URL TEST_NATS_URL="nats://127.0.0.1:4222"
echo "postgres: ${TEST_DATABASE_URL}; nats: ${TEST_NATS_URL}"
bash scripts/ensure-media-tools.sh   # nginx with the RTMP module, ffmpeg, Janus and gcc, for test/media (ffmpeg for test/containers too)
bash scripts/ensure-browser.sh       # Debian's Chromium, for test/browser (the web console)
bash scripts/ensure-docker.sh        # dockerd, docker-compose, debootstrap, for test/containers

step "buf lint"
npx --no-install buf lint

step "buf breaking (against .ci/proto-baseline)"
baseline="$(cat .ci/proto-baseline 2>/dev/null || true)"
if [ -n "$baseline" ] && git cat-file -e "${baseline}^{commit}" 2>/dev/null; then
  npx --no-install buf breaking --against ".git#ref=${baseline}"
else
  echo "no reachable baseline commit: skipped"
fi

step "generated code is what proto/ generates"
bash scripts/generate-proto.sh
# status, not diff: a file the protos newly generate is untracked, and must fail the check too.
generated=(packages/proto packages/sdk/src/gen)
if [ -n "$(git status --porcelain -- "${generated[@]}")" ]; then
  git status --short -- "${generated[@]}" >&2
  echo "${generated[*]} differ from what 'npm run proto:generate' makes: regenerate and commit" >&2
  exit 1
fi

step "build (type checks the sources, assembles the console) and type check the tests"
npm run build
npx --no-install tsc -p tsconfig.test.json

step "docker-compose.yml"
if command -v docker-compose >/dev/null; then
  docker-compose -f docker-compose.yml config --quiet && echo "valid"
else
  echo "docker-compose is not installed: skipped (.ci/run installs it)"
fi

step "tests (jest, real PostgreSQL and NATS)"
npm test -- --ci

step "smoke: the start command on the embedded default, and the demo against it"
bash scripts/smoke-start.sh
