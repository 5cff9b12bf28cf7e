import { randomInt } from 'node:crypto';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { NetnsLab, removeStaleLabs, sleep, startControllerProcess, type ControllerProcess, type Netns } from '@wgfleet/testing';
import { connectCustomer, createVpnHost, enrollAndStart, tcClasses, waitInSync, type VpnHost } from '../src/vpn-lab';

// A billing panel (a WHMCS module written against PUQVPNCP v1) selling a VPN account on a host
// run by a real agent: cookie auth, form-encoded bodies, the {error, msg, status} envelope, and the
// customer's device using the config the panel hands out.
//
//   customer (198.18.41.2) ── host, public 198.18.40.1 ── internet (198.18.40.2)

jest.setTimeout(120_000);

const PUBLIC = '198.18.40.1';
const SERVER = 'Billing_1';
const ACCOUNT = 'client_1';

interface Envelope<T = unknown> {
  error: string;
  msg: T;
  status: 'success' | 'error';
}

describe('a billing panel driving wgfleet through the PUQVPNCP v1 API', () => {
  const lab = new NetnsLab();
  let controller: ControllerProcess;
  let host: VpnHost;
  let customer: { ns: Netns };
  // wgNNNN: the seed's interface name format; random, as wireguard-go's sockets are machine-wide.
  const ifname = `wg${randomInt(4000, 9999)}`;

  /** One panel call: the access_hash cookie, a form body, HTTP 200 with the envelope, always. */
  const puq = async <T>(method: string, path: string, form?: Record<string, string>): Promise<Envelope<T>> => {
    const res = await fetch(`${controller.url}/api/v1/${path}`, {
      method,
      headers: { Cookie: `access_hash=${controller.adminKey}`, ...(form ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}) },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    expect(res.status).toBe(200);
    return (await res.json()) as Envelope<T>;
  };
  const ok = async <T>(method: string, path: string, form?: Record<string, string>): Promise<T> => {
    const envelope = await puq<T>(method, path, form);
    if (envelope.status !== 'success') throw new Error(`${method} ${path}: ${envelope.error}`);
    return envelope.msg;
  };
  const account = () => ok<Record<string, string>>('GET', `account/${ACCOUNT}`);
  const reachesHost = () => customer.ns.ping('100.64.70.1', { count: 2, deadlineS: 2 });

  beforeAll(async () => {
    await removeStaleLabs();
    controller = await startControllerProcess({ env: { WGFLEET_RATE_LIMIT: '100000' } });
    const internet = await lab.namespace('pnet');
    const created = await createVpnHost(controller, lab, { label: 'hp', internet, publicAddress: PUBLIC, isDefault: true });
    host = created;
    // Traffic reports every second, so "online" and the transfer figures show up within the test.
    await enrollAndStart(controller, host, created.enrollmentToken, ['--stats-interval', '1']);
    await waitInSync(controller, host);
  });

  afterAll(async () => {
    await host?.agent.remove();
    await lab.cleanup();
    await controller?.stop();
  });

  it('creates a server and an account with a bandwidth cap, and hands out its config and QR code', async () => {
    await ok('POST', 'wireguard', {
      name: SERVER,
      interface_name: ifname,
      address: '100.64.70.1/24',
      listen_port: '51820',
      external_ip: PUBLIC,
      b_download: '0',
      b_upload: '0',
      internal_traffic: '0',
    });
    await ok('POST', 'account', { wg_name: SERVER, allowed_IPs: '100.64.70.2', name: ACCOUNT, username: ACCOUNT, password: 'panel-s3cret', b_download: '8', b_upload: '8' });
    expect(await account()).toMatchObject({ name: ACCOUNT, wg_name: SERVER, b_download: '8', b_upload: '8', status: 'enable', allowed_IPs: expect.stringContaining('100.64.70.2') });

    const config = await ok<string>('GET', `account/${ACCOUNT}/config_text`);
    expect(config).toContain(`Endpoint = ${PUBLIC}:51820`);
    const png = PNG.sync.read(Buffer.from(await ok<string>('GET', `account/${ACCOUNT}/config_qr`), 'base64'));
    expect(jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data).toBe(config);

    await waitInSync(controller, host);
    customer = await connectCustomer(lab, host, 'cust', '198.18.41', config);
    expect(await reachesHost()).toBe(true);
  });

  it('lists the account among the online peers, with its traffic', async () => {
    type Online = Record<string, string>;
    let mine: Online | undefined;
    for (let i = 0; i < 50 && !(mine && Number(mine.transfer_rx) > 0); i++) {
      await customer.ns.ping('100.64.70.1', { count: 1, deadlineS: 1 });
      const online = await ok<Online[] | Record<string, Online>>('GET', 'wireguard/online');
      mine = Object.values(online).find((p) => p.name === ACCOUNT);
      await sleep(200);
    }
    expect(mine).toMatchObject({ name: ACCOUNT, wg_name: SERVER, latest_handshake: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/) });
    expect(Number(mine?.transfer_rx)).toBeGreaterThan(0);
  });

  it('suspends an unpaid account with status=disable, and the host stops its traffic until it is enabled', async () => {
    await ok('PUT', `account/${ACCOUNT}`, { status: 'disable' });
    expect(await account()).toMatchObject({ status: 'disable' });
    await waitInSync(controller, host);
    expect(await reachesHost()).toBe(false);

    await ok('PUT', `account/${ACCOUNT}`, { status: 'enable' });
    await waitInSync(controller, host);
    expect(await customer.ns.ping('100.64.70.1')).toBe(true);
  });

  it('raises the cap, and the host shapes the account to the new rate', async () => {
    await ok('PUT', `account/${ACCOUNT}`, { b_download: '20', b_upload: '20' });
    expect(await account()).toMatchObject({ b_download: '20', b_upload: '20' });
    await waitInSync(controller, host);
    const classes = await tcClasses(host.ns);
    expect(classes.filter((c) => /rate 20Mbit/.test(c))).toHaveLength(2);
    expect(classes.filter((c) => /rate 8Mbit/.test(c))).toHaveLength(0);
  });

  it('deletes the account: gone from the API and from the host', async () => {
    const { public_key: publicKey } = await account();
    await ok('DELETE', `account/${ACCOUNT}`);
    expect(await puq('GET', `account/${ACCOUNT}`)).toEqual({ error: 'Account not found', msg: '', status: 'error' });
    await waitInSync(controller, host);
    expect((await host.ns.exec('wg', ['show', ifname, 'peers'])).stdout).not.toContain(publicKey);
    // Only the devices' default (unshaped) classes stay.
    expect((await tcClasses(host.ns)).filter((c) => !c.startsWith('class htb 1:ffff '))).toEqual([]);
    expect(await reachesHost()).toBe(false);
  });
});
