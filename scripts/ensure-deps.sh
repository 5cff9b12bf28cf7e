#!/usr/bin/env bash
# Makes a fresh Debian/Ubuntu machine ready to run and test wgfleet: system packages, Node
# packages, and local Postgres and Redis running. Idempotent and quick when all is there already.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1;34m[wgfleet]\033[0m %s\n' "$*" >&2; }

# Debian packages: the databases, and the data-plane tools the agent and its tests drive.
APT_PACKAGES=(postgresql redis-server wireguard-go wireguard-tools nftables iproute2 iputils-ping iperf3 kmod systemd shellcheck)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    log "missing Debian packages: ${missing[*]} (run as root, or install them first)"
    exit 1
  fi
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # The package scripts may try to start services through systemd, which a container lacks.
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Node packages, when absent or older than the lockfile.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing Node packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi

# Postgres
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  log "starting PostgreSQL"
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$version" ]; then log "PostgreSQL is installed but has no cluster"; exit 1; fi
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || pg_ctlcluster "$version" main start
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
fi
# Tests and the quickstart connect as postgres over TCP without a password (local trust auth, as
# on the development machines). Where the cluster asks for one, set WGFLEET_DATABASE_URL instead.
if ! psql "postgres://postgres@127.0.0.1:5432/postgres" -tAc 'SELECT 1' >/dev/null 2>&1; then
  log "cannot connect to postgres://postgres@127.0.0.1:5432 without a password; configure trust for 127.0.0.1 or set WGFLEET_DATABASE_URL"
fi

# Redis
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  log "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/wgfleet.log
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.5; done
fi
