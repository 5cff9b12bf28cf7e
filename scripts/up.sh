#!/usr/bin/env bash
# Brings wgfleet up on this machine: dependencies, database, queue, the controller (in the
# background), and prints the URL and an admin key. Safe to run again: it restarts the controller.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh

log() { printf '\033[1;34m[wgfleet]\033[0m %s\n' "$*" >&2; }
STATE=.wgfleet-dev
mkdir -p "$STATE"
chmod 700 "$STATE"

# Local secrets, generated once and kept (mode 600) so restarts keep the same keys.
if [ ! -f "$STATE/env" ]; then
  master=$(node -e "process.stdout.write(require('crypto').randomBytes(32).toString('base64'))")
  admin=$(node -e "const c=require('crypto');process.stdout.write('wgf_'+c.randomBytes(8).toString('hex')+'_'+c.randomBytes(32).toString('base64url'))")
  umask 077
  cat > "$STATE/env" <<ENV
WGFLEET_DATABASE_URL=postgres://postgres@127.0.0.1:5432/wgfleet
WGFLEET_REDIS_URL=redis://127.0.0.1:6379
WGFLEET_MASTER_KEY=$master
WGFLEET_BOOTSTRAP_ADMIN_KEY=$admin
WGFLEET_HTTP_PORT=${WGFLEET_HTTP_PORT:-8080}
ENV
fi
set -a; . "$STATE/env"; set +a

if ! psql "postgres://postgres@127.0.0.1:5432/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname = 'wgfleet'" | grep -q 1; then
  log "creating database wgfleet"
  psql "postgres://postgres@127.0.0.1:5432/postgres" -qc "CREATE DATABASE wgfleet"
fi

log "building the controller and the agent"
npx nx run-many -t build -p controller agent --outputStyle=static >/dev/null
log "applying migrations"
node dist/apps/controller/apps/controller/src/main.js migrate >/dev/null

bash scripts/down.sh >/dev/null 2>&1 || true
log "starting the controller (log: $STATE/controller.log)"
nohup node dist/apps/controller/apps/controller/src/main.js >"$STATE/controller.log" 2>&1 &
echo $! >"$STATE/controller.pid"

url="http://127.0.0.1:${WGFLEET_HTTP_PORT}"
for _ in $(seq 1 60); do
  curl -fsS "$url/readyz" >/dev/null 2>&1 && break
  sleep 0.5
done
if ! curl -fsS "$url/readyz" >/dev/null 2>&1; then
  log "the controller did not become ready; see $STATE/controller.log"
  tail -n 20 "$STATE/controller.log" >&2
  exit 1
fi

bash scripts/demo-host.sh "$url" "$WGFLEET_BOOTSTRAP_ADMIN_KEY" "127.0.0.1:${WGFLEET_GRPC_PORT:-8443}"

cat <<INFO

  wgfleet is up.
    REST API      $url/api/v1
    API docs      $url/api/docs
    Admin key     $WGFLEET_BOOTSTRAP_ADMIN_KEY
    Demo host     'demo-host' (the default host): an agent running its data plane in network
                  namespace wgfleet-demo (log: $STATE/demo-agent.log)
    Try:          curl -H "Authorization: Bearer \$KEY" $url/api/v1/hosts
    Stop:         npm run down

INFO
