#!/usr/bin/env bash
# Stops what `npm run up` started (the databases keep running).
set -uo pipefail
cd "$(dirname "$0")/.."
STATE=.wgfleet-dev
if [ -f "$STATE/controller.pid" ]; then
  kill "$(cat "$STATE/controller.pid")" 2>/dev/null && echo "controller stopped"
  rm -f "$STATE/controller.pid"
fi
