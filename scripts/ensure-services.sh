#!/usr/bin/env bash
# Makes sure a PostgreSQL and a NATS server (with JetStream) answer on 127.0.0.1, installing them from
# Debian's packages and starting them where they are missing. Prints the Postgres URL tests should use.
set -euo pipefail

log() { echo "ensure-services: $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else log "need root for: $*"; return 1; fi; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

apt_updated=false
apt_install() {
  if ! $apt_updated; then as_root apt-get update -qq >&2; apt_updated=true; fi
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >&2
}

# PostgreSQL
if ! port_open 5432; then
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    log "installing postgresql"
    apt_install postgresql
  fi
  log "starting postgresql"
  as_root pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start >&2 || true
  for _ in $(seq 1 60); do port_open 5432 && break; sleep 0.5; done
fi
port_open 5432 || { log "PostgreSQL did not come up on 127.0.0.1:5432"; exit 1; }

# Tests connect over TCP as postgres. A fresh Debian install wants a password there: give it one.
url="postgres://postgres@127.0.0.1:5432/postgres"
if ! PGCONNECT_TIMEOUT=5 psql "$url" -Atqc 'select 1' >/dev/null 2>&1; then
  url="postgres://postgres:postgres@127.0.0.1:5432/postgres"
  if ! PGCONNECT_TIMEOUT=5 psql "$url" -Atqc 'select 1' >/dev/null 2>&1; then
    log "setting a password for the postgres role (TCP connections need one here)"
    as_root su postgres -c "psql -Atqc \"ALTER USER postgres PASSWORD 'postgres'\"" >&2
  fi
fi

# NATS with JetStream
if ! port_open 4222; then
  if ! command -v nats-server >/dev/null && [ ! -x /usr/sbin/nats-server ]; then
    log "installing nats-server"
    apt_install nats-server
  fi
  log "starting nats-server with JetStream"
  as_root mkdir -p /var/lib/nats-server
  as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server >&2
  for _ in $(seq 1 60); do port_open 4222 && break; sleep 0.5; done
fi
port_open 4222 || { log "NATS did not come up on 127.0.0.1:4222"; exit 1; }

echo "$url"
