import { intToIpv4, ipv4ToInt } from '@wgfleet/domain';
import { sleep, type ControllerProcess, type Netns, type NetnsLab, type WireguardClient } from '@wgfleet/testing';
import { AgentProcess } from './agent-process';
import { connectClient } from './vpn-client';

// The pieces every end-to-end scenario builds: a VPN host created through the API and run by a
// real enrolled agent, and a customer device behind its own underlay link to that host.

export interface VpnHost {
  id: string;
  ns: Netns;
  agent: AgentProcess;
  publicAddress: string;
}

export interface HostView {
  status: string;
  desiredRevision: number;
  appliedRevision: number;
  lastError: string | null;
  facts: Record<string, unknown>;
}

/**
 * A host namespace linked to `internet` (`publicAddress`/30 on the host, the next address on the
 * internet side), created through the API; `enroll` false leaves the enrollment to the caller.
 */
export async function createVpnHost(
  controller: ControllerProcess,
  lab: NetnsLab,
  o: { label: string; internet: Netns; publicAddress: string; isDefault?: boolean },
): Promise<VpnHost & { enrollmentToken: string }> {
  const ns = await lab.namespace(o.label);
  await lab.link(ns, `${o.publicAddress}/30`, o.internet, `${intToIpv4(ipv4ToInt(o.publicAddress) + 1)}/30`);
  const res = await controller.request('POST', '/api/v1/hosts', { name: `e2e-${o.label}-${lab.id}`, kind: 'linux', publicAddress: o.publicAddress, isDefault: o.isDefault ?? false });
  if (res.status !== 201) throw new Error(`POST /hosts: ${res.status} ${res.text}`);
  const body = res.body as { id: string; enrollmentToken: { token: string } };
  return { id: body.id, ns, agent: await AgentProcess.create(ns), publicAddress: o.publicAddress, enrollmentToken: body.enrollmentToken.token };
}

/** Enrolls the host's agent with its token and starts it. */
export async function enrollAndStart(controller: ControllerProcess, host: VpnHost, token: string, runArgs: string[] = []): Promise<void> {
  const enrolled = await host.agent.enroll(controller.grpcAddress, token);
  if (enrolled.code !== 0) throw new Error(`enroll exited ${enrolled.code}: ${enrolled.stderr}`);
  host.agent.start(runArgs);
}

export async function hostView(controller: ControllerProcess, host: VpnHost): Promise<HostView> {
  const res = await controller.request('GET', `/api/v1/hosts/${host.id}`);
  if (res.status !== 200) throw new Error(`GET host: ${res.status} ${res.text}`);
  return res.body as HostView;
}

/** Until the host is online and runs its desired revision. */
export async function waitInSync(controller: ControllerProcess, host: VpnHost): Promise<void> {
  for (let i = 0; i < 150; i++) {
    const v = await hostView(controller, host);
    if (v.status === 'online' && v.appliedRevision === v.desiredRevision) return;
    await sleep(200);
  }
  throw new Error(`host ${host.id} did not come in sync:\n${host.agent.log}`);
}

/**
 * A customer device in its own namespace, linked to the host over `<underlay>.1/30`–`.2/30`,
 * reaching the host's public address over that link and everything else through the tunnel it
 * builds from `configText` (the wg-quick file the API served).
 */
export async function connectCustomer(lab: NetnsLab, host: VpnHost, label: string, underlay: string, configText: string): Promise<{ ns: Netns; client: WireguardClient & { address: string } }> {
  const ns = await lab.namespace(label);
  await lab.link(host.ns, `${underlay}.1/30`, ns, `${underlay}.2/30`);
  await ns.exec('ip', ['route', 'add', `${host.publicAddress}/32`, 'via', `${underlay}.1`]);
  return { ns, client: await connectClient(lab, ns, configText) };
}

/** Every HTB class on every device of the namespace, one line each. */
export async function tcClasses(ns: Netns): Promise<string[]> {
  const lines: string[] = [];
  for (const dev of (await ns.exec('ip', ['-o', 'link', 'show'])).stdout.matchAll(/^\d+: ([^:@]+)/gm)) {
    lines.push(...(await ns.exec('tc', ['class', 'show', 'dev', dev[1] as string])).stdout.split('\n').filter((l) => l.startsWith('class htb ')));
  }
  return lines;
}
