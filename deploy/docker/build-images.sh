#!/usr/bin/env bash
# Builds the five services' images (the media bridge's too) and the media servers', rtcroom/<service>:<tag>
# (default tag: local; nginx-rtmp and janus from deploy/docker/<name>), and prints each one's build time
# and size. NODE_BASE picks the base image (for nginx-rtmp and janus too: any Debian bookworm image will do); unset,
# the local one base-image.sh makes (no registry needed: the base is cached by its recipe's hash).
# Locally added CA certificates (/usr/local/share/ca-certificates, e.g. a TLS-intercepting proxy's) reach
# npm in the build stages only. Needs a running Docker daemon (DOCKER_HOST if not the default). Usage:
#   bash deploy/docker/build-images.sh [tag] [service...]
set -euo pipefail
cd "$(dirname "$0")/../.."
tag="${1:-local}"
shift || true
services=("$@")
[ "${#services[@]}" -gt 0 ] || services=(url-issuer room presence gateway media-bridge nginx-rtmp janus)
base="${NODE_BASE:-$(bash deploy/docker/base-image.sh)}"
ca=""
if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then ca="$(cat /usr/local/share/ca-certificates/*.crt)"; fi
for service in "${services[@]}"; do
  started=$(date +%s.%N)
  dockerfile="services/${service}/Dockerfile"
  case "$service" in nginx-rtmp | janus) dockerfile="deploy/docker/${service}/Dockerfile" ;; esac
  # The legacy builder: Debian's dockerd 20.10 without the buildx plugin. --network host: the build's
  # npm reaches the registry the way this machine does, with no bridge network needed.
  # The creation label makes every build a new image, even when all its layers come from the cache.
  if ! out=$(DOCKER_BUILDKIT=0 docker build -q --network host --build-arg NODE_BASE="$base" --build-arg DEBIAN_BASE="$base" --build-arg BUILD_CA_CERTS="$ca" \
    --label "org.opencontainers.image.created=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)" \
    -f "$dockerfile" -t "rtcroom/${service}:${tag}" . 2>&1); then
    printf '%s\n' "$out" | grep -v -e EBADENGINE -e '^npm warn' >&2
    echo "build-images: rtcroom/${service}:${tag} failed" >&2
    exit 1
  fi
  size=$(docker image inspect -f '{{.Size}}' "rtcroom/${service}:${tag}")
  printf 'rtcroom/%s:%s  %.0f s  %s MB\n' "$service" "$tag" "$(echo "$(date +%s.%N) - $started" | bc)" "$((size / 1000000))"
done
