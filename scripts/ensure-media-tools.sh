#!/usr/bin/env bash
# Makes sure nginx with the RTMP module and ffmpeg/ffprobe are installed, from Debian's packages, for
# the real media test (test/media/nginx-rtmp.e2e.test.ts). Idempotent: does nothing when all are there.
# Only installs: the test starts its own nginx with a generated configuration, never the system one.
set -euo pipefail

log() { echo "ensure-media-tools: $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else log "need root for: $*"; return 1; fi; }

rtmp_module_present() {
  [ -e /usr/lib/nginx/modules/ngx_rtmp_module.so ] || [ -e /usr/share/nginx/modules/ngx_rtmp_module.so ]
}
nginx_present() { command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; }

missing=()
nginx_present || missing+=(nginx)
rtmp_module_present || missing+=(libnginx-mod-rtmp)
{ command -v ffmpeg >/dev/null && command -v ffprobe >/dev/null; } || missing+=(ffmpeg)

if [ "${#missing[@]}" -gt 0 ]; then
  log "installing ${missing[*]}"
  as_root apt-get update -qq >&2
  # The packages' post-install scripts try to start the system nginx; it does not matter if that
  # fails (no init system in a container), the test never uses it.
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

nginx_present || { log "nginx is still missing"; exit 1; }
rtmp_module_present || { log "the nginx RTMP module is still missing"; exit 1; }
command -v ffmpeg >/dev/null || { log "ffmpeg is still missing"; exit 1; }
log "nginx $(/usr/sbin/nginx -v 2>&1 | sed 's/.*nginx\///'), rtmp module, $(ffmpeg -version | head -1 | cut -d' ' -f1-3)"
