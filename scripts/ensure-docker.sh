#!/usr/bin/env bash
# Makes sure Debian's Docker engine (docker.io: dockerd and the docker CLI), docker-compose and
# debootstrap are installed, for test/containers (the images built and run by compose). Idempotent:
# does nothing when all are there. Only installs: the test starts its own dockerd (no bridge, no
# firewall rules) and stops it afterwards; the system's docker service is never started here.
set -euo pipefail

log() { echo "ensure-docker: $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else log "need root for: $*"; return 1; fi; }

missing=()
{ command -v dockerd >/dev/null && command -v docker >/dev/null; } || missing+=(docker.io)
command -v docker-compose >/dev/null || missing+=(docker-compose)
command -v debootstrap >/dev/null || [ -x /usr/sbin/debootstrap ] || missing+=(debootstrap)

if [ "${#missing[@]}" -gt 0 ]; then
  log "installing ${missing[*]}"
  as_root apt-get update -qq >&2
  # docker.io's post-install script may try to start the system daemon; without an init system that
  # fails harmlessly.
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

command -v dockerd >/dev/null || { log "dockerd is still missing"; exit 1; }
command -v docker-compose >/dev/null || { log "docker-compose is still missing"; exit 1; }
log "$(docker --version), $(docker-compose --version), debootstrap $(dpkg-query -W -f='${Version}' debootstrap 2>/dev/null || echo '?')"
