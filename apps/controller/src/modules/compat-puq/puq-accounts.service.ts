import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { Actor } from '../access/principal';
import type { InterfaceEntity } from '../interfaces/interface.entity';
import { ONLINE_WINDOW_MS, toInterfaceDto } from '../interfaces/interfaces.service';
import type { PeerEntity } from '../peers/peer.entity';
import { PeerConfigService } from '../peers/peer-config.service';
import { CreatePeerDto, UpdatePeerDto, type PeerDto } from '../peers/peers.dto';
import { PeersService, toPeerDto } from '../peers/peers.service';
import { PUQ_PASSWORD, PUQ_USERNAME, PuqDirectory } from './puq-directory.service';
import { PuqError } from './puq-envelope';
import { PUQ_TEXT, translated, type ErrorRule } from './puq-errors';
import { bodyOf, parseAccountInput } from './puq-input';
import { nativeDto } from './puq-native-dto';
import { keyedBy, peerCapacity, peerFields, toPuqAccount, toPuqOnline, type PuqAccount, type PuqOnlineAccount } from './puq-output';

const ACCOUNT_RULES: ErrorRule[] = [
  { code: 'NOT_FOUND', text: PUQ_TEXT.accountNotFound },
  { code: 'ADDRESS_IN_USE', text: PUQ_TEXT.ipInUse },
  // Outside the subnet, or its network/broadcast address: not a usable address of the server.
  { code: 'VALIDATION_FAILED', field: 'address', text: PUQ_TEXT.ipOutOfRange },
  { code: 'NO_FREE_ADDRESS', text: PUQ_TEXT.noFreeAddress },
  { code: 'NAME_TAKEN', text: PUQ_TEXT.nameInUse },
  { code: 'VALIDATION_FAILED', field: 'name', text: PUQ_TEXT.wrongName },
  { code: 'VALIDATION_FAILED', field: 'publicKey', text: PUQ_TEXT.keysInvalid },
  // A public key another account of the server already has is not a valid key for this one.
  { code: 'PUBLIC_KEY_IN_USE', text: PUQ_TEXT.keysInvalid },
  { code: 'VALIDATION_FAILED', field: 'allowedIps', text: PUQ_TEXT.wrongIp },
  { code: 'ALLOWED_IPS_OVERLAP', text: PUQ_TEXT.ipInUse },
  { code: 'VALIDATION_FAILED', field: 'bandwidth.downloadKbit', text: PUQ_TEXT.wrongBandwidth },
  { code: 'VALIDATION_FAILED', field: 'bandwidth.uploadKbit', text: PUQ_TEXT.wrongBandwidth },
];
const CREATE_ACCOUNT_RULES: ErrorRule[] = [{ code: 'NOT_FOUND', text: PUQ_TEXT.serverNotValid }, ...ACCOUNT_RULES];

export interface SystemStatus {
  count_accounts: number;
  count_wireguard: number;
  count_online: number;
  count_hosts: number;
  /** Peer addresses the servers' subnets hold, and how many of them are still free. */
  ip_capacity: number;
  ip_free: number;
}

/** PUQ "account" calls (an account is a native peer), `wireguard/online` and `system/status`. */
@Injectable()
export class PuqAccountsService {
  constructor(
    private readonly peers: PeersService,
    private readonly configs: PeerConfigService,
    private readonly directory: PuqDirectory,
  ) {}

  async list(serverName?: string): Promise<Record<string, PuqAccount>> {
    const server = serverName !== undefined ? await this.directory.server(serverName) : null;
    const peers = await this.directory.accounts(server?.id);
    const servers = server ? new Map([[server.id, server]]) : await this.directory.interfacesById(peers.map((p) => p.interfaceId));
    return keyedBy(this.presentAll(peers, servers), (a) => a.name);
  }

  async get(name: string): Promise<PuqAccount> {
    return this.render(await this.directory.account(name));
  }

  async create(rawBody: unknown, actor: Actor): Promise<PuqAccount> {
    const input = parseAccountInput(bodyOf(rawBody), true);
    if (input.wgName === undefined) throw new PuqError(PUQ_TEXT.serverNotValid);
    const server = await this.directory.server(input.wgName, PUQ_TEXT.serverNotValid);
    // Account names and usernames address accounts across the whole install in PUQ; natively a
    // name is unique per interface only, and no constraint covers it. Checked here for a quick
    // answer, and again inside the write under an install-wide lock, so racing creates cannot both
    // take a name.
    if (input.name !== undefined && (await this.directory.accountNameTaken(input.name))) throw new PuqError(PUQ_TEXT.nameInUse);
    if (input.username !== undefined && (await this.directory.usernameTaken(input.username))) throw new PuqError(PUQ_TEXT.usernameInUse);
    const name = input.name ?? (await this.directory.freeAccountName());
    const username = input.username ?? (await this.directory.freeUsername());
    const password = input.password ?? this.directory.generatePassword();
    const iface = toInterfaceDto(server);
    const fields = {
      ...peerFields({ ...input, name }, null, iface.defaultBandwidth),
      metadata: { [PUQ_USERNAME]: username, [PUQ_PASSWORD]: this.directory.sealPassword(password) },
    };
    const created = await translated(CREATE_ACCOUNT_RULES, async () => {
      const dto = nativeDto(CreatePeerDto, fields);
      return this.peers.create(server.id, dto, actor, { privateKey: input.privateKey, beforeInsert: (manager) => this.claimNames(manager, name, username) });
    });
    return this.render(await this.peers.find(created.body.id));
  }

  /** Serializes PUQ account creates install-wide until COMMIT, then re-checks their names. */
  private async claimNames(manager: EntityManager, name: string, username: string): Promise<void> {
    await manager.query(`SELECT pg_advisory_xact_lock(hashtext('wgfleet:puq-account-names'))`);
    if (await this.directory.accountNameTaken(name, manager)) throw new PuqError(PUQ_TEXT.nameInUse);
    if (await this.directory.usernameTaken(username, manager)) throw new PuqError(PUQ_TEXT.usernameInUse);
  }

  /** status, password, allowed_IPs, allowed_IPs_ipv6, b_download, b_upload (the rest is not editable through PUQ). */
  async update(name: string, rawBody: unknown, actor: Actor): Promise<PuqAccount> {
    const peer = await this.directory.account(name);
    const input = parseAccountInput(bodyOf(rawBody), false);
    const password = input.password === undefined ? undefined : this.directory.sealPassword(input.password);
    // What an edit keeps of the account (the metadata the password joins, the bandwidth direction
    // not given, the IPv4 routes an IPv6 change leaves) comes from the row the native write locks,
    // not from the read above: a native edit that landed in between would be overwritten.
    const fromCurrent = (current: PeerDto): UpdatePeerDto => {
      const fields = peerFields(input, current, current.bandwidth);
      if (password !== undefined) fields['metadata'] = { ...current.metadata, [PUQ_PASSWORD]: password };
      return nativeDto(UpdatePeerDto, fields);
    };
    await translated(ACCOUNT_RULES, () => this.peers.update(peer.id, {}, actor, { fromCurrent }));
    return this.render(await this.peers.find(peer.id));
  }

  async remove(name: string, actor: Actor): Promise<'success'> {
    const peer = await this.directory.account(name);
    await translated(ACCOUNT_RULES, () => this.peers.remove(peer.id, actor));
    return 'success';
  }

  async configText(name: string): Promise<string> {
    const peer = await this.directory.account(name);
    return translated(ACCOUNT_RULES, () => this.configs.configText(peer.id));
  }

  /** The config's QR code as base64 PNG. */
  async configQr(name: string): Promise<string> {
    const peer = await this.directory.account(name);
    return (await translated(ACCOUNT_RULES, () => this.configs.qrPng(peer.id))).toString('base64');
  }

  /** Accounts with a recent handshake, from the counters the agents report; keyed by account name. */
  async online(): Promise<Record<string, PuqOnlineAccount>> {
    const peers = await this.directory.recentlySeen(ONLINE_WINDOW_MS);
    const servers = await this.directory.interfacesById(peers.map((p) => p.interfaceId));
    const online: PuqOnlineAccount[] = [];
    for (const peer of peers) {
      const server = servers.get(peer.interfaceId);
      if (!server) continue;
      const dto = toPeerDto(peer, server);
      if (dto.status.online) online.push(toPuqOnline(this.present(peer, server), dto));
    }
    return keyedBy(online, (a) => a.name);
  }

  async status(): Promise<SystemStatus> {
    const [servers, counts, hosts] = await Promise.all([this.directory.allServers(), this.directory.accountCounts(ONLINE_WINDOW_MS), this.directory.hostAddresses()]);
    const capacity = servers.reduce((sum, i) => sum + peerCapacity(i.address), 0);
    return {
      count_accounts: counts.accounts,
      count_wireguard: servers.length,
      count_online: counts.online,
      count_hosts: hosts.size,
      ip_capacity: capacity,
      ip_free: Math.max(0, capacity - counts.accounts),
    };
  }

  private presentAll(peers: PeerEntity[], servers: Map<string, InterfaceEntity>): PuqAccount[] {
    return peers.flatMap((p) => {
      const server = servers.get(p.interfaceId);
      return server ? [this.present(p, server)] : [];
    });
  }

  private async render(peer: PeerEntity): Promise<PuqAccount> {
    return this.present(peer, await this.directory.interfaceById(peer.interfaceId));
  }

  private present(peer: PeerEntity, server: InterfaceEntity): PuqAccount {
    return toPuqAccount(toPeerDto(peer, server), toInterfaceDto(server), this.directory.accountSecrets(peer));
  }
}
