#!/usr/bin/env bash
# Makes sure Debian's Chromium is at /usr/bin/chromium for the browser tests (test/browser), which drive
# it with playwright-core. Idempotent: does nothing when it is there. Never downloads a browser build of
# its own (no `playwright install`): the distribution's package is the browser.
set -euo pipefail

log() { echo "ensure-browser: $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else log "need root for: $*"; return 1; fi; }

if [ ! -x /usr/bin/chromium ]; then
  log "installing chromium"
  as_root apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi

[ -x /usr/bin/chromium ] || { log "chromium is still missing"; exit 1; }
# A Chinese font, so the console switched to 中文 shows characters, not boxes, in test-artifacts/'s screenshots.
if ! fc-list :lang=zh 2>/dev/null | grep -q .; then
  log "installing a Chinese font (fonts-wqy-microhei)"
  as_root apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends fonts-wqy-microhei >/dev/null
fi
log "$(/usr/bin/chromium --version 2>/dev/null || echo chromium)"
