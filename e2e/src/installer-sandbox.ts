import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { exec, type BackgroundProcess, type Netns, type NetnsLab } from '@wgfleet/testing';

// What it takes to run deploy/install-agent.sh for real on a test machine without changing it:
// a mount namespace in which every system directory the installer writes is an overlay whose
// writes land in a tmpfs that vanishes with the namespace, inside a lab network namespace (so its
// `sysctl -w net.ipv4.ip_forward=1` is the namespace's own), a veth whose only other end is the
// controller's gRPC address in the root namespace, and a CONNECT proxy on that address that lets
// npm reach the npm registry and nothing else.

/** Marker the sandbox prints on stdout once the installer succeeded and its results were copied out. */
export const INSTALLED_MARKER = 'wgfleet-sandbox: installed';

/**
 * Runs as root via `ip netns exec <ns> unshare --mount --propagation private bash -c SCRIPT`.
 * Arguments: <work dir> <installer> <installer args...>. <work dir>/layers receives the tmpfs,
 * <work dir>/out what the test checks. Overlays rather than empty tmpfs mounts: /etc/wgfleet and
 * /var/lib/wgfleet do not exist on the machine, and creating mount points for them would itself
 * change it; overlays over their parents also keep dpkg's database and the CA bundle readable,
 * and the overlays' upper layers list exactly what the installer wrote.
 * Last, once the test creates <work dir>/start-agent, it execs the ExecStart line of the unit the
 * installer wrote, as systemd would, so the process the test stops is the agent itself (and the
 * mount namespace ends with it).
 */
const SANDBOX_SCRIPT = String.raw`
set -euo pipefail
work=$1; installer=$2; shift 2
layers=$work/layers; out=$work/out
mount -t tmpfs -o mode=0700 wgfleet-sandbox "$layers"
shadowed=()
shadow() {
  local n=${'$'}{#shadowed[@]}
  mkdir -p "$layers/$n/upper" "$layers/$n/work"
  mount -t overlay overlay -o "lowerdir=$1,upperdir=$layers/$n/upper,workdir=$layers/$n/work" "$1"
  shadowed+=("$1")
}
# /run: wireguard-go's sockets, if the agent starts any. npm's cache and logs: in $HOME/.npm, or
# $HOME when npm has none yet.
for d in /etc /var/lib /usr/local /run; do shadow "$d"; done
home=${'$'}{HOME:-/root}
if [ -d "$home/.npm" ]; then shadow "$home/.npm"; else shadow "$home"; fi
# On a machine running systemd the installer would reload and enable units in the real manager.
if [ -d /run/systemd/system ]; then mount -t tmpfs tmpfs /run/systemd; fi

bash "$installer" "$@" 2>&1 | tee "$out/install.log" >&2

agent=/usr/local/sbin/wgfleet-agent
"$agent" --help > "$out/help.txt"
"$agent" status --json > "$out/status.json"
cp /etc/systemd/system/wgfleet-agent.service /etc/sysctl.d/60-wgfleet.conf /etc/wgfleet/agent.json \
   /var/lib/wgfleet/agent.crt /var/lib/wgfleet/ca.crt "$out/"
cp "$agent" "$out/wrapper.sh"
stat -c '%n %a' /etc/wgfleet/agent.json /var/lib/wgfleet /var/lib/wgfleet/agent.key /var/lib/wgfleet/agent.crt > "$out/modes.txt"
sysctl -n net.ipv4.ip_forward > "$out/ip_forward.txt"
for i in "${'$'}{!shadowed[@]}"; do
  (cd "$layers/$i/upper" && find . -mindepth 1 ! -type d | sed "s#^\.#${'$'}{shadowed[$i]}#")
done > "$out/written.txt"
echo "${INSTALLED_MARKER}"
# The test checks the enrolled, not yet running host first, then lets the agent start.
while [ ! -e "$work/start-agent" ]; do sleep 0.1; done

read -r -a exec_start <<< "$(sed -n 's/^ExecStart=//p' /etc/systemd/system/wgfleet-agent.service)"
exec "${'$'}{exec_start[@]}"
`;

/** Starts the installer in its sandbox inside `ns`; the lab stops it (and so the agent) on cleanup. */
export function spawnInstallerSandbox(lab: NetnsLab, ns: Netns, workDir: string, installer: string, args: readonly string[], env: Record<string, string>): BackgroundProcess {
  // `env` goes through env(1): `ip netns exec` passes its environment on, and so do unshare and bash.
  const vars = Object.entries(env).map(([k, v]) => `${k}=${v}`);
  return lab.spawn(ns, 'env', [...vars, 'unshare', '--mount', '--propagation', 'private', 'bash', '-c', SANDBOX_SCRIPT, 'wgfleet-sandbox', workDir, installer, ...args]);
}

/**
 * A veth from `ns` to the root namespace: `rootAddress` (CIDR) on the root end, `nsAddress` on
 * the other. The root namespace holds only the controller's end of the link and no routes beyond
 * the link's own subnet; deleting the namespace deletes the pair.
 */
export async function linkToRootNamespace(lab: NetnsLab, ns: Netns, rootAddress: string, nsAddress: string): Promise<{ rootIf: string; nsIf: string }> {
  const rootIf = `v${lab.id}r`;
  const nsIf = `v${lab.id}h`;
  await exec('ip', ['link', 'add', rootIf, 'type', 'veth', 'peer', 'name', nsIf, 'netns', ns.name]);
  try {
    await exec('ip', ['addr', 'add', rootAddress, 'dev', rootIf]);
    await exec('ip', ['link', 'set', rootIf, 'up']);
    await ns.exec('ip', ['addr', 'add', nsAddress, 'dev', nsIf]);
    await ns.exec('ip', ['link', 'set', nsIf, 'up']);
  } catch (e) {
    await exec('ip', ['link', 'del', rootIf], { allowFail: true });
    throw e;
  }
  return { rootIf, nsIf };
}

/** A free 198.18.0.0/15 /30 that no root-namespace address is in: [root end, namespace end, prefix length]. */
export async function freeUnderlaySubnet(): Promise<[string, string, number]> {
  const used = (await exec('ip', ['-4', '-o', 'addr', 'show'])).stdout;
  for (let i = 0; i < 100; i++) {
    const base = `198.19.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 64) * 4}`;
    const prefix = base.slice(0, base.lastIndexOf('.') + 1);
    const last = Number(base.slice(base.lastIndexOf('.') + 1));
    if (!used.includes(prefix)) return [`${prefix}${last + 1}`, `${prefix}${last + 2}`, 30];
  }
  throw new Error('no free 198.19.x.0/30 found');
}

export interface RegistryProxy {
  /** http://<address>:<port>, for npm's https-proxy setting. */
  url: string;
  /** Tunnels opened to the registry (proves npm really fetched from it). */
  readonly tunnels: number;
  /** CONNECT targets that were refused. */
  readonly refused: readonly string[];
  stop(): Promise<void>;
}

/**
 * An HTTP CONNECT proxy on `address` that only tunnels to `target` ("host:443"): the one way out
 * of the lab namespace, for `npm install`, without routing anything.
 */
export async function startRegistryProxy(address: string, target: string): Promise<RegistryProxy> {
  const sockets = new Set<Socket>();
  const refused: string[] = [];
  let tunnels = 0;
  const server: Server = createServer((_req, res) => {
    res.writeHead(403).end();
  });
  const track = (s: Socket): void => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => s.destroy());
  };
  server.on('connect', (req, client: Socket, head: Buffer) => {
    track(client);
    if (req.url !== target) {
      refused.push(req.url ?? '');
      client.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    const [host, port] = target.split(':') as [string, string];
    const upstream = connect(Number(port), host, () => {
      tunnels++;
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    track(upstream);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, address, resolve);
  });
  const bound = server.address();
  const port = typeof bound === 'object' && bound ? bound.port : 0;
  return {
    url: `http://${address}:${port}`,
    get tunnels() {
      return tunnels;
    },
    refused,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * A comparable picture of paths in the root mount namespace: absent, or a file's mode and
 * SHA-256, or a directory's mode and (recursively) its entries.
 */
export async function snapshotPaths(paths: readonly string[]): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const visit = async (path: string): Promise<void> => {
    let s;
    try {
      s = await stat(path);
    } catch {
      out[path] = 'absent';
      return;
    }
    const mode = (s.mode & 0o7777).toString(8);
    if (s.isDirectory()) {
      out[path] = `dir ${mode}`;
      for (const entry of (await readdir(path)).sort()) await visit(join(path, entry));
    } else {
      out[path] = `file ${mode} ${createHash('sha256').update(await readFile(path)).digest('hex')}`;
    }
  };
  for (const p of paths) await visit(p);
  return out;
}
