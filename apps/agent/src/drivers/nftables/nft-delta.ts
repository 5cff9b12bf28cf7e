import type { HostDiff, InterfaceState, PeerState } from '@wgfleet/domain';
import { blockedElement, portForwardElement, SETS, TABLE_FAMILY } from './nft-ruleset';

// Turns a diff into one small `nft -f -` batch of element updates (one transaction), or says
// the change needs the full table (interface-level rules changed).
//
// Deletions are written as "add X; delete X": nft fails a whole batch on deleting an element
// that is already gone, and the add makes the delete idempotent within the same transaction.

export type NftDelta = { kind: 'none' } | { kind: 'full' } | { kind: 'batch'; text: string };

export function renderDelta(prev: readonly InterfaceState[], diff: HostDiff, table: string): NftDelta {
  if (diff.addedInterfaces.length > 0 || diff.removedInterfaces.length > 0) return { kind: 'full' };
  const del: string[] = [];
  const add: string[] = [];
  const blocked = `${TABLE_FAMILY} ${table} ${SETS.blockedPeers}`;
  const forwards = `${TABLE_FAMILY} ${table} ${SETS.portForwards}`;
  for (const d of diff.changedInterfaces) {
    const old = prev.find((i) => i.id === d.iface.id);
    if (!old || (d.settingsChanged && nftSettingsChanged(old, d.iface))) return { kind: 'full' };
    const iface = d.iface;
    for (const p of d.removedPeers) if (!p.enabled) del.push(...remove(blocked, blockedElement(old, p)));
    for (const p of d.addedPeers) if (!p.enabled) add.push(element('add', blocked, blockedElement(iface, p)));
    for (const { previous, next } of d.changedPeers) {
      if (!nftPeerChanged(previous, next)) continue;
      if (!previous.enabled) del.push(...remove(blocked, blockedElement(old, previous)));
      if (!next.enabled) add.push(element('add', blocked, blockedElement(iface, next)));
    }
    for (const f of d.removedPortForwards) del.push(...remove(forwards, portForwardElement(f)));
    for (const f of d.addedPortForwards) add.push(element('add', forwards, portForwardElement(f)));
  }
  // Deletes first: a forward re-pointed to another peer is a removal plus an addition of the same key.
  const lines = [...del, ...add];
  return lines.length === 0 ? { kind: 'none' } : { kind: 'batch', text: lines.join('\n') + '\n' };
}

function element(verb: 'add' | 'delete', set: string, el: string): string {
  return `${verb} element ${set} { ${el} }`;
}

function remove(set: string, el: string): string[] {
  return [element('add', set, el), element('delete', set, el)];
}

function nftPeerChanged(a: PeerState, b: PeerState): boolean {
  return a.enabled !== b.enabled || a.address !== b.address;
}

/** Interface settings that appear in the table's rules. */
function nftSettingsChanged(a: InterfaceState, b: InterfaceState): boolean {
  return (
    a.name !== b.name ||
    a.address !== b.address ||
    a.nat.enabled !== b.nat.enabled ||
    a.nat.snatAddress !== b.nat.snatAddress ||
    a.internalTraffic !== b.internalTraffic
  );
}
