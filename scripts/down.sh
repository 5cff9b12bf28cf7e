#!/usr/bin/env bash
# Stops what `npm run up` started (the databases keep running).
set -uo pipefail
cd "$(dirname "$0")/.."
STATE=.wgfleet-dev
if [ -f "$STATE/controller.pid" ]; then
  kill "$(cat "$STATE/controller.pid")" 2>/dev/null && echo "controller stopped"
  rm -f "$STATE/controller.pid"
fi
# The demo agent stops; its data plane stays in namespace wgfleet-demo (fail-static), and the
# next `npm run up` adopts it.
if [ -f "$STATE/demo-agent.pid" ]; then
  kill "$(cat "$STATE/demo-agent.pid")" 2>/dev/null && echo "demo agent stopped"
  rm -f "$STATE/demo-agent.pid"
fi
