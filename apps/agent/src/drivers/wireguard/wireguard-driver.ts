import type { HostDesiredState, HostDiff, InterfaceState, PeerState } from '@wgfleet/domain';
import type { CommandRunner } from '../../exec/command-runner';
import { withSecretFile } from '../../exec/secret-file';
import type { DataPlaneDriver } from '../../dataplane/driver';
import { renderInterfaceConfig, renderPeersConfig, wireguardPeerChanged, wireguardSettingsChanged } from './wg-config';
import { wireguardDrift } from './wg-drift';
import { parseWgDump, type WgDump } from './wg-dump';
import { OWNER_ALIAS, WgLinks, type WgLinkOptions } from './wg-link';

// WireGuard driver. Suspended peers (enabled=false) stay configured here and are blocked by the
// nftables driver instead: resuming is then one set-element delete, the peer keeps its session
// and its rx/tx counters, and the client sees no handshake failures it would report as an outage.

/** WireGuard's own default; used when the desired state leaves the MTU unset, so hand edits converge. */
export const DEFAULT_MTU = 1420;

export interface WireGuardPeerReport {
  publicKey: string;
  endpoint: string | null;
  allowedIps: string[];
  /** Unix seconds; 0 = never. */
  latestHandshake: number;
  rxBytes: number;
  txBytes: number;
}

export interface WireGuardInterfaceReport {
  name: string;
  present: boolean;
  up: boolean;
  mtu: number | null;
  addresses: string[];
  publicKey: string | null;
  listenPort: number | null;
  peers: WireGuardPeerReport[];
}

export interface WireGuardReport {
  backend: string;
  interfaces: WireGuardInterfaceReport[];
}

export class WireGuardDriver implements DataPlaneDriver<WireGuardReport> {
  readonly name = 'wireguard';
  readonly links: WgLinks;

  constructor(
    private readonly runner: CommandRunner,
    opts: WgLinkOptions = {},
  ) {
    this.links = new WgLinks(runner, opts);
  }

  /** Removes our interfaces `state` no longer has and creates (or adopts) those it lists. */
  async prepare(state: HostDesiredState): Promise<void> {
    const wanted = new Set(state.interfaces.map((i) => i.name));
    for (const link of await this.links.list()) {
      if (link.alias === OWNER_ALIAS && !wanted.has(link.name)) await this.links.remove(link.name);
    }
    for (const iface of state.interfaces) await this.links.ensure(iface.name);
  }

  async applyFull(state: HostDesiredState): Promise<void> {
    // Repeated after the data plane's own prepare call: two `ip link show`s when nothing changed.
    await this.prepare(state);
    for (const iface of state.interfaces) await this.configureInterface(iface);
  }

  async applyDiff(prev: HostDesiredState, _next: HostDesiredState, diff: HostDiff): Promise<void> {
    for (const iface of diff.removedInterfaces) await this.links.remove(iface.name);
    for (const iface of diff.addedInterfaces) await this.configureInterface(iface);
    for (const d of diff.changedInterfaces) {
      const old = prev.interfaces.find((i) => i.id === d.iface.id);
      if (!old) throw new Error(`interface ${d.iface.id} changed but is missing from the previous state`);
      if (old.name !== d.iface.name) {
        await this.links.remove(old.name);
        await this.configureInterface(d.iface);
        continue;
      }
      if (d.settingsChanged && wireguardSettingsChanged(old, d.iface)) {
        // Rare (key rotation, port change): syncconf the whole interface, still keeping sessions
        // of peers that did not change.
        await this.configureInterface(d.iface);
        continue;
      }
      await this.applyPeerDelta(d.iface.name, d.removedPeers, d.addedPeers, d.changedPeers);
    }
  }

  /** Removes every interface carrying our alias (those of `_state` and any left over). */
  async removeAll(_state: HostDesiredState): Promise<void> {
    for (const link of await this.links.list()) {
      if (link.alias === OWNER_ALIAS) await this.links.remove(link.name);
    }
  }

  async report(state: HostDesiredState): Promise<WireGuardReport> {
    const interfaces: WireGuardInterfaceReport[] = [];
    for (const iface of state.interfaces) interfaces.push(await this.reportInterface(iface.name));
    return { backend: this.links.currentBackend ?? 'unknown', interfaces };
  }

  /** Differences between the host's WireGuard interfaces and `state` (one `wg show dump` per interface). */
  async detectDrift(state: HostDesiredState): Promise<string[]> {
    const out: string[] = [];
    const wanted = new Set(state.interfaces.map((i) => i.name));
    const links = new Map((await this.links.list()).map((l) => [l.name, l]));
    for (const l of links.values()) {
      if (l.alias === OWNER_ALIAS && !wanted.has(l.name)) out.push(`${l.name}: left over, not in the desired state`);
    }
    for (const iface of state.interfaces) {
      const link = links.get(iface.name);
      if (!link) {
        out.push(`${iface.name}: interface missing`);
        continue;
      }
      if (!link.up) out.push(`${iface.name}: link down`);
      const mtu = iface.mtu ?? DEFAULT_MTU;
      if (link.mtu !== mtu) out.push(`${iface.name}: mtu ${link.mtu}, want ${mtu}`);
      const addrs = await this.links.addresses(iface.name);
      if (addrs.length !== 1 || addrs[0] !== iface.address) {
        out.push(`${iface.name}: addresses ${addrs.join(',') || '(none)'}, want ${iface.address}`);
      }
      const { stdout } = await this.runner.run('wg', ['show', iface.name, 'dump']);
      out.push(...wireguardDrift(iface, parseWgDump(stdout)));
    }
    return out;
  }

  /** The real WireGuard state of one interface, or null if it does not exist. Holds keys: not for reports. */
  async dump(name: string): Promise<WgDump | null> {
    if (!(await this.links.get(name))) return null;
    const { stdout } = await this.runner.run('wg', ['show', name, 'dump']);
    return parseWgDump(stdout);
  }

  private async configureInterface(iface: InterfaceState): Promise<void> {
    await this.links.ensure(iface.name);
    // syncconf, not setconf: setconf re-creates every peer and so drops every session.
    await withSecretFile(renderInterfaceConfig(iface), (path) => this.runner.run('wg', ['syncconf', iface.name, path]));
    await this.links.setAddress(iface.name, iface.address);
    await this.links.setMtuUp(iface.name, iface.mtu ?? DEFAULT_MTU);
  }

  /** At most two wg invocations for any number of peer changes on one interface. */
  private async applyPeerDelta(
    ifname: string,
    removed: readonly PeerState[],
    added: readonly PeerState[],
    changed: readonly { previous: PeerState; next: PeerState }[],
  ): Promise<void> {
    const removeKeys = removed.map((p) => p.publicKey);
    const upsert = [...added];
    for (const c of changed) {
      if (!wireguardPeerChanged(c.previous, c.next)) continue;
      if (c.previous.publicKey !== c.next.publicKey) removeKeys.push(c.previous.publicKey);
      upsert.push(c.next);
    }
    // A key removed and re-added in the same batch (peer re-created) must end up present.
    const keep = new Set(upsert.map((p) => p.publicKey));
    const toRemove = [...new Set(removeKeys)].filter((k) => !keep.has(k));
    if (toRemove.length > 0) {
      // Removing a key that is already gone is not an error for wg, so this is idempotent.
      await this.runner.run('wg', ['set', ifname, ...toRemove.flatMap((k) => ['peer', k, 'remove'])]);
    }
    if (upsert.length > 0) {
      // addconf creates or updates in place (AllowedIPs replaced): unchanged sessions survive.
      // Preshared keys are in the file, never on argv.
      await withSecretFile(renderPeersConfig(upsert), (path) => this.runner.run('wg', ['addconf', ifname, path]));
    }
  }

  private async reportInterface(name: string): Promise<WireGuardInterfaceReport> {
    const link = await this.links.get(name);
    if (!link) return { name, present: false, up: false, mtu: null, addresses: [], publicKey: null, listenPort: null, peers: [] };
    const { stdout } = await this.runner.run('wg', ['show', name, 'dump']);
    const dump = parseWgDump(stdout);
    return {
      name,
      present: true,
      up: link.up,
      mtu: link.mtu,
      addresses: await this.links.addresses(name),
      publicKey: dump.publicKey,
      listenPort: dump.listenPort,
      // Deliberately drops preshared keys (and the dump's private key).
      peers: dump.peers.map((p) => ({
        publicKey: p.publicKey,
        endpoint: p.endpoint,
        allowedIps: p.allowedIps,
        latestHandshake: p.latestHandshake,
        rxBytes: p.rxBytes,
        txBytes: p.txBytes,
      })),
    };
  }
}
