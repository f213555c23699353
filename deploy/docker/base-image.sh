#!/usr/bin/env bash
# Makes the local stand-in for node:20-bookworm-slim where no image registry is reachable, and prints
# its name: Debian bookworm (debootstrap minbase) with tini, CA certificates, a `node` user (uid 1000,
# as in the official image and the Kubernetes manifests) and this machine's own Node and npm. Debian's
# bookworm ships Node 18, below the project's `engines` (>= 20), so the host's Node 20 binary (it needs
# only glibc and libstdc++, both in minbase) is copied in: the images then run the very Node the tests
# ran. The tag is a hash of this recipe and that Node, so a second run (CI on the same machine) finds the
# image and returns at once. Needs root (debootstrap) and a reachable Debian mirror on the first run.
# Usage: DOCKER_HOST=... bash deploy/docker/base-image.sh   -> rtcroom/node-base:<hash>
set -euo pipefail
cd "$(dirname "$0")"
node_bin="$(readlink -f "$(command -v node)")"
npm_dir="$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")"
major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$major" -ge 20 ] || { echo "base-image: the host's Node is $(node -v); the images need Node 20 or later" >&2; exit 1; }
hash="$( { cat base-image.sh; node -v; npm -v; uname -m; } | sha256sum | cut -c1-16)"
name="rtcroom/node-base:${hash}"
if docker image inspect "$name" >/dev/null 2>&1; then
  echo "$name"
  exit 0
fi
command -v debootstrap >/dev/null || { echo "base-image: debootstrap is missing (apt-get install debootstrap)" >&2; exit 1; }
root="$(mktemp -d)"
trap 'rm -rf "$root"' EXIT
echo "base-image: debootstrap bookworm into $root" >&2
debootstrap --variant=minbase --include=tini,ca-certificates bookworm "$root" http://deb.debian.org/debian >/dev/null
install -m 0755 "$node_bin" "$root/usr/local/bin/node"
mkdir -p "$root/usr/local/lib/node_modules"
cp -a "$npm_dir" "$root/usr/local/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
chroot "$root" groupadd --gid 1000 node
chroot "$root" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
# What a slim image leaves out: package lists, caches, documentation.
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
  "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/*
tar -C "$root" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["node"]' - "$name" >/dev/null
echo "$name"
