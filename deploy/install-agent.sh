#!/usr/bin/env bash
# Installs the wgfleet agent on a fresh Debian/Ubuntu VPN host and enrolls it with a controller.
#
#   sudo deploy/install-agent.sh --controller ctl.example.com:8443 --token <enrollment token> \
#        [--ca-fingerprint <sha256 of the controller CA>] [--prefix /opt/wgfleet-agent] [--no-enroll]
#
# Run it from a wgfleet checkout (or an unpacked release of one). It:
#   1. finds Node.js >= 20: the system's when new enough, else Debian's `nodejs` package when that
#      is new enough (Debian 13+), else the official Node.js 20 build from nodejs.org, checked
#      against its SHA-256 list and unpacked privately under <prefix>/node (no APT source added,
#      nothing else on the host uses it; Debian 12 and Ubuntu 24.04 ship Node 18),
#   2. installs wireguard-tools, nftables, iproute2, procps (and wireguard-go when the kernel has
#      no WireGuard module),
#   3. builds the agent and installs it with its runtime packages under <prefix>,
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
# The private runtime used when the distribution's Node.js is too old.
NODE_DIST_VERSION=20.20.2

log() { printf '\033[1;34m[wgfleet-agent]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[wgfleet-agent]\033[0m %s\n' "$*" >&2; exit 1; }
usage() { sed -n '4,5p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }

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
is_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# 1. Node.js >= 20
install_private_node() {
  local arch tarball base
  case "$(dpkg --print-architecture)" in
    amd64) arch=x64 ;;
    arm64) arch=arm64 ;;
    *) die "no official Node.js build for $(dpkg --print-architecture); install Node.js >= $NODE_MAJOR_MIN and run this again" ;;
  esac
  apt_install ca-certificates curl xz-utils
  tarball="node-v$NODE_DIST_VERSION-linux-$arch.tar.xz"
  base="https://nodejs.org/dist/v$NODE_DIST_VERSION"
  log "installing Node.js $NODE_DIST_VERSION from nodejs.org into $PREFIX/node"
  local tmp
  tmp=$(mktemp -d)
  curl -fsSL -o "$tmp/$tarball" "$base/$tarball"
  curl -fsSL -o "$tmp/SHASUMS256.txt" "$base/SHASUMS256.txt"
  (cd "$tmp" && grep " $tarball\$" SHASUMS256.txt | sha256sum -c --quiet -) || die "checksum mismatch for $tarball"
  rm -rf "$PREFIX/node.new"
  install -d -m 0755 "$PREFIX/node.new"
  tar -xJf "$tmp/$tarball" -C "$PREFIX/node.new" --strip-components=1 --no-same-owner
  rm -rf "$PREFIX/node" "$tmp"
  mv "$PREFIX/node.new" "$PREFIX/node"
}

NODE_BIN=""
if [ -x "$PREFIX/node/bin/node" ] && [ "$(node_major "$PREFIX/node/bin/node")" -ge "$NODE_MAJOR_MIN" ]; then
  NODE_BIN="$PREFIX/node/bin/node"
elif command -v node >/dev/null && [ "$(node_major node)" -ge "$NODE_MAJOR_MIN" ]; then
  NODE_BIN=$(command -v node)
else
  apt-get update -qq; apt_updated=1
  candidate=$(apt-cache policy nodejs | awk '/Candidate:/ {print $2}')
  candidate_major=$(printf '%s' "$candidate" | sed -E 's/^([0-9]+:)?([0-9]+).*/\2/')
  if [ -n "$candidate" ] && [ "$candidate" != "(none)" ] && [ "$candidate_major" -ge "$NODE_MAJOR_MIN" ] 2>/dev/null; then
    log "installing Node.js $candidate from the distribution"
    apt_install nodejs npm
    NODE_BIN=$(command -v node)
  else
    install_private_node
    NODE_BIN="$PREFIX/node/bin/node"
  fi
fi
NODE_DIR=$(dirname "$NODE_BIN")
# npm and npx of the chosen runtime, whatever else is on PATH.
export PATH="$NODE_DIR:$PATH"
command -v npm >/dev/null || apt_install npm

# 2. Data-plane tools. The kernel module is preferred; wireguard-go only where it is missing.
packages=(wireguard-tools nftables iproute2 procps)
if ! modprobe -n wireguard >/dev/null 2>&1 && [ ! -d /sys/module/wireguard ]; then
  log "no WireGuard kernel module: using wireguard-go (userspace)"
  packages+=(wireguard-go)
fi
missing=()
for p in "${packages[@]}"; do is_installed "$p" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  apt_install "${missing[@]}"
fi

# 3. The agent: build from the checkout, install with only its runtime packages.
CLI_JS=dist/apps/agent/apps/agent/src/cli.js
if [ ! -f "$SRC/$CLI_JS" ] || [ -n "$(find "$SRC/apps/agent/src" "$SRC/libs" "$SRC/proto" -newer "$SRC/$CLI_JS" \( -name '*.ts' -o -name '*.proto' \) -print -quit 2>/dev/null)" ]; then
  log "building the agent"
  [ -d "$SRC/node_modules" ] || (cd "$SRC" && npm ci --no-audit --no-fund --loglevel=error)
  build_log=$(mktemp)
  if ! (cd "$SRC" && npx nx run agent:build --outputStyle=static) >"$build_log" 2>&1; then
    # tsc writes its output even when it reports errors, and the step rewriting the @wgfleet/*
    # imports then never runs: without this the next run would find a fresh-looking, broken dist.
    rm -f "$SRC/$CLI_JS"
    cat "$build_log" >&2
    rm -f "$build_log"
    die "building the agent failed (output above)"
  fi
  rm -f "$build_log"
fi
log "installing to $PREFIX"
install -d -m 0755 "$PREFIX"
# Staged beside the running copy and swapped in, so a failed copy leaves the installed agent whole.
rm -rf "$PREFIX/dist.new" "$PREFIX/dist.old"
install -d "$PREFIX/dist.new/apps"
cp -a "$SRC/dist/apps/agent" "$PREFIX/dist.new/apps/agent"
if [ -d "$PREFIX/dist" ]; then mv "$PREFIX/dist" "$PREFIX/dist.old"; fi
mv "$PREFIX/dist.new" "$PREFIX/dist"
rm -rf "$PREFIX/dist.old"
# The protocol files are loaded at run time; the loader finds proto/ beside dist/.
rm -rf "$PREFIX/proto.new" && cp -a "$SRC/proto" "$PREFIX/proto.new" && rm -rf "$PREFIX/proto" && mv "$PREFIX/proto.new" "$PREFIX/proto"
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
exec "$NODE_BIN" "$PREFIX/$CLI_JS" "\$@"
SH
chmod 0755 /usr/local/sbin/wgfleet-agent

# 4. Forwarding, persistently (the unit keeps /proc/sys read-only for the agent).
cat > /etc/sysctl.d/60-wgfleet.conf <<'CONF'
# wgfleet agent: this host routes its VPN clients' traffic.
net.ipv4.ip_forward = 1
CONF
sysctl -q -w net.ipv4.ip_forward=1 || log "could not set net.ipv4.ip_forward now; it is set at boot"

# 5. The unit, pointing at this host's node binary and prefix.
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
  if [ -n "$CA_FINGERPRINT" ]; then args+=(--ca-fingerprint "$CA_FINGERPRINT"); fi
  /usr/local/sbin/wgfleet-agent "${args[@]}"
fi
if [ "$have_systemd" -eq 1 ]; then
  if [ -f "$CONFIG" ]; then systemctl restart wgfleet-agent.service; log "started: systemctl status wgfleet-agent; wgfleet-agent status"; fi
else
  log "systemd is not running here: start the agent with 'wgfleet-agent run --config $CONFIG'"
fi
log "done"
