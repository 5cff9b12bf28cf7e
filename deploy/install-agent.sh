#!/usr/bin/env bash
# Installs the wgfleet agent on a fresh Debian/Ubuntu VPN host and enrolls it with a controller.
#
#   sudo deploy/install-agent.sh --controller ctl.example.com:8443 --token <enrollment token> \
#        [--ca-fingerprint <sha256 of the controller CA>] [--prefix /opt/wgfleet-agent] [--no-enroll]
#
# Run it from a wgfleet checkout (or an unpacked release of one). It:
#   1. checks Node.js >= 20 (installs Debian's `nodejs` when that is new enough; NodeSource is not
#      used — install Node 20 yourself first where the distribution ships an older one),
#   2. installs wireguard-tools, nftables, iproute2 (and wireguard-go when the kernel has no
#      WireGuard module),
#   3. builds the agent and installs it with its runtime packages under /opt/wgfleet-agent,
#   4. enables IPv4 forwarding persistently (/etc/sysctl.d/60-wgfleet.conf),
#   5. installs and enables the hardened systemd unit wgfleet-agent.service,
#   6. enrolls the host (unless --no-enroll) and starts the agent.
# Safe to run again (upgrades in place; enrolling again needs a new token).
set -euo pipefail

SRC="$(cd "$(dirname "$0")/.." && pwd)"
PREFIX=/opt/wgfleet-agent
CONFIG=/etc/wgfleet/agent.json
STATE_DIR=/var/lib/wgfleet
UNIT_DIR=/etc/systemd/system
CONTROLLER=""
TOKEN=""
CA_FINGERPRINT=""
ENROLL=1
NODE_MAJOR_MIN=20

log() { printf '\033[1;34m[wgfleet-agent]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[wgfleet-agent]\033[0m %s\n' "$*" >&2; exit 1; }
usage() { sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }

while [ $# -gt 0 ]; do
  case "$1" in
    --controller) CONTROLLER="${2:?}"; shift 2 ;;
    --token) TOKEN="${2:?}"; shift 2 ;;
    --ca-fingerprint) CA_FINGERPRINT="${2:?}"; shift 2 ;;
    --prefix) PREFIX="${2:?}"; shift 2 ;;
    --no-enroll) ENROLL=0; shift ;;
    -h|--help) usage 0 ;;
    *) log "unknown option: $1"; usage 1 ;;
  esac
done

[ "$(id -u)" -eq 0 ] || die "run as root"
if [ "$ENROLL" -eq 1 ] && { [ -z "$CONTROLLER" ] || [ -z "$TOKEN" ]; }; then
  die "--controller and --token are required (or pass --no-enroll and run 'wgfleet-agent enroll' later)"
fi
command -v apt-get >/dev/null || die "this installer supports Debian and Ubuntu (apt-get not found)"
export DEBIAN_FRONTEND=noninteractive

apt_updated=0
apt_install() {
  if [ "$apt_updated" -eq 0 ]; then apt-get update -qq; apt_updated=1; fi
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# 1. Node.js >= 20
if ! command -v node >/dev/null || [ "$(node_major)" -lt "$NODE_MAJOR_MIN" ]; then
  apt-get update -qq; apt_updated=1
  candidate=$(apt-cache policy nodejs | awk '/Candidate:/ {print $2}')
  candidate_major=$(printf '%s' "$candidate" | sed -E 's/^([0-9]+:)?([0-9]+).*/\2/')
  if [ -n "$candidate" ] && [ "$candidate" != "(none)" ] && [ "$candidate_major" -ge "$NODE_MAJOR_MIN" ] 2>/dev/null; then
    log "installing Node.js $candidate from the distribution"
    apt_install nodejs npm
  else
    die "Node.js >= $NODE_MAJOR_MIN is required and this distribution offers ${candidate:-none}. Install Node.js $NODE_MAJOR_MIN (e.g. from nodejs.org or NodeSource) and run this again."
  fi
fi
NODE_BIN=$(command -v node)
command -v npm >/dev/null || apt_install npm

# 2. Data-plane tools. The kernel module is preferred; wireguard-go only where it is missing.
packages=(wireguard-tools nftables iproute2 procps)
if ! modprobe -n wireguard >/dev/null 2>&1 && [ ! -d /sys/module/wireguard ]; then
  log "no WireGuard kernel module: using wireguard-go (userspace)"
  packages+=(wireguard-go)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  apt_install "${missing[@]}"
fi

# 3. The agent: build from the checkout, install with only its runtime packages.
if [ ! -f "$SRC/dist/apps/agent/apps/agent/src/cli.js" ] || [ -n "$(find "$SRC/apps/agent/src" "$SRC/libs" "$SRC/proto" -newer "$SRC/dist/apps/agent/apps/agent/src/cli.js" -name '*.ts' -print -quit 2>/dev/null)" ]; then
  log "building the agent"
  [ -d "$SRC/node_modules" ] || (cd "$SRC" && npm ci --no-audit --no-fund --loglevel=error)
  (cd "$SRC" && npx nx run agent:build --outputStyle=static >/dev/null)
fi
log "installing to $PREFIX"
install -d -m 0755 "$PREFIX"
rm -rf "$PREFIX/dist.new"
cp -a "$SRC/dist/apps/agent" "$PREFIX/dist.new"
rm -rf "$PREFIX/dist" && mkdir -p "$PREFIX/dist" && mv "$PREFIX/dist.new" "$PREFIX/dist/apps-agent.tmp" && mv "$PREFIX/dist/apps-agent.tmp" "$PREFIX/dist/apps" 2>/dev/null || true
# Layout expected by the unit: $PREFIX/dist/apps/agent/apps/agent/src/cli.js
rm -rf "$PREFIX/dist" && install -d "$PREFIX/dist/apps" && cp -a "$SRC/dist/apps/agent" "$PREFIX/dist/apps/agent"
rm -rf "$PREFIX/proto" && cp -a "$SRC/proto" "$PREFIX/proto"
# Runtime dependencies, pinned to the versions the checkout was tested with.
"$NODE_BIN" -e '
  const root = require(process.argv[1] + "/package.json");
  const want = ["@grpc/grpc-js", "@grpc/proto-loader", "@peculiar/x509"];
  const deps = Object.fromEntries(want.map((n) => [n, root.dependencies[n]]));
  process.stdout.write(JSON.stringify({ name: "wgfleet-agent", version: root.version, private: true, dependencies: deps }, null, 2));
' "$SRC" > "$PREFIX/package.json"
(cd "$PREFIX" && npm install --omit=dev --no-audit --no-fund --no-package-lock --loglevel=error)
install -d -m 0755 /usr/local/sbin
cat > /usr/local/sbin/wgfleet-agent <<SH
#!/bin/sh
exec "$NODE_BIN" "$PREFIX/dist/apps/agent/apps/agent/src/cli.js" "\$@"
SH
chmod 0755 /usr/local/sbin/wgfleet-agent

# 4. Forwarding, persistently (the unit keeps /proc/sys read-only for the agent).
cat > /etc/sysctl.d/60-wgfleet.conf <<'CONF'
# wgfleet agent: this host routes its VPN clients' traffic.
net.ipv4.ip_forward = 1
CONF
sysctl -q -w net.ipv4.ip_forward=1 || log "could not set net.ipv4.ip_forward now; it is set at boot"

# 5. The unit, pointing at this host's node binary.
install -d -m 0700 "$STATE_DIR"
install -d -m 0755 "$(dirname "$CONFIG")"
sed -e "s#^ExecStart=/usr/bin/node #ExecStart=$NODE_BIN #" \
    -e "s#/opt/wgfleet-agent/#$PREFIX/#g" \
    "$SRC/deploy/wgfleet-agent.service" > "$UNIT_DIR/wgfleet-agent.service"
chmod 0644 "$UNIT_DIR/wgfleet-agent.service"
have_systemd=0
[ -d /run/systemd/system ] && have_systemd=1
if [ "$have_systemd" -eq 1 ]; then
  systemctl daemon-reload
  systemctl enable wgfleet-agent.service >/dev/null
fi

# 6. Enroll, then start.
if [ "$ENROLL" -eq 1 ]; then
  log "enrolling with $CONTROLLER"
  args=(enroll --controller "$CONTROLLER" --token "$TOKEN" --config "$CONFIG" --state-dir "$STATE_DIR")
  [ -n "$CA_FINGERPRINT" ] && args+=(--ca-fingerprint "$CA_FINGERPRINT")
  /usr/local/sbin/wgfleet-agent "${args[@]}"
fi
if [ "$have_systemd" -eq 1 ]; then
  if [ -f "$CONFIG" ]; then systemctl restart wgfleet-agent.service; log "started: systemctl status wgfleet-agent; wgfleet-agent status"; fi
else
  log "systemd is not running here: start the agent with 'wgfleet-agent run --config $CONFIG'"
fi
log "done"
