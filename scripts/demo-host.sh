#!/usr/bin/env bash
# The quickstart's demo VPN host: a network namespace standing in for a server, enrolled to the
# local controller as the default host 'demo-host', with a real agent programming WireGuard,
# nftables and tc inside it. Called by up.sh with the API URL, the admin key and the gRPC address.
# Safe to run again: it enrolls once and restarts the agent.
set -euo pipefail
cd "$(dirname "$0")/.."
url=$1 key=$2 grpc=$3
STATE=.wgfleet-dev
NS=wgfleet-demo
# 198.18.0.0/15 is the benchmarking range: it stands for the host's public address and is only
# ever configured inside the namespace, so nothing is routed anywhere.
PUBLIC=198.18.0.1
AGENT=(node dist/apps/agent/apps/agent/src/cli.js)
DIR=$STATE/demo-agent
log() { printf '\033[1;34m[wgfleet]\033[0m %s\n' "$*" >&2; }
api() { curl -fsS -H "Authorization: Bearer $key" -H 'Content-Type: application/json' "$@"; }
field() { node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>process.stdout.write(String(JSON.parse(s)$1 ?? '')))"; }

if ! ip netns list | grep -qw "$NS"; then
  log "creating network namespace $NS for the demo host"
  ip netns add "$NS"
  ip -n "$NS" link set lo up
  # A veth pair with both ends inside (there may be no dummy module): demo0 is the "uplink".
  ip -n "$NS" link add demo0 type veth peer name demo1
  ip -n "$NS" addr add "$PUBLIC/24" dev demo0
  ip -n "$NS" link set demo1 up
  ip -n "$NS" link set demo0 up
fi

if [ ! -f "$DIR/agent.json" ]; then
  id=$(api "$url/api/v1/hosts?limit=500" | field ".items.find(h => h.name === 'demo-host')?.id")
  if [ -z "$id" ]; then
    created=$(api -d "{\"name\":\"demo-host\",\"kind\":\"linux\",\"publicAddress\":\"$PUBLIC\",\"isDefault\":true}" "$url/api/v1/hosts")
    token=$(printf '%s' "$created" | field ".enrollmentToken.token")
  else
    token=$(api -d '{}' "$url/api/v1/hosts/$id/enrollment-tokens" | field ".token")
  fi
  log "enrolling the demo agent"
  mkdir -p "$DIR"
  chmod 700 "$DIR"
  "${AGENT[@]}" enroll --controller "$grpc" --token "$token" --config "$DIR/agent.json" --state-dir "$DIR/state" --netns "$NS" >>"$STATE/demo-agent.log" 2>&1
fi

if [ -f "$STATE/demo-agent.pid" ]; then kill "$(cat "$STATE/demo-agent.pid")" 2>/dev/null || true; fi
log "starting the demo agent (log: $STATE/demo-agent.log)"
nohup "${AGENT[@]}" run --config "$DIR/agent.json" --netns "$NS" >>"$STATE/demo-agent.log" 2>&1 &
echo $! >"$STATE/demo-agent.pid"

for _ in $(seq 1 60); do
  status=$(api "$url/api/v1/hosts?limit=500" | field ".items.find(h => h.name === 'demo-host')?.status")
  [ "$status" = online ] && exit 0
  sleep 0.5
done
log "the demo agent did not come online; see $STATE/demo-agent.log"
tail -n 20 "$STATE/demo-agent.log" >&2
exit 1
