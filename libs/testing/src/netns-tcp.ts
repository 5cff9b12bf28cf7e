import type { BackgroundProcess, Netns, NetnsLab } from './netns';

// A TCP "who am I" service for namespace tests: the server answers every connection with the
// peer address it sees, so one exchange proves reachability and shows the source address
// after NAT. Both ends run as small Node processes inside the namespaces (a Node process
// cannot switch its own network namespace).

const SERVER = `
const net = require('node:net');
const [host, port] = process.argv.slice(1);
net.createServer((s) => s.end(s.remoteAddress.replace(/^::ffff:/, '') + '\\n'))
  .listen(Number(port), host, () => console.log('listening'));
`;

const CLIENT = `
const net = require('node:net');
const [host, port, ms] = process.argv.slice(1);
let data = '';
const s = net.connect({ host, port: Number(port), timeout: Number(ms) });
s.on('data', (d) => (data += d));
s.on('end', () => { process.stdout.write(data); process.exit(0); });
s.on('timeout', () => process.exit(2));
s.on('error', () => process.exit(1));
`;

/** Starts a who-am-I server on `host:port` in the namespace; stopped by the lab's cleanup. */
export async function startWhoamiServer(lab: NetnsLab, ns: Netns, host: string, port: number): Promise<BackgroundProcess> {
  const p = lab.spawn(ns, process.execPath, ['-e', SERVER, host, String(port)]);
  await p.waitFor('listening');
  return p;
}

/** Connects from `ns` to `host:port`; the source address the server saw, or null if unreachable. */
export async function whoami(ns: Netns, host: string, port: number, timeoutMs = 1_500): Promise<string | null> {
  const r = await ns.exec(process.execPath, ['-e', CLIENT, host, String(port), String(timeoutMs)], {
    allowFail: true,
    timeoutMs: timeoutMs + 3_000,
  });
  return r.code === 0 ? r.stdout.trim() : null;
}
