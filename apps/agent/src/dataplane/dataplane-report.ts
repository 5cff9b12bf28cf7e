import type { NftablesReport } from '../drivers/nftables/nft-report';
import type { WireGuardReport } from '../drivers/wireguard/wireguard-driver';

// What the host really runs, read back from the kernel, for the "dataplane" report and stats.

export interface DataPlaneReport {
  hostId: string;
  /** Revision of the last state applied by this process. */
  revision: number;
  readAt: string;
  wireguard: WireGuardReport;
  nftables: NftablesReport;
  /** Reports of the other drivers (tc...), keyed by driver name; each is that driver's own JSON object. */
  others: Record<string, unknown>;
}

export interface DriverTiming {
  driver: string;
  ms: number;
}

export interface ApplyResult {
  revision: number;
  /** noop: the diff was empty; incremental: applied by diff; full: whole-state converge. */
  mode: 'noop' | 'incremental' | 'full';
  /** Set when an incremental apply failed and a full apply was run instead. */
  incrementalError: string | null;
  ms: number;
  timings: DriverTiming[];
}

export interface DriftReport {
  revision: number;
  /** Per driver, one line per difference; a driver missing here reported none. */
  drift: Record<string, string[]>;
  inSync: boolean;
}
