#!/usr/bin/env bash
# Installs the npm dependencies from the lockfile, unless node_modules already holds exactly that:
# a second `npm run up` with nothing changed must not reinstall (20 s). What node_modules was installed
# from is kept as a hash in node_modules/.rtcroom-lock-hash: package-lock.json, every workspace's
# package.json (npm ci checks the two agree) and the Node ABI, platform and architecture.
#
# Never writes package-lock.json (a README command must not change a tracked file). npm ci is tried
# first and never writes it; npm on machines configured to keep registry addresses out of lockfiles
# leaves other platforms' optional packages (buf's and swc's binaries for macOS, Windows...) out of the
# lock, and npm ci then refuses it as out of sync: npm install --no-save takes the same pinned versions
# from the lock, fills in what this platform needs, and leaves the lockfile as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=node_modules/.rtcroom-lock-hash
wanted=$(node -e '
  const { createHash } = require("node:crypto");
  const { existsSync, readFileSync } = require("node:fs");
  const files = ["package-lock.json", "package.json", ...(require("./package.json").workspaces ?? []).map((w) => `${w}/package.json`)];
  const hash = createHash("sha256");
  for (const f of files) hash.update(`${f}\0`).update(existsSync(f) ? readFileSync(f) : "(none)").update("\0");
  hash.update([process.versions.modules, process.platform, process.arch].join(" "));
  console.log(hash.digest("hex"));
')
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$wanted" ]; then
  echo "node_modules matches package-lock.json: nothing to install"
  exit 0
fi
err=$(mktemp)
trap 'rm -f "$err"' EXIT
if ! npm ci --no-audit --no-fund 2>"$err"; then
  if grep -q 'in sync' "$err"; then
    echo "npm ci refused package-lock.json as out of sync (another platform's optional packages missing from it?); installing from it with npm install --no-save, which leaves it as it is"
    npm install --no-save --no-audit --no-fund
  else
    cat "$err" >&2
    exit 1
  fi
fi
mkdir -p node_modules
echo "$wanted" >"$stamp"
