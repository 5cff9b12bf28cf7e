import { X509Certificate } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec, NetnsLab, removeStaleLabs, sleep, startControllerProcess, type BackgroundProcess, type ControllerProcess, type Netns } from '@wgfleet/testing';
import { freeUnderlaySubnet, INSTALLED_MARKER, linkToRootNamespace, snapshotPaths, spawnInstallerSandbox, startRegistryProxy, type RegistryProxy } from '../src/installer-sandbox';

// deploy/install-agent.sh, really run, as root, on this machine, without changing it: inside a
// lab network namespace and a private mount namespace whose system directories are throwaway
// overlays (see ../src/installer-sandbox.ts). The installer finds the system's Node.js and the
// Debian packages already installed, builds the agent if dist/ is stale, installs it under a
// temporary --prefix with its runtime packages from the npm registry, writes the unit, the
// sysctl drop-in, and enrolls with a real controller over a veth to the root namespace. Then
// the unit's own ExecStart runs the installed agent, which must bring the host online.
//
//   root namespace: controller (REST on loopback, gRPC + npm-registry proxy on <root end>/30)
//        │ veth
//   lab namespace "inst": <namespace end>/30, the installer, then the installed agent

jest.setTimeout(600_000);

const REPO = join(__dirname, '../..');
const INSTALLER = join(REPO, 'deploy/install-agent.sh');
/** Everything the installer writes outside its prefix; none of it may change on this machine. */
const SYSTEM_PATHS = ['/etc/wgfleet', '/var/lib/wgfleet', '/usr/local/sbin/wgfleet-agent', '/etc/systemd/system/wgfleet-agent.service', '/etc/sysctl.d/60-wgfleet.conf'];

interface HostView {
  status: string;
  desiredRevision: number;
  appliedRevision: number;
  agentVersion: string | null;
}

interface AuditEvent {
  action: string;
  hostId: string | null;
  sourceIp: string | null;
  details: { certificateSerial?: string };
}

describe('deploy/install-agent.sh on a fresh host (sandboxed)', () => {
  const lab = new NetnsLab();
  let ns: Netns;
  let controller: ControllerProcess | undefined;
  let proxy: RegistryProxy | undefined;
  let sandbox: BackgroundProcess | undefined;
  let rootEnd: string;
  let nsEnd: string;
  let grpcAddress: string;
  let hostId: string;
  let token: string;
  let work: string;
  let prefix: string;
  let out: string;
  let before: Record<string, string>;
  let rootForwarding: string;

  const read = (name: string): Promise<string> => readFile(join(out, name), 'utf8');
  const host = async (): Promise<HostView> => {
    const res = await controller?.request('GET', `/api/v1/hosts/${hostId}`);
    if (res?.status !== 200) throw new Error(`GET host: ${res?.status} ${res?.text}`);
    return res.body as HostView;
  };

  beforeAll(async () => {
    await removeStaleLabs();
    before = await snapshotPaths(SYSTEM_PATHS);
    rootForwarding = (await exec('sysctl', ['-n', 'net.ipv4.ip_forward'])).stdout.trim();
    ns = await lab.namespace('inst');
    const [rootIp, nsIp, bits] = await freeUnderlaySubnet();
    [rootEnd, nsEnd] = [rootIp, nsIp];
    await linkToRootNamespace(lab, ns, `${rootIp}/${bits}`, `${nsIp}/${bits}`);
    // The gRPC listener on the root end of the veth only, named in its certificate.
    controller = await startControllerProcess({ env: { WGFLEET_GRPC_HOST: rootEnd, WGFLEET_GRPC_HOSTNAMES: `${rootEnd},127.0.0.1` } });
    grpcAddress = `${rootEnd}:${controller.grpcAddress.split(':')[1]}`;
    work = await mkdtemp(join(tmpdir(), 'wgfleet-e2e-installer-'));
    prefix = join(work, 'prefix');
    out = join(work, 'out');
    await Promise.all([mkdir(join(work, 'layers')), mkdir(out)]);
    // Its debug log goes to the work directory, not into (and rotating) the machine's npm logs.
    const registry = new URL((await exec('npm', ['config', 'get', 'registry', `--logs-dir=${join(work, 'npm-logs')}`], { cwd: REPO })).stdout.trim());
    if (registry.protocol !== 'https:') throw new Error(`the proxy only tunnels TLS; npm registry is ${registry.href}`);
    proxy = await startRegistryProxy(rootEnd, `${registry.hostname}:${registry.port || '443'}`);
    const res = await controller.request('POST', '/api/v1/hosts', { name: `e2e-installer-${lab.id}`, kind: 'linux', publicAddress: nsEnd });
    if (res.status !== 201) throw new Error(`POST /hosts: ${res.status} ${res.text}`);
    const body = res.body as { id: string; enrollmentToken: { token: string } };
    [hostId, token] = [body.id, body.enrollmentToken.token];
  });

  afterAll(async () => {
    await sandbox?.stop();
    await lab.cleanup();
    await proxy?.stop();
    await controller?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('installs and enrolls the agent', async () => {
    sandbox = spawnInstallerSandbox(lab, ns, work, INSTALLER, ['--controller', grpcAddress, '--token', token, '--prefix', prefix], {
      // npm's own setting (no installer switch): the registry through the proxy on the veth.
      npm_config_https_proxy: proxy?.url ?? '',
      // The packages are in npm's cache from `npm ci`: a registry hiccup must not fail the test.
      npm_config_prefer_offline: 'true',
    });
    await sandbox.waitFor(INSTALLED_MARKER, 540_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\n--- sandbox output ---\n${sandbox?.stderr}`);
    });
    const log = await read('install.log');

    // The system's Node.js and the Debian packages already there: nothing came from APT.
    expect(log).not.toMatch(/installing (Node\.js|npm|.*wireguard|.*nftables|.*iproute2|.*procps)/);
    expect(log).toContain(`installing to ${prefix}`);
    expect(log).toContain(`enrolling with ${grpcAddress}`);
    expect(log).toMatch(/done\s*$/);
    expect(proxy?.tunnels).toBeGreaterThan(0);
    expect(proxy?.refused).toEqual([]);

    // Exactly these system files were written (the overlays' upper layers), nothing else (no
    // dpkg or APT state, no other unit); npm's cache is not the installer's.
    const written = (await read('written.txt')).split('\n').filter((l) => l && !l.startsWith(join(process.env.HOME || '/root', '.npm')));
    expect(written.sort()).toEqual(
      [
        '/etc/systemd/system/wgfleet-agent.service',
        '/etc/sysctl.d/60-wgfleet.conf',
        '/etc/wgfleet/agent.json',
        '/usr/local/sbin/wgfleet-agent',
        '/var/lib/wgfleet/agent.crt',
        '/var/lib/wgfleet/agent.key',
        '/var/lib/wgfleet/ca.crt',
      ].sort(),
    );

    // The CLI: a wrapper around the system's node and the prefix; it runs.
    const node = (await exec('sh', ['-c', 'command -v node'])).stdout.trim();
    expect(await read('wrapper.sh')).toContain(`exec "${node}" "${prefix}/dist/apps/agent/apps/agent/src/cli.js" "$@"`);
    expect(await read('help.txt')).toMatch(/enroll[\s\S]*run[\s\S]*status/);

    // The unit runs that node on the prefix; forwarding on, persistently and in the namespace.
    const unit = await read('wgfleet-agent.service');
    expect(unit.split('\n').filter((l) => l.startsWith('ExecStart='))).toEqual([
      `ExecStart=${node} ${prefix}/dist/apps/agent/apps/agent/src/cli.js run --config /etc/wgfleet/agent.json --no-sysctl`,
    ]);
    expect(unit).not.toContain('/opt/wgfleet-agent');
    expect(await read('60-wgfleet.conf')).toMatch(/^net\.ipv4\.ip_forward = 1$/m);
    expect((await read('ip_forward.txt')).trim()).toBe('1');

    // Config (no secret), key 0600 in a 0700 state directory, certificate for this host.
    expect(JSON.parse(await read('agent.json'))).toMatchObject({ controller: grpcAddress, hostId, stateDir: '/var/lib/wgfleet' });
    const config = await read('agent.json');
    expect([config.includes(token), config.includes('PRIVATE KEY')]).toEqual([false, false]);
    expect((await read('modes.txt')).trim().split('\n')).toEqual([
      expect.stringMatching(/^\/etc\/wgfleet\/agent\.json [0-7]+$/),
      '/var/lib/wgfleet 700',
      '/var/lib/wgfleet/agent.key 600',
      expect.stringMatching(/^\/var\/lib\/wgfleet\/agent\.crt [0-7]+$/),
    ]);
    const cert = new X509Certificate(await read('agent.crt'));
    expect(cert.verify(new X509Certificate(await read('ca.crt')).publicKey)).toBe(true);
    expect(cert.subject).toContain(`CN=${hostId}`);
    const status = JSON.parse(await read('status.json')) as { config: { hostId: string }; certificate: { fingerprint: string } | null; running: boolean };
    expect(status).toMatchObject({ config: { hostId }, running: false });
    expect(status.certificate).not.toBeNull();

    // The controller's side: enrolled (no longer pending, not yet connected) from the namespace,
    // with this certificate.
    expect(await host()).toMatchObject({ status: 'offline', agentVersion: expect.any(String) });
    const audit = await controller?.request('GET', `/api/v1/audit-events?hostId=${hostId}&action=host.enroll`);
    const events = (audit?.body as { items: AuditEvent[] }).items;
    expect(events).toEqual([expect.objectContaining({ action: 'host.enroll', hostId, sourceIp: expect.stringContaining(nsEnd) })]);
    expect(events[0]?.details.certificateSerial).toBe(cert.serialNumber);
  });

  it("runs the installed agent with the unit's ExecStart and the host goes online", async () => {
    await writeFile(join(work, 'start-agent'), '');
    let view = await host();
    for (let i = 0; i < 150 && !(view.status === 'online' && view.appliedRevision === view.desiredRevision); i++) {
      if (sandbox?.child.exitCode !== null) break;
      await sleep(200);
      view = await host();
    }
    expect([view.status, view.appliedRevision, sandbox?.child.exitCode, sandbox?.stderr.slice(-3000)]).toEqual(['online', view.desiredRevision, null, expect.any(String)]);
  });

  it('leaves the machine as it was', async () => {
    // SIGTERM, as systemd stops the agent: the sandbox's last process, so its mounts go with it.
    await sandbox?.stop();
    await lab.cleanup();
    expect(await snapshotPaths(SYSTEM_PATHS)).toEqual(before);
    expect((await exec('sysctl', ['-n', 'net.ipv4.ip_forward'])).stdout.trim()).toBe(rootForwarding);
    // The root end of the veth goes with the namespace (the kernel tears namespaces down asynchronously).
    let links = '';
    for (let i = 0; i < 50; i++) {
      links = (await exec('ip', ['-o', 'link', 'show'])).stdout;
      if (!links.includes(`v${lab.id}r`)) break;
      await sleep(100);
    }
    expect(links).not.toContain(`v${lab.id}r`);
  });
});
