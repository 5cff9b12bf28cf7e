import type { InterfaceDiff, PeerState } from '@wgfleet/domain';
import { classAddLine, l2TableLines, peerDelLines, peerFilterAddLine } from './tc-batch';
import {
  DEFAULT_CLASSES_PER_DEVICE,
  DIRECTIONS,
  MAX_SHARDS,
  deviceName,
  l2Table,
  shapedPeer,
  shardOf,
  type Direction,
  type IfbDevice,
  type ShapedPeer,
} from './tc-layout';

// Incremental planning: a diff of one interface → the few tc lines it needs, O(1) per changed
// peer, from the layout the driver remembers (shard counts, level-2 tables that exist).

export interface IfaceLayoutMemory {
  ifaceId: string;
  ifname: string;
  subnetCidr: string;
  shards: Record<Direction, number>;
  /** Number of peer classes per direction (to notice when shards get too crowded). */
  classes: Record<Direction, number>;
  /** Level-2 u32 tables present on each of our devices. */
  tables: Map<string, Set<number>>;
}

export interface PeerPlan {
  /** The interface needs a full rebuild instead (layout no longer fits). */
  needsFull: boolean;
  reason: string | null;
  lines: string[];
  /** Applied to the memory only once the lines ran successfully. */
  commit(): void;
}

function device(mem: IfaceLayoutMemory, direction: Direction, p: ShapedPeer): IfbDevice {
  const shard = shardOf(p.address, mem.shards[direction]);
  return { name: deviceName(mem.ifname, direction, shard), ifname: mem.ifname, direction, shard };
}

export function planPeerChanges(mem: IfaceLayoutMemory, diff: Pick<InterfaceDiff, 'addedPeers' | 'removedPeers' | 'changedPeers'>, classesPerDevice = DEFAULT_CLASSES_PER_DEVICE): PeerPlan {
  const dels: string[] = [];
  const adds: string[] = [];
  const newTables = new Map<string, Set<number>>();
  const delta: Record<Direction, number> = { down: 0, up: 0 };
  let reason: string | null = null;

  const pairs: Array<[PeerState | null, PeerState | null]> = [
    ...diff.removedPeers.map((p): [PeerState, null] => [p, null]),
    ...diff.changedPeers.map((c): [PeerState, PeerState] => [c.previous, c.next]),
    ...diff.addedPeers.map((p): [null, PeerState] => [null, p]),
  ];

  for (const direction of DIRECTIONS) {
    for (const [before, after] of pairs) {
      const old = before ? shapedPeer(before, direction) : null;
      const neu = after ? shapedPeer(after, direction) : null;
      if (!old && !neu) continue;
      if (old && neu && old.address === neu.address && old.shapingId === neu.shapingId) {
        if (old.rateKbit !== neu.rateKbit) adds.push(classAddLine(device(mem, direction, neu), neu, 'change'));
        continue;
      }
      if (old) {
        // Deletes go first in the batch, so a shapingId/address freed by one peer can be reused
        // by another in the same diff.
        dels.push(...peerDelLines(device(mem, direction, old), old));
        delta[direction]--;
      }
      if (neu) {
        if (mem.shards[direction] === 0) {
          reason = `first shaped peer for ${direction}load on ${mem.ifname}`;
          continue;
        }
        const dev = device(mem, direction, neu);
        const t = l2Table(neu.address);
        const known = mem.tables.get(dev.name);
        const pending = newTables.get(dev.name) ?? new Set<number>();
        if (!known?.has(t) && !pending.has(t)) {
          adds.push(...l2TableLines(dev, neu.address));
          pending.add(t);
          newTables.set(dev.name, pending);
        }
        adds.push(classAddLine(dev, neu), peerFilterAddLine(dev, neu));
        delta[direction]++;
      }
    }
    const total = mem.classes[direction] + delta[direction];
    if (mem.shards[direction] < MAX_SHARDS && total > 2 * classesPerDevice * mem.shards[direction] && mem.shards[direction] > 0) {
      reason = `${total} ${direction}load classes outgrew ${mem.shards[direction]} device(s)`;
    }
  }

  return {
    needsFull: reason !== null,
    reason,
    lines: [...dels, ...adds],
    commit() {
      for (const [dev, set] of newTables) {
        const known = mem.tables.get(dev) ?? new Set<number>();
        for (const t of set) known.add(t);
        mem.tables.set(dev, known);
      }
      mem.classes.down += delta.down;
      mem.classes.up += delta.up;
    },
  };
}
