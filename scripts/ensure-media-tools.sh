#!/usr/bin/env bash
# Makes sure nginx with the RTMP module, ffmpeg/ffprobe and Janus are installed, from Debian's
# packages, for the real media tests (test/media/nginx-rtmp.e2e.test.ts, test/media/media-bridge.e2e.test.ts),
# with gcc and the C library's headers, which build the tests' Janus loopback shim
# (test/media/support/janus-loopback-shim.c). Idempotent: does nothing when all are there.
# Only installs: the tests start their own nginx and Janus with generated configurations, never the
# system ones.
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
janus_present() { [ -x /usr/bin/janus ] && ls /usr/lib/*/janus/plugins/libjanus_streaming.so >/dev/null 2>&1; }
janus_present || missing+=(janus)
command -v gcc >/dev/null || missing+=(gcc)
[ -e /usr/include/ifaddrs.h ] || missing+=(libc6-dev)

if [ "${#missing[@]}" -gt 0 ]; then
  log "installing ${missing[*]}"
  as_root apt-get update -qq >&2
  # The packages' post-install scripts try to start the system nginx and janus; it does not matter if
  # that fails (no init system in a container), the tests never use them.
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

nginx_present || { log "nginx is still missing"; exit 1; }
rtmp_module_present || { log "the nginx RTMP module is still missing"; exit 1; }
command -v ffmpeg >/dev/null || { log "ffmpeg is still missing"; exit 1; }
janus_present || { log "janus (with its streaming plugin) is still missing"; exit 1; }
command -v gcc >/dev/null || { log "gcc is still missing"; exit 1; }
log "janus $(dpkg-query -W -f='${Version}' janus 2>/dev/null || echo present)"
log "nginx $(/usr/sbin/nginx -v 2>&1 | sed 's/.*nginx\///'), rtmp module, $(ffmpeg -version | head -1 | cut -d' ' -f1-3)"
