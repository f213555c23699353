#!/bin/bash
# Writes Janus's configuration from the image's templates and the container's environment, then runs
# Janus in the foreground. JANUS_API_SECRET, JANUS_ADMIN_SECRET and JANUS_PLUGIN_ADMIN_KEY are required
# (the media bridge's variables of the same names); JANUS_RTP_PORTS (default 10000-10200) is the UDP
# range ICE and RTP use, JANUS_NAT_1_1 the public address to offer behind NAT.
set -euo pipefail
for name in JANUS_API_SECRET JANUS_ADMIN_SECRET JANUS_PLUGIN_ADMIN_KEY; do
  value="${!name:-}"
  if [ "${#value}" -lt 16 ] || ! [[ "$value" =~ ^[A-Za-z0-9._~+/=-]+$ ]]; then
    echo "janus-start: $name is required: at least 16 of A-Za-z0-9._~+/=- (e.g. openssl rand -hex 32)" >&2
    exit 2
  fi
done
rtp="${JANUS_RTP_PORTS:-10000-10200}"
[[ "$rtp" =~ ^[0-9]{4,5}-[0-9]{4,5}$ ]] || { echo "janus-start: JANUS_RTP_PORTS must be a range like 10000-10200, got \"$rtp\"" >&2; exit 2; }
nat=""
if [ -n "${JANUS_NAT_1_1:-}" ]; then
  [[ "$JANUS_NAT_1_1" =~ ^[0-9A-Fa-f.:]+$ ]] || { echo "janus-start: JANUS_NAT_1_1 must be an IP address, got \"$JANUS_NAT_1_1\"" >&2; exit 2; }
  nat="nat_1_1_mapping = \"$JANUS_NAT_1_1\""
fi
lib=$(dirname "$(dirname "$(find /usr/lib -path '*/janus/plugins/libjanus_streaming.so' -print -quit)")")
out=/etc/rtcroom/janus
sed -e "s|@LIB@|$lib|g" -e "s|@API_SECRET@|$JANUS_API_SECRET|" -e "s|@ADMIN_SECRET@|$JANUS_ADMIN_SECRET|" \
  -e "s|@RTP_PORTS@|$rtp|" -e "s|@NAT_1_1@|$nat|" /usr/share/rtcroom/janus/janus.jcfg >"$out/janus.jcfg"
cp /usr/share/rtcroom/janus/janus.transport.websockets.jcfg /usr/share/rtcroom/janus/janus.transport.http.jcfg "$out/"
# admin_key: without it a member's token could create mountpoints and rooms, or forward anyone's RTP
# anywhere (lock_rtp_forward).
printf 'general: { admin_key = "%s" }\n' "$JANUS_PLUGIN_ADMIN_KEY" >"$out/janus.plugin.streaming.jcfg"
printf 'general: { admin_key = "%s" lock_rtp_forward = true }\n' "$JANUS_PLUGIN_ADMIN_KEY" >"$out/janus.plugin.videoroom.jcfg"
exec /usr/bin/janus -C "$out/janus.jcfg" -F "$out" -o
