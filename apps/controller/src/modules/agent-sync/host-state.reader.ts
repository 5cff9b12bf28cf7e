import { Inject, Injectable } from '@nestjs/common';
import {
  changedIds,
  composeHostDelta,
  peerStateFrom,
  type HostDesiredState,
  type HostStateDelta,
  type InterfaceState,
  type PeerState,
  type PortForwardState,
  type Protocol,
  type SecretBox,
} from '@wgfleet/domain';
import { DataSource, type EntityManager } from 'typeorm';
import { SECRET_BOX } from '../../infra/crypto.module';
import type { ChangeRecord } from '../revisions/host-change.entity';

/** What to send an agent that holds revision N: nothing, a delta from N, or the whole state. */
export type SyncMessage = { kind: 'current'; revision: number } | { kind: 'delta'; delta: HostStateDelta } | { kind: 'snapshot'; state: HostDesiredState };

/**
 * Past this many changed rows a snapshot is sent instead: a delta that big would cost about as
 * much, and an agent that far behind is better served by a full converge.
 */
const MAX_DELTA_ROWS = 5_000;

interface InterfaceRow {
  id: string;
  name: string;
  address: string;
  listen_port: number;
  private_key_enc: string;
  mtu: number | null;
  nat_enabled: boolean;
  snat_address: string | null;
  internal_traffic: boolean;
  default_download_kbit: number;
  default_upload_kbit: number;
}

interface PeerRow {
  id: string;
  interface_id: string;
  interface_address: string;
  default_download_kbit: number;
  default_upload_kbit: number;
  public_key: string;
  preshared_key_enc: string | null;
  address: string;
  extra_allowed_ips: string[];
  download_kbit: number | null;
  upload_kbit: number | null;
  suspended: boolean;
}

interface ForwardRow {
  id: string;
  interface_id: string;
  protocol: Protocol;
  port: number;
  target_port: number;
  peer_address: string;
}

const INTERFACE_COLUMNS = `i.id, i.name, text(i.address) AS address, i.listen_port, i.private_key_enc, i.mtu, i.nat_enabled, host(i.snat_address) AS snat_address,
  i.internal_traffic, i.default_download_kbit, i.default_upload_kbit`;
const PEER_COLUMNS = `p.id, p.interface_id, text(i.address) AS interface_address, i.default_download_kbit, i.default_upload_kbit, p.public_key, p.preshared_key_enc,
  host(p.address) AS address, p.extra_allowed_ips, p.download_kbit, p.upload_kbit, p.suspended_reason IS NOT NULL AS suspended`;
const FORWARD_COLUMNS = `f.id, f.interface_id, f.protocol, f.port, f.target_port, host(p.address) AS peer_address`;

/**
 * Builds a host's desired state from Postgres: whole (snapshots) or as the rows its change
 * records name (deltas, O(changes) whatever the host's size). Each read runs in one REPEATABLE
 * READ transaction, so the state is exactly the one at the revision it carries. Every query is
 * scoped by host id: a host's stream never sees another host's rows.
 */
@Injectable()
export class HostStateReader {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SECRET_BOX) private readonly secrets: SecretBox,
  ) {}

  /** What an agent holding `heldRevision` (0: nothing) needs to reach the current revision. */
  next(hostId: string, heldRevision: number): Promise<SyncMessage> {
    return this.dataSource.transaction('REPEATABLE READ', async (m) => {
      const host = await this.host(m, hostId);
      if (heldRevision === host.revision) return { kind: 'current', revision: host.revision };
      // A revision ahead of ours (the database was restored from a backup) or unknown: resync whole.
      if (heldRevision > 0 && heldRevision < host.revision) {
        const delta = await this.delta(m, hostId, heldRevision, host);
        if (delta) return { kind: 'delta', delta };
      }
      return { kind: 'snapshot', state: await this.snapshot(m, hostId, host) };
    });
  }

  private async host(m: EntityManager, hostId: string): Promise<{ revision: number; publicAddress: string | null }> {
    const [row] = (await m.query(`SELECT desired_revision::text AS revision, public_address FROM hosts WHERE id = $1`, [hostId])) as Array<{
      revision: string;
      public_address: string | null;
    }>;
    if (!row) throw new HostGoneError(hostId);
    return { revision: Number(row.revision), publicAddress: row.public_address };
  }

  private async snapshot(m: EntityManager, hostId: string, host: { revision: number; publicAddress: string | null }): Promise<HostDesiredState> {
    const interfaces = await this.interfaces(m, hostId, `i.host_id = $1`, [hostId]);
    return { hostId, revision: host.revision, publicAddress: host.publicAddress, interfaces };
  }

  /** null when the change records since `from` are incomplete (pruned) or too many. */
  private async delta(m: EntityManager, hostId: string, from: number, host: { revision: number; publicAddress: string | null }): Promise<HostStateDelta | null> {
    if (host.revision - from > MAX_DELTA_ROWS) return null;
    const records = (await m.query(`SELECT changes FROM host_changes WHERE host_id = $1 AND revision > $2 AND revision <= $3`, [hostId, from, host.revision])) as Array<{
      changes: ChangeRecord[];
    }>;
    if (records.length !== host.revision - from) return null;
    const changed = changedIds(records.flatMap((r) => r.changes));
    if (changed.interfaceIds.length + changed.peerIds.length + changed.portForwardIds.length > MAX_DELTA_ROWS) return null;
    const interfaces = changed.interfaceIds.length ? await this.interfaces(m, hostId, `i.host_id = $1 AND i.id = ANY($2::uuid[])`, [hostId, changed.interfaceIds]) : [];
    const peers = changed.peerIds.length
      ? ((await m.query(`SELECT ${PEER_COLUMNS} FROM peers p JOIN interfaces i ON i.id = p.interface_id WHERE p.host_id = $1 AND p.id = ANY($2::uuid[])`, [
          hostId,
          changed.peerIds,
        ])) as PeerRow[])
      : [];
    // A changed peer may have a new address, which its port forwards point at: they go along.
    const forwards =
      changed.portForwardIds.length || changed.peerIds.length
        ? ((await m.query(
            `SELECT ${FORWARD_COLUMNS} FROM port_forwards f JOIN peers p ON p.id = f.peer_id
              WHERE f.host_id = $1 AND (f.id = ANY($2::uuid[]) OR f.peer_id = ANY($3::uuid[]))`,
            [hostId, changed.portForwardIds, changed.peerIds],
          )) as ForwardRow[])
        : [];
    return composeHostDelta({
      fromRevision: from,
      toRevision: host.revision,
      publicAddress: host.publicAddress,
      changed,
      interfaces,
      peers: peers.map((p) => ({ interfaceId: p.interface_id, peer: this.peer(p) })),
      portForwards: forwards.map((f) => ({ interfaceId: f.interface_id, forward: forward(f) })),
    });
  }

  /** Complete interfaces (with every peer and port forward) matching `where` over `interfaces i`. */
  private async interfaces(m: EntityManager, hostId: string, where: string, params: unknown[]): Promise<InterfaceState[]> {
    const rows = (await m.query(`SELECT ${INTERFACE_COLUMNS} FROM interfaces i WHERE ${where} ORDER BY i.created_at, i.id`, params)) as InterfaceRow[];
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const peers = (await m.query(
      `SELECT ${PEER_COLUMNS} FROM peers p JOIN interfaces i ON i.id = p.interface_id WHERE p.host_id = $1 AND p.interface_id = ANY($2::uuid[]) ORDER BY p.address`,
      [hostId, ids],
    )) as PeerRow[];
    const forwards = (await m.query(
      `SELECT ${FORWARD_COLUMNS} FROM port_forwards f JOIN peers p ON p.id = f.peer_id WHERE f.host_id = $1 AND f.interface_id = ANY($2::uuid[]) ORDER BY f.protocol, f.port`,
      [hostId, ids],
    )) as ForwardRow[];
    const byInterface = new Map<string, InterfaceState>(rows.map((r) => [r.id, this.interfaceState(r)]));
    for (const p of peers) byInterface.get(p.interface_id)?.peers.push(this.peer(p));
    for (const f of forwards) byInterface.get(f.interface_id)?.portForwards.push(forward(f));
    return [...byInterface.values()];
  }

  private interfaceState(r: InterfaceRow): InterfaceState {
    return {
      id: r.id,
      name: r.name,
      address: r.address,
      listenPort: r.listen_port,
      privateKey: this.secrets.open(r.private_key_enc, 'interface.private_key'),
      mtu: r.mtu,
      nat: { enabled: r.nat_enabled, snatAddress: r.snat_address },
      internalTraffic: r.internal_traffic,
      defaultBandwidth: { downloadKbit: r.default_download_kbit, uploadKbit: r.default_upload_kbit },
      peers: [],
      portForwards: [],
    };
  }

  private peer(r: PeerRow): PeerState {
    return peerStateFrom(
      {
        id: r.id,
        publicKey: r.public_key,
        presharedKey: r.preshared_key_enc ? this.secrets.open(r.preshared_key_enc, 'peer.preshared_key') : null,
        address: r.address,
        extraAllowedIps: r.extra_allowed_ips,
        downloadKbit: r.download_kbit,
        uploadKbit: r.upload_kbit,
        suspended: r.suspended,
      },
      { address: r.interface_address, defaultBandwidth: { downloadKbit: r.default_download_kbit, uploadKbit: r.default_upload_kbit } },
    );
  }
}

function forward(r: ForwardRow): PortForwardState {
  return { id: r.id, protocol: r.protocol, port: r.port, peerAddress: r.peer_address, targetPort: r.target_port };
}

/** The host was deleted while its agent was connected. */
export class HostGoneError extends Error {
  constructor(hostId: string) {
    super(`host ${hostId} no longer exists`);
    this.name = 'HostGoneError';
  }
}
