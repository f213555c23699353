#!/bin/bash
# The media server's health: nginx accepts a TCP connection on the first `listen` of the rtmp block
# (a port, or host:port) that print-nginx-conf wrote.
set -euo pipefail
listen="$(sed -n 's/^[[:space:]]*listen[[:space:]]\+\([^;[:space:]]\+\).*/\1/p' /etc/rtcroom/media/rtmp.conf | head -n 1)"
port="${listen##*:}"
host=127.0.0.1
[ "$listen" = "$port" ] || host="${listen%:*}"
[ "$host" != 0.0.0.0 ] && [ "$host" != '*' ] || host=127.0.0.1
exec 3<>"/dev/tcp/${host}/${port}"
