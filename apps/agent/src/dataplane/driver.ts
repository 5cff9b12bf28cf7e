import type { HostDesiredState, HostDiff } from '@wgfleet/domain';

// The contract every host subsystem (WireGuard, nftables, tc) implements. A full converge runs
// every driver's prepare first, in order — wireguard, nftables, then any others (tc) — then all
// applyFull concurrently. applyDiff runs in that same order when the diff adds, removes or
// reconfigures an interface, and concurrently when it changes only peers and port forwards.
// Either way a driver may assume the WireGuard interfaces of `state` exist when it runs, and must
// not depend on another driver's work of the same apply. When an applyDiff throws, the data
// plane runs a full converge.
//
// Semantics every implementation must honour:
// - applyFull converges the host to `state` from ANY starting point (fresh host, half-applied,
//   hand-edited) and touches only objects the driver itself owns (its interfaces, its nft table,
//   its qdiscs/classes/IFB devices). Idempotent, and it must not disturb what is already right
//   (no WireGuard session resets, no counter resets for unchanged peers where avoidable).
//   Objects it owns that `state` no longer lists (e.g. a removed interface) are removed.
// - prepare (optional) creates what other drivers hang off (WireGuard: its interfaces). It must be
//   idempotent: applyFull may repeat it so that it stays self-contained.
// - applyDiff applies only what `diff` (= diffHostStates(prev, next)) lists: O(1) kernel
//   operations per changed peer / port forward and no full dumps of the host. It may assume the
//   host matches `prev`; if that turns out wrong it throws and the caller runs applyFull.
// - removeAll (optional) tears down everything the driver owns for `state` (uninstall, tests).
// - report (optional) reads back what the host really runs, for the "dataplane" report.
//   It must return a JSON-serialisable object.
// - detectDrift (optional) cheaply compares the host with `state` and returns one human-readable
//   line per difference (empty = in sync; no secrets in the lines). The periodic drift loop
//   runs applyFull when any driver reports drift.

export interface DataPlaneDriver<TReport = unknown> {
  /** Short stable name used in reports and errors, e.g. "wireguard", "nftables", "tc". */
  readonly name: string;
  prepare?(state: HostDesiredState): Promise<void>;
  applyFull(state: HostDesiredState): Promise<void>;
  applyDiff(prev: HostDesiredState, next: HostDesiredState, diff: HostDiff): Promise<void>;
  removeAll?(state: HostDesiredState): Promise<void>;
  report?(state: HostDesiredState): Promise<TReport>;
  detectDrift?(state: HostDesiredState): Promise<string[]>;
}
