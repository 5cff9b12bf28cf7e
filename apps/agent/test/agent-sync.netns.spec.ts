import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKeyPair } from '@wgfleet/domain';
import {
  BackgroundProcess,
  exec,
  freePort,
  NetnsLab,
  pollUntil,
  removeStaleLabs,
  startControllerProcess,
  startWireguardClient,
  type ControllerProcess,
  type Netns,
} from '@wgfleet/testing';
import { parseWgDump, type WgDumpPeer } from '../src/drivers/wireguard/wg-dump';
import { startAgent } from '../src/cli/run-command';
import type { StatusReport } from '../src/cli/status-command';
import { statePaths } from '../src/config/agent-config';
import { DEFAULT_TABLE_NAME, TABLE_FAMILY } from '../src/drivers/nftables/nft-ruleset';
import type { Logger } from '../src/log/logger';
import { DEFAULT_TIMING } from '../src/sync/agent-daemon';
import { readAgentStatus } from '../src/sync/agent-status';

// The agent as shipped, against the real controller: `wgfleet-agent enroll` with the token from
// POST /hosts, `wgfleet-agent run` with its data plane in a network namespace, changes made
// through the REST API, and a restart that must neither recreate the WireGuard interface nor
// drop its sessions, re-applying the state file while the controller is unreachable.
//
//   client (198.18.61.2) ── veth ── agent host (198.18.61.1)      tunnel 100.64.61.0/24
//
// The agent process runs in the root namespace (it reaches the controller on loopback); only
// its data-plane commands run in the host namespace (--netns).

jest.setTimeout(180_000);

const ROOT = join(__dirname, '../../..');
const CLI = ['-r', './scripts/register-ts.js', 'apps/agent/src/cli.ts'];
const HOST_ADDRESS = '198.18.61.1';
const CLIENT_ADDRESS = '198.18.61.2';

describe('wgfleet-agent against the controller, data plane in a network namespace', () => {
  const lab = new NetnsLab();
  let controller: ControllerProcess;
  let host: Netns;
  let client: Netns;
  let dir: string;
  let agent: BackgroundProcess | null = null;
  /** Everything the stopped agent processes printed. */
  const agentLogs: string[] = [];
  let hostId = '';
  let token = '';
  let ifname = '';
  let ifaceId = '';
  let peerId = '';
  const clientKeys = generateKeyPair();

  const configPath = (): string => join(dir, 'agent.json');
  const stateDir = (): string => join(dir, 'state');

  function spawnAgent(config = configPath()): BackgroundProcess {
    const p = new BackgroundProcess(spawn(process.execPath, [...CLI, 'run', '--config', config], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] }));
    agent = p;
    return p;
  }

  /** Stops the agent process (SIGTERM) and resolves with its exit code. */
  async function stopAgent(): Promise<number | null> {
    const p = agent;
    agent = null;
    if (!p) return null;
    await p.stop();
    agentLogs.push(p.stdout, p.stderr);
    return p.exited;
  }

  async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await controller.request(method, path, body);
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${res.text}`);
    return res.body as T;
  }

  async function hostPeer(publicKey: string): Promise<WgDumpPeer | undefined> {
    const { stdout } = await host.exec('wg', ['show', ifname, 'dump']);
    return parseWgDump(stdout).peers.find((p) => p.publicKey === publicKey);
  }

  async function ifindex(): Promise<number> {
    const { stdout } = await host.exec('ip', ['-j', 'link', 'show', 'dev', ifname]);
    return (JSON.parse(stdout) as Array<{ ifindex: number }>)[0]?.ifindex ?? -1;
  }

  function until<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs = 20_000): Promise<T> {
    return pollUntil(what, fn, { timeoutMs, intervalMs: 100, detail: () => `; agent log:\n${agent?.stderr ?? ''}` });
  }

  beforeAll(async () => {
    await removeStaleLabs();
    dir = await mkdtemp(join(tmpdir(), 'wgfa-agent-'));
    controller = await startControllerProcess({ env: { WGFLEET_GRPC_HOSTNAMES: '127.0.0.1' } });
    host = await lab.namespace('wgfa-host');
    client = await lab.namespace('wgfa-client');
    await lab.link(host, `${HOST_ADDRESS}/24`, client, `${CLIENT_ADDRESS}/24`);
    ifname = lab.wgName('wgfa');
    const created = await api<{ id: string; enrollmentToken: { token: string } }>('POST', '/api/v1/hosts', {
      name: `wgfa-${lab.id}`,
      kind: 'linux',
      publicAddress: HOST_ADDRESS,
    });
    hostId = created.id;
    token = created.enrollmentToken.token;
  });

  afterAll(async () => {
    await stopAgent();
    await lab.cleanup();
    await controller?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('enrolls with the pinned one-time token and writes key, certificates and config', async () => {
    const args = ['enroll', '--controller', controller.grpcAddress, '--token', token, '--config', configPath(), '--state-dir', stateDir(), '--netns', host.name];
    const r = await exec(process.execPath, [...CLI, ...args], { cwd: ROOT, allowFail: true, timeoutMs: 60_000 });
    expect([r.code, r.stderr]).toEqual([0, expect.stringContaining("enrolled")]);
    expect(r.stdout).toContain(`enrolled as host ${hostId}`);
    // The token is secret: never printed.
    expect(r.stdout + r.stderr).not.toContain(token.split('.')[0]);
    expect(JSON.parse(await readFile(configPath(), 'utf8'))).toEqual({ controller: controller.grpcAddress, hostId, stateDir: stateDir(), netns: host.name });
    expect((await stat(join(stateDir(), 'agent.key'))).mode & 0o777).toBe(0o600);
    expect(await readFile(join(stateDir(), 'agent.crt'), 'utf8')).toContain('BEGIN CERTIFICATE');
    // A one-time token: a second enrollment with it is refused.
    const again = await exec(process.execPath, [...CLI, ...args.slice(0, 5), '--config', join(dir, 'again.json'), '--state-dir', join(dir, 'again')], {
      cwd: ROOT,
      allowFail: true,
      timeoutMs: 60_000,
    });
    expect(again.code).not.toBe(0);
  });

  it('applies an interface and a peer created through the API and acknowledges them', async () => {
    spawnAgent();
    const iface = await api<{ id: string; publicKey: string }>('POST', '/api/v1/interfaces', {
      hostId,
      name: ifname,
      address: '100.64.61.1/24',
      listenPort: 51861,
    });
    const peer = await api<{ id: string; revision: number; applied: boolean }>('POST', `/api/v1/interfaces/${iface.id}/peers?wait=applied&timeout=30s`, {
      name: 'wgfa-client',
      publicKey: clientKeys.publicKey,
      address: '100.64.61.2',
    });
    expect(peer.applied).toBe(true);
    ifaceId = iface.id;
    peerId = peer.id;
    const hostView = await api<{ appliedRevision: number; desiredRevision: number; status: string; facts: Record<string, string> | null }>('GET', `/api/v1/hosts/${hostId}`);
    expect(hostView.appliedRevision).toBe(peer.revision);
    expect(hostView.status).toBe('online');
    expect(await hostPeer(clientKeys.publicKey)).toMatchObject({ allowedIps: ['100.64.61.2/32'] });

    await startWireguardClient(client, {
      ifname: lab.wgName('wgfc'),
      privateKey: clientKeys.privateKey,
      address: '100.64.61.2/24',
      peer: { publicKey: iface.publicKey, endpoint: `${HOST_ADDRESS}:51861`, allowedIps: ['100.64.61.0/24'], persistentKeepalive: 1 },
    });
    expect(await client.ping('100.64.61.1')).toBe(true);
    const status = await until('status at the peer revision', async () => {
      const r = JSON.parse((await exec(process.execPath, [...CLI, 'status', '--config', configPath(), '--json'], { cwd: ROOT })).stdout) as StatusReport;
      return r.status.lastAppliedRevision === peer.revision && r;
    });
    expect(status).toMatchObject({ running: true, status: { connected: true }, certificate: { subject: expect.stringContaining(hostId) } });
  });

  it('restarts without recreating the interface or dropping the session, re-applying the state file without the controller', async () => {
    const before = { ifindex: await ifindex(), peer: await hostPeer(clientKeys.publicKey) };
    expect(before.peer?.latestHandshake).toBeGreaterThan(0);
    expect(await stopAgent()).toBe(0);
    // Fail-static: nothing changed by stopping.
    expect(await ifindex()).toBe(before.ifindex);
    expect(await client.ping('100.64.61.1')).toBe(true);

    // A hand edit while the agent is down, and a controller it cannot reach.
    await host.exec('nft', ['delete', 'table', TABLE_FAMILY, DEFAULT_TABLE_NAME]);
    const offline = { ...JSON.parse(await readFile(configPath(), 'utf8')), controller: `127.0.0.1:${await freePort()}` };
    await writeFile(join(dir, 'offline.json'), JSON.stringify(offline));
    spawnAgent(join(dir, 'offline.json'));
    await until('the nft table restored from the state file', async () => (await host.exec('nft', ['list', 'table', TABLE_FAMILY, DEFAULT_TABLE_NAME], { allowFail: true })).code === 0);
    const after = { ifindex: await ifindex(), peer: await hostPeer(clientKeys.publicKey) };
    expect(after.ifindex).toBe(before.ifindex);
    // Same session: a re-created peer would start again from zero counters and no handshake.
    expect(after.peer?.latestHandshake).toBeGreaterThanOrEqual(before.peer?.latestHandshake ?? Infinity);
    expect(after.peer?.rxBytes).toBeGreaterThanOrEqual(before.peer?.rxBytes ?? Infinity);
    expect(await client.ping('100.64.61.1')).toBe(true);
    expect(await stopAgent()).toBe(0);

    // Back with the controller: it resyncs from the revision it holds, still the same interface.
    spawnAgent();
    const revision = (await api<{ desiredRevision: number }>('GET', `/api/v1/hosts/${hostId}`)).desiredRevision;
    await until('connected again', async () => {
      const r = JSON.parse((await exec(process.execPath, [...CLI, 'status', '--config', configPath(), '--json'], { cwd: ROOT })).stdout) as StatusReport;
      return r.status.connected;
    });
    expect((await api<{ appliedRevision: number }>('GET', `/api/v1/hosts/${hostId}`)).appliedRevision).toBe(revision);
    expect(await ifindex()).toBe(before.ifindex);

    // Three runs' worth of logs, and no secret in them.
    await stopAgent();
    const logs = agentLogs.join('\n');
    expect(logs).toContain('re-applied the last applied state');
    const state = JSON.parse(await readFile(join(stateDir(), 'applied-state.json'), 'utf8')) as { interfaces: Array<{ privateKey: string }> };
    const key = (await readFile(join(stateDir(), 'agent.key'), 'utf8')).split('\n')[1] as string;
    for (const secret of [state.interfaces[0]?.privateKey, key, token.split('.')[0]]) {
      expect(secret).toBeTruthy();
      expect(logs).not.toContain(secret);
    }
  });

  it('repairs drift and reports it; sends peer statistics and the data plane to the API', async () => {
    await stopAgent();
    const lines: string[] = [];
    const log: Logger = { info: (m) => lines.push(m), warn: (m, f) => lines.push(`${m} ${JSON.stringify(f)}`), error: (m, f) => lines.push(`${m} ${JSON.stringify(f)}`) };
    const running = await startAgent(
      { command: 'run', configPath: configPath(), stateDir: null, netns: null, sysctl: true, statsIntervalMs: null },
      log,
      { ...DEFAULT_TIMING, statsMs: 300, driftCheckMs: 300, reportMinIntervalMs: 100 },
    );
    try {
      const rx = await until('peer counters in the API', async () => {
        const p = await api<{ status: { rxBytes: number } }>('GET', `/api/v1/peers/${peerId}`);
        return p.status.rxBytes > 0 && p.status.rxBytes;
      });
      expect(rx).toBeGreaterThan(0);
      const dataplane = await api<{ wireguard?: { peers?: Array<{ publicKey: string }> } } | Record<string, unknown>>('GET', `/api/v1/interfaces/${ifaceId}/dataplane`);
      expect(JSON.stringify(dataplane)).toContain(clientKeys.publicKey);

      // A hand edit: someone takes the tunnel address away.
      await host.exec('ip', ['addr', 'flush', 'dev', ifname]);
      const drift = await until('a repaired drift in status.json', async () => {
        const status = await readAgentStatus(statePaths(stateDir()).status);
        return status.lastDrift && !status.lastDrift.inSync && status.lastDrift;
      });
      expect(drift).toMatchObject({ repaired: true, lines: [expect.stringContaining(`${ifname}: addresses (none), want 100.64.61.1/24`)] });
      expect(lines.some((l) => l.startsWith('drift repaired'))).toBe(true);
      expect(await client.ping('100.64.61.1')).toBe(true);
    } finally {
      running.stop();
      await running.done;
    }
  });
});
