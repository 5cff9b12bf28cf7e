import { ApiError } from '../../common/api-error';
import type { WriteTx } from '../revisions/host-writer';

// What an interface's peers already hold, asked under the interface lock (WriteTx.lockInterface)
// so the answers stay true until COMMIT. Each query reads only the rows it needs: creating a peer
// on an interface with 50,000 peers costs what it costs with 5. The unique constraints still
// settle anything a caller forgot to lock.

/** Another peer's extra routed network. */
export interface ExtraRoute {
  peerId: string;
  name: string;
  cidr: string;
}

/** Friendly 409s for a requested name or public key that another peer of the interface uses. */
export async function assertNameAndKeyFree(tx: WriteTx, interfaceId: string, wanted: { name?: string; publicKey?: string }): Promise<void> {
  if (wanted.name === undefined && wanted.publicKey === undefined) return;
  const [row] = (await tx.manager.query(
    `SELECT bool_or(name = $2) AS name_taken, bool_or(public_key = $3) AS key_taken
       FROM peers WHERE interface_id = $1 AND (name = $2 OR public_key = $3)`,
    [interfaceId, wanted.name ?? null, wanted.publicKey ?? null],
  )) as Array<{ name_taken: boolean | null; key_taken: boolean | null }>;
  if (row?.name_taken) throw ApiError.conflict('NAME_TAKEN', `A peer named '${wanted.name}' already exists on this interface`, 'name');
  if (row?.key_taken) throw ApiError.conflict('PUBLIC_KEY_IN_USE', 'This public key is already used by another peer of the interface', 'publicKey');
}

/**
 * `base`, or `base-2`, `base-3`... when taken: an unnamed peer is named after its address, and a
 * peer that moved away from an address keeps the name it got there.
 */
export async function unusedName(tx: WriteTx, interfaceId: string, base: string): Promise<string> {
  const rows = (await tx.manager.query(`SELECT name FROM peers WHERE interface_id = $1 AND (name = $2 OR name LIKE $3)`, [
    interfaceId,
    base,
    `${base}-%`,
  ])) as Array<{ name: string }>;
  const taken = new Set(rows.map((r) => r.name));
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
  return name;
}

/** Name of the peer holding `address` on the interface, or null. */
export async function addressOwner(tx: WriteTx, interfaceId: string, address: string): Promise<string | null> {
  const [row] = (await tx.manager.query(`SELECT name FROM peers WHERE interface_id = $1 AND address = $2::inet`, [interfaceId, address])) as Array<{ name: string }>;
  return row?.name ?? null;
}

/**
 * The lowest free peer address of the interface (never the network, broadcast or interface
 * address), or null when the subnet is full. The interface row keeps a hint below which every
 * address is taken — a trigger lowers it when a peer frees an address — so the search starts
 * there and probes O(1) addresses per create instead of reading every peer. Candidates are
 * probed one index lookup each (a correlated subquery the planner cannot turn into a scan of all
 * peers); when nothing is free above the hint, the whole subnet is searched once more.
 */
export async function allocateAddress(tx: WriteTx, interfaceId: string): Promise<string | null> {
  return (
    (await searchFree(tx, interfaceId, true, FIRST_WINDOW)) ??
    (await searchFree(tx, interfaceId, true, null)) ??
    (await searchFree(tx, interfaceId, false, null))
  );
}

/**
 * Candidates probed by the usual search. generate_series is materialized in full before LIMIT
 * applies (5 ms for a /16), so the common case — a free address right at the hint — looks at a
 * small window first and only a crowded or stale hint pays for the whole subnet.
 */
const FIRST_WINDOW = 256;

async function searchFree(tx: WriteTx, interfaceId: string, fromHint: boolean, window: number | null): Promise<string | null> {
  const [row] = (await tx.manager.query(
    `WITH bounds AS (
       -- A hint outside the subnet (left from an address the interface had before) is ignored.
       SELECT CASE WHEN $2 AND peer_address_hint << network(address) THEN peer_address_hint
                   ELSE set_masklen(network(address), 32) + 1 END AS first,
              set_masklen(broadcast(address), 32) AS broadcast,
              set_masklen(address, 32) AS own
         FROM interfaces WHERE id = $1
     ), pick AS (
       SELECT b.first + g AS address
         FROM bounds b, generate_series(0, LEAST(b.broadcast - b.first - 1, $3::bigint)) AS g
        WHERE b.first + g <> b.own
          AND (SELECT 1 FROM peers p WHERE p.interface_id = $1 AND p.address = b.first + g LIMIT 1) IS NULL
        LIMIT 1
     ), raised AS (
       UPDATE interfaces i SET peer_address_hint = pick.address + 1 FROM pick WHERE i.id = $1 RETURNING pick.address
     )
     -- A SELECT on top: TypeORM returns an UPDATE's rows in another shape.
     SELECT host(address) AS address FROM raised`,
    [interfaceId, fromHint, window],
  )) as Array<{ address: string }>;
  return row?.address ?? null;
}

/** Extra networks routed to the interface's peers (only peers that have any). */
export async function extraRoutesOf(tx: WriteTx, interfaceId: string): Promise<ExtraRoute[]> {
  const rows = (await tx.manager.query(
    `SELECT id, name, extra_allowed_ips FROM peers WHERE interface_id = $1 AND extra_allowed_ips <> '{}'`,
    [interfaceId],
  )) as Array<{ id: string; name: string; extra_allowed_ips: string[] }>;
  return rows.flatMap((r) => r.extra_allowed_ips.map((cidr) => ({ peerId: r.id, name: r.name, cidr })));
}
