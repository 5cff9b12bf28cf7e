import { Injectable } from '@nestjs/common';
import type { JsonObject } from '../../common/json';
import { allPages } from '../../common/pagination';
import type { Actor } from '../access/principal';
import { HostsService } from '../hosts/hosts.service';
import type { InterfaceEntity } from '../interfaces/interface.entity';
import { CreateInterfaceDto, UpdateInterfaceDto } from '../interfaces/interfaces.dto';
import { InterfacesService, toInterfaceDto } from '../interfaces/interfaces.service';
import { PortForwardsService } from '../port-forwards/port-forwards.service';
import { DataplaneService } from '../stats/dataplane.service';
import type { DataplaneDto } from '../stats/stats.dto';
import { PuqDirectory } from './puq-directory.service';
import { PuqError } from './puq-envelope';
import { PUQ_TEXT, translated, type ErrorRule } from './puq-errors';
import { renderDump, renderFilterRules, renderNatRules, renderTrafficControl, type InterfaceFacts, type PuqDump } from './puq-dataplane-text';
import { bodyOf, parseForwardInput, parseForwardKey, parseServerInput, type ServerInput } from './puq-input';
import { nativeDto } from './puq-native-dto';
import { forwardKey, interfaceFields, keyedBy, toPuqForward, toPuqServer, wireguardInfo, type PuqForward, type PuqServer, type WireguardInfo } from './puq-output';

// Native error → PUQ text, per call (the seed's lists).
const SERVER_FIELD_RULES: ErrorRule[] = [
  { code: 'VALIDATION_FAILED', field: 'privateKey', text: PUQ_TEXT.keysInvalid },
  { code: 'VALIDATION_FAILED', field: 'publicKey', text: PUQ_TEXT.keysInvalid },
  { code: 'VALIDATION_FAILED', field: 'name', text: PUQ_TEXT.wrongInterfaceName },
  { code: 'VALIDATION_FAILED', field: 'displayName', text: PUQ_TEXT.wrongName },
  { code: 'VALIDATION_FAILED', field: 'address', text: PUQ_TEXT.wrongIp },
  { code: 'VALIDATION_FAILED', field: 'listenPort', text: PUQ_TEXT.wrongPort },
  { code: 'VALIDATION_FAILED', field: 'endpoint', text: PUQ_TEXT.wrongExternalIp },
  { code: 'VALIDATION_FAILED', field: 'nat.snatAddress', text: PUQ_TEXT.wrongExternalIp },
  { code: 'VALIDATION_FAILED', field: 'dns', text: PUQ_TEXT.wrongDns1 },
  { code: 'VALIDATION_FAILED', field: 'persistentKeepalive', text: PUQ_TEXT.wrongKeepAlive },
  { code: 'VALIDATION_FAILED', field: 'defaultBandwidth.downloadKbit', text: PUQ_TEXT.wrongBandwidth },
  { code: 'VALIDATION_FAILED', field: 'defaultBandwidth.uploadKbit', text: PUQ_TEXT.wrongBandwidth },
  { code: 'NAME_TAKEN', field: 'name', text: PUQ_TEXT.interfaceInUse },
  { code: 'PORT_IN_USE', text: PUQ_TEXT.portInUse },
  { code: 'NO_FREE_PORT', text: PUQ_TEXT.portInUse },
  { code: 'SUBNET_OVERLAP', text: PUQ_TEXT.subnetInUse },
  { code: 'POOL_EXHAUSTED', text: PUQ_TEXT.subnetInUse },
];
const CREATE_SERVER_RULES: ErrorRule[] = [
  // No host named and no default host: there is no server to create the interface on.
  { code: 'VALIDATION_FAILED', field: 'hostId', text: PUQ_TEXT.serverNotFound },
  { code: 'NOT_FOUND', text: PUQ_TEXT.serverNotFound },
  ...SERVER_FIELD_RULES,
];
const UPDATE_SERVER_RULES: ErrorRule[] = [{ code: 'NOT_FOUND', text: PUQ_TEXT.serverNotFound }, ...SERVER_FIELD_RULES];
const DELETE_SERVER_RULES: ErrorRule[] = [
  { code: 'NOT_FOUND', text: PUQ_TEXT.serverNotFound },
  { code: 'INTERFACE_HAS_PEERS', text: PUQ_TEXT.hasPeers },
];
const SERVER_READ_RULES: ErrorRule[] = [{ code: 'NOT_FOUND', text: PUQ_TEXT.serverNotFound }];
const REMOVE_FORWARD_RULES: ErrorRule[] = [{ code: 'NOT_FOUND', text: PUQ_TEXT.noSuchForward }];

/** Largest available_ips answer: every free address of a /16. */
const MAX_AVAILABLE_IPS = 65_534;
const PAGE = 500;

/** PUQ "wireguard" and port-forward calls, translated onto the native interface, forward and dataplane services. */
@Injectable()
export class PuqServersService {
  constructor(
    private readonly interfaces: InterfacesService,
    private readonly forwards: PortForwardsService,
    private readonly hosts: HostsService,
    private readonly dataplane: DataplaneService,
    private readonly directory: PuqDirectory,
  ) {}

  /** What the default host's agent reported about its WireGuard (host facts); empty strings until it has. */
  async info(): Promise<WireguardInfo> {
    const host = await this.hosts.defaultHost().catch(() => null);
    return wireguardInfo(host?.facts ?? {});
  }

  /**
   * `withPrivateKey`: whether the caller's key may write. The seed returns each server's private key,
   * and a billing panel (an admin or operator key) may need it to re-create a server elsewhere; a
   * readonly key (dashboards, monitoring) gets "" instead, as the native API never shows interface
   * private keys at all: a read-only credential must not yield the key that impersonates the server.
   */
  async list(withPrivateKey: boolean): Promise<Record<string, PuqServer>> {
    const [servers, addresses] = await Promise.all([this.directory.allServers(), this.directory.hostAddresses()]);
    return keyedBy(
      servers.map((i) => this.present(i, addresses.get(i.hostId) ?? null, withPrivateKey)),
      (s) => s.name,
    );
  }

  /** `withPrivateKey` as for list(). */
  async get(name: string, withPrivateKey: boolean): Promise<PuqServer> {
    return this.render(await this.directory.server(name), withPrivateKey);
  }

  async create(rawBody: unknown, actor: Actor): Promise<PuqServer> {
    const input = parseServerInput(bodyOf(rawBody));
    // PUQ server names are unique across the install (they address the server in every call);
    // natively display names are free text. Checked here, before the write (a race between two
    // creates of one name is not excluded by a constraint).
    if (input.name !== undefined && (await this.directory.serverNameTaken(input.name))) throw new PuqError(PUQ_TEXT.nameInUse);
    const name = input.name ?? (await this.directory.freeServerName(input.interfaceName));
    const fields = { ...interfaceFields({ ...input, name }, null), ...(input.privateKey ? { privateKey: input.privateKey } : {}) };
    const created = await translated(CREATE_SERVER_RULES, async () => {
      const dto = nativeDto(CreateInterfaceDto, fields);
      return this.interfaces.create(dto, actor, { publicKey: input.publicKey, extra: { ikev2: input.ikev2 ?? false } });
    });
    // Only keys that may write get here: the answer carries the private key (see list()).
    return this.render(await this.directory.interfaceById(created.body.id), true);
  }

  /** `name` is not editable (the seed's EDIT takes no name); the kernel name is, as `interface_name`. */
  async update(name: string, rawBody: unknown, actor: Actor): Promise<PuqServer> {
    const iface = await this.directory.server(name);
    const input: ServerInput = { ...parseServerInput(bodyOf(rawBody)), name: undefined };
    const extra: JsonObject | undefined = input.ikev2 === undefined ? undefined : { ikev2: input.ikev2 };
    await translated(UPDATE_SERVER_RULES, async () => {
      const dto = nativeDto(UpdateInterfaceDto, interfaceFields(input, toInterfaceDto(iface)));
      return this.interfaces.update(iface.id, dto, actor, { privateKey: input.privateKey, publicKey: input.publicKey, extra });
    });
    return this.render(await this.directory.interfaceById(iface.id), true);
  }

  /** Refused while the server has peers (the native ?force is never used). */
  async remove(name: string, actor: Actor): Promise<'success'> {
    const iface = await this.directory.server(name);
    await translated(DELETE_SERVER_RULES, () => this.interfaces.remove(iface.id, false, actor));
    return 'success';
  }

  async forwardsOf(name: string): Promise<Record<string, PuqForward>> {
    const iface = await this.directory.server(name);
    const peerNames = new Map((await this.directory.accounts(iface.id)).map((p) => [p.id, p.name]));
    const forwards = await allPages((cursor) => translated(SERVER_READ_RULES, () => this.forwards.list(iface.id, { limit: PAGE, cursor })));
    const items = forwards.map((f) => toPuqForward(f, peerNames.get(f.peerId) ?? ''));
    return keyedBy(items, (f) => forwardKey({ port: f.dst_port, protocol: f.protocol }));
  }

  /**
   * `POST wireguard/<name>/port_forwarding` (server from the path) and `POST port_forward` (server
   * from `wg_name`, else the server of the account `to_peer` names).
   */
  async addForward(serverName: string | undefined, rawBody: unknown, actor: Actor): Promise<PuqForward> {
    const body = bodyOf(rawBody);
    const named = serverName ?? parseForwardWgName(body);
    const server = named !== undefined ? await this.directory.server(named) : null;
    const input = parseForwardInput(body);
    const peerOfServer = server ? await this.directory.accountOn(server.id, input.toPeer) : await this.directory.account(input.toPeer).catch(() => null);
    if (!peerOfServer) throw new PuqError(PUQ_TEXT.incorrectPeer);
    const iface = server ?? (await this.directory.interfaceById(peerOfServer.interfaceId));
    const rules: ErrorRule[] = [
      // The peer went away meanwhile.
      { code: 'NOT_FOUND', message: /^Peer\b/, text: PUQ_TEXT.incorrectPeer },
      { code: 'NOT_FOUND', text: PUQ_TEXT.serverNotFound },
      { code: 'VALIDATION_FAILED', field: 'peerId', text: PUQ_TEXT.incorrectPeer },
      { code: 'PORT_IN_USE', text: PUQ_TEXT.forwardExists },
      // Its own listen port, or another interface's on the same host.
      { code: 'PORT_IS_LISTEN_PORT', text: input.dstPort === iface.listenPort ? PUQ_TEXT.dstIsListenPort : PUQ_TEXT.listenPortError },
    ];
    const created = await translated(rules, () =>
      this.forwards.create(iface.id, { protocol: input.protocol, port: input.dstPort, peerId: peerOfServer.id, targetPort: input.toPort }, actor),
    );
    return toPuqForward(created.body, peerOfServer.name);
  }

  async removeForward(serverName: string | undefined, dstPort: string, protocol: string, actor: Actor): Promise<'success'> {
    const server = serverName !== undefined ? await this.directory.server(serverName) : null;
    const forward = await this.directory.forward(parseForwardKey(dstPort, protocol), server?.id ?? null);
    await translated(REMOVE_FORWARD_RULES, () => this.forwards.remove(forward.id, actor));
    return 'success';
  }

  async natRules(name: string): Promise<string> {
    const { iface, report } = await this.reported(name);
    return report ? renderNatRules(report.nftables, facts(iface)) : '';
  }

  async filterRules(name: string): Promise<string> {
    const { iface, report } = await this.reported(name);
    return report ? renderFilterRules(report.nftables, facts(iface)) : '';
  }

  async trafficControl(name: string): Promise<string> {
    const { iface, report } = await this.reported(name);
    return report ? renderTrafficControl(report.tc, iface.name) : '';
  }

  async dump(name: string): Promise<PuqDump> {
    const { iface, report } = await this.reported(name);
    return renderDump(report ? report.wireguard : null, iface.name);
  }

  async availableIps(name: string): Promise<string[]> {
    const iface = await this.directory.server(name);
    const result = await translated(SERVER_READ_RULES, () => this.interfaces.availableIps(iface.id, MAX_AVAILABLE_IPS));
    return result.items;
  }

  /** Every peer follows the server's default bandwidth again. The seed answers an empty msg. */
  async applyDefaultBandwidth(name: string, actor: Actor): Promise<''> {
    const iface = await this.directory.server(name);
    await translated(SERVER_READ_RULES, () => this.interfaces.applyDefaultBandwidth(iface.id, actor));
    return '';
  }

  /** The named server and what its agent last reported of its data plane (null before the first report). */
  private async reported(name: string): Promise<{ iface: InterfaceEntity; report: DataplaneDto | null }> {
    const iface = await this.directory.server(name);
    const report = await this.dataplane.forInterface(iface.id);
    return { iface, report: report.state === 'reported' ? report : null };
  }

  private async render(iface: InterfaceEntity, withPrivateKey: boolean): Promise<PuqServer> {
    const host = await this.hosts.find(iface.hostId);
    return this.present(iface, host.publicAddress, withPrivateKey);
  }

  private present(iface: InterfaceEntity, hostAddress: string | null, withPrivateKey: boolean): PuqServer {
    const privateKey = withPrivateKey ? this.directory.serverPrivateKey(iface) : '';
    return toPuqServer(toInterfaceDto(iface), { privateKey, ikev2: iface.extra['ikev2'] === true, hostAddress });
  }
}

function facts(iface: InterfaceEntity): InterfaceFacts {
  return { name: iface.name, address: iface.address, snatAddress: iface.natEnabled ? iface.snatAddress : null };
}

function parseForwardWgName(body: Record<string, unknown>): string | undefined {
  const value = body['wg_name'];
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}
