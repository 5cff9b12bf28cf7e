import { randomInt } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { SecretBox } from '@wgfleet/domain';
import type { EntityManager, Repository } from 'typeorm';
import { SECRET_BOX } from '../../infra/crypto.module';
import { HostEntity } from '../hosts/host.entity';
import { InterfaceEntity } from '../interfaces/interface.entity';
import { PeerEntity } from '../peers/peer.entity';
import { PortForwardEntity } from '../port-forwards/port-forward.entity';
import { PuqError } from './puq-envelope';
import { PUQ_TEXT } from './puq-errors';
import type { AccountSecrets } from './puq-output';

// Where PUQ keeps its own account fields on a native peer. PUQ's username and password are account
// credentials (its panels show them to customers), not the panel's id for the peer, so they go to
// `metadata` rather than `externalId`, which panels use for their own service ids. The password is
// returned by `GET account`, so it cannot be hashed: it is sealed with the master key (AES-256-GCM,
// like the private keys), and native readers of `metadata` only ever see the sealed value.
// A native PATCH that replaces `metadata` wholesale drops both; PUQ then shows them empty.
export const PUQ_USERNAME = 'puqUsername';
export const PUQ_PASSWORD = 'puqPassword';
const PASSWORD_CONTEXT = 'peer.metadata.puqPassword';
// The same associated data the native services seal these columns with.
const INTERFACE_KEY_CONTEXT = 'interface.private_key';
const PEER_KEY_CONTEXT = 'peer.private_key';

/** An interface by PUQ server name (see PuqDirectory.server), over alias `i`. */
const BY_PUQ_NAME = '(i.display_name = :name OR (i.display_name IS NULL AND i.name = :name))';

const PASSWORD_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789@#$%';

/**
 * Read side of the PUQ surface: finds servers, accounts and forwards by the names PUQ addresses
 * them with, and opens the secrets PUQ returns. It never writes; every write goes through the
 * native services.
 */
@Injectable()
export class PuqDirectory {
  constructor(
    @InjectRepository(InterfaceEntity) private readonly interfaces: Repository<InterfaceEntity>,
    @InjectRepository(PeerEntity) private readonly peers: Repository<PeerEntity>,
    @InjectRepository(PortForwardEntity) private readonly forwards: Repository<PortForwardEntity>,
    @InjectRepository(HostEntity) private readonly hosts: Repository<HostEntity>,
    @Inject(SECRET_BOX) private readonly secrets: SecretBox,
  ) {}

  /**
   * A server by PUQ name: its display name, or the kernel name of one made natively without a
   * display name. Display names are not unique natively; the oldest match wins.
   */
  async server(name: string, notFound: string = PUQ_TEXT.serverNotFound): Promise<InterfaceEntity> {
    const found = await this.interfaces
      .createQueryBuilder('i')
      .where(BY_PUQ_NAME, { name })
      .orderBy('i.created_at')
      .addOrderBy('i.id')
      .getOne();
    if (!found) throw new PuqError(notFound);
    return found;
  }

  async allServers(): Promise<InterfaceEntity[]> {
    return this.interfaces.find({ order: { createdAt: 'ASC', id: 'ASC' } });
  }

  async serverNameTaken(name: string): Promise<boolean> {
    return this.interfaces.createQueryBuilder('i').where(BY_PUQ_NAME, { name }).getExists();
  }

  /** "Default_<n>" for an omitted server name: n of the kernel name wg<n> when free, else the first free n. */
  async freeServerName(kernelName: string | undefined): Promise<string> {
    const preferred = kernelName ? `Default_${kernelName.slice(2)}` : null;
    if (preferred && !(await this.serverNameTaken(preferred))) return preferred;
    return `Default_${await this.nextNumber(this.interfaces.manager, `SELECT coalesce(display_name, name) AS v FROM interfaces`, 'Default_')}`;
  }

  /** Accounts by PUQ name. Peer names are unique per interface natively and across servers through PUQ. */
  async account(name: string): Promise<PeerEntity> {
    const found = await this.peers.findOne({ where: { name }, order: { createdAt: 'ASC', id: 'ASC' } });
    if (!found) throw new PuqError(PUQ_TEXT.accountNotFound);
    return found;
  }

  async accountOn(interfaceId: string, name: string): Promise<PeerEntity | null> {
    return this.peers.findOneBy({ interfaceId, name });
  }

  async accounts(interfaceId?: string): Promise<PeerEntity[]> {
    return this.peers.find({ where: interfaceId ? { interfaceId } : {}, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  /** Peers that handshook within `windowMs` (a superset check; the DTO decides "online"). */
  async recentlySeen(windowMs: number): Promise<PeerEntity[]> {
    return this.peers
      .createQueryBuilder('p')
      .where('p.last_handshake_at > now() - make_interval(secs => :secs)', { secs: windowMs / 1000 })
      .orderBy('p.created_at')
      .addOrderBy('p.id')
      .getMany();
  }

  /** How many accounts there are, and how many handshook within `windowMs`. */
  async accountCounts(windowMs: number): Promise<{ accounts: number; online: number }> {
    const [row] = (await this.peers.manager.query(
      `SELECT count(*)::int AS accounts, count(*) FILTER (WHERE last_handshake_at > now() - make_interval(secs => $1))::int AS online FROM peers`,
      [windowMs / 1000],
    )) as Array<{ accounts: number; online: number }>;
    return { accounts: row?.accounts ?? 0, online: row?.online ?? 0 };
  }

  /** `manager`: a write transaction's, to see its own snapshot (see PuqAccountsService.create). */
  async accountNameTaken(name: string, manager: EntityManager = this.peers.manager): Promise<boolean> {
    return manager.getRepository(PeerEntity).existsBy({ name });
  }

  async usernameTaken(username: string, manager: EntityManager = this.peers.manager): Promise<boolean> {
    return manager.getRepository(PeerEntity).createQueryBuilder('p').where(`p.metadata ->> '${PUQ_USERNAME}' = :username`, { username }).getExists();
  }

  async freeAccountName(): Promise<string> {
    return `peer_${await this.nextNumber(this.peers.manager, `SELECT name AS v FROM peers`, 'peer_')}`;
  }

  async freeUsername(): Promise<string> {
    return `user_${await this.nextNumber(this.peers.manager, `SELECT metadata ->> '${PUQ_USERNAME}' AS v FROM peers`, 'user_')}`;
  }

  /** One more than the highest <n> of the `<prefix><n>` values `sql` selects (as `v`). */
  private async nextNumber(manager: EntityManager, sql: string, prefix: string): Promise<number> {
    const pattern = `^${prefix}[0-9]{1,9}$`;
    const [row] = (await manager.query(`SELECT coalesce(max(substring(v FROM ${prefix.length + 1})::bigint), 0) + 1 AS n FROM (${sql}) s WHERE v ~ $1`, [pattern])) as Array<{
      n: string;
    }>;
    return Number(row?.n ?? 1);
  }

  /**
   * The server of an account or of a write just made. It can be gone by the time it is read (deleted
   * concurrently since the lookup that gave its id): that is the seed's "not found", not an error of ours.
   */
  async interfaceById(id: string): Promise<InterfaceEntity> {
    const found = await this.interfaces.findOneBy({ id });
    if (!found) throw new PuqError(PUQ_TEXT.serverNotFound);
    return found;
  }

  async interfacesById(ids: string[]): Promise<Map<string, InterfaceEntity>> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return new Map();
    const rows = await this.interfaces.createQueryBuilder('i').where('i.id IN (:...ids)', { ids: unique }).getMany();
    return new Map(rows.map((i) => [i.id, i]));
  }

  async hostAddresses(): Promise<Map<string, string | null>> {
    const rows = await this.hosts.find({ select: { id: true, publicAddress: true } });
    return new Map(rows.map((h) => [h.id, h.publicAddress]));
  }

  /** A port forward by public port and protocol: on the given server, else on any host (the default host's first). */
  async forward(key: { port: number; protocol: 'tcp' | 'udp' }, interfaceId: string | null): Promise<PortForwardEntity> {
    const qb = this.forwards
      .createQueryBuilder('f')
      .innerJoin(HostEntity, 'h', 'h.id = f.host_id')
      .where('f.port = :port AND f.protocol = :protocol', key)
      .orderBy('h.is_default', 'DESC')
      .addOrderBy('f.created_at');
    if (interfaceId) qb.andWhere('f.interface_id = :interfaceId', { interfaceId });
    const found = await qb.getOne();
    if (!found) throw new PuqError(PUQ_TEXT.noSuchForward);
    return found;
  }

  serverPrivateKey(iface: InterfaceEntity): string {
    return this.secrets.open(iface.privateKeyEnc, INTERFACE_KEY_CONTEXT);
  }

  accountSecrets(peer: PeerEntity): AccountSecrets {
    const sealed = peer.metadata[PUQ_PASSWORD];
    const username = peer.metadata[PUQ_USERNAME];
    return {
      privateKey: peer.privateKeyEnc ? this.secrets.open(peer.privateKeyEnc, PEER_KEY_CONTEXT) : null,
      password: typeof sealed === 'string' ? this.openPassword(sealed) : '',
      username: typeof username === 'string' ? username : '',
    };
  }

  sealPassword(password: string): string {
    return this.secrets.seal(password, PASSWORD_CONTEXT);
  }

  /** Ten characters like the seed's ("K@6#2XR9$3"), from a CSPRNG. */
  generatePassword(): string {
    let out = '';
    for (let i = 0; i < 10; i++) out += PASSWORD_ALPHABET[randomInt(PASSWORD_ALPHABET.length)];
    return out;
  }

  private openPassword(sealed: string): string {
    try {
      return this.secrets.open(sealed, PASSWORD_CONTEXT);
    } catch {
      // Not one we sealed (metadata edited natively): show no password rather than fail the read.
      return '';
    }
  }
}
