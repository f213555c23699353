#!/bin/bash
# Janus's health: its HTTP API answers an info request (which needs no token) on 127.0.0.1:8088.
set -euo pipefail
exec 3<>/dev/tcp/127.0.0.1/8088
printf 'GET /janus/info HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
grep -q '"janus": *"server_info"' <&3
