#!/usr/bin/env bash
# Installs the npm dependencies from the lockfile. npm ci is tried first; npm on machines configured to
# keep registry addresses out of lockfiles leaves other platforms' optional packages (buf's and swc's
# binaries for macOS, Windows...) out of the lock, and npm ci then refuses it as out of sync: npm install
# takes the same pinned versions from the lock and fills in what this platform needs.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! npm ci --no-audit --no-fund 2>/tmp/rtcroom-npm-ci.err; then
  if grep -q 'in sync' /tmp/rtcroom-npm-ci.err; then
    echo "npm ci refused the lockfile (other platforms' optional packages are not in it); using npm install with it"
    npm install --no-audit --no-fund
  else
    cat /tmp/rtcroom-npm-ci.err >&2
    exit 1
  fi
fi
