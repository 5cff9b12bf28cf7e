// Pure translations between the generic "WireGuard API" (seed 001) and the native API. Everything
// that differs between the two surfaces is decided here; the controllers only route.
import { ApiError } from '../../common/api-error';
import type { InterfaceDto } from '../interfaces/interfaces.dto';
import type { CreatePeerDto, PeerDto } from '../peers/peers.dto';

/** The API's semantic version; `?version=` accepts this or `latest`. */
const WG_API_VERSION = '1.0.0';
export const WG_API_VERSIONS: readonly string[] = ['latest', WG_API_VERSION];

/** Error texts the seed names, by the situation that produces them. */
export const SEED_MESSAGES = {
  invalidPublicKey: 'Invalid public key provided.',
} as const;

/** `?version=`: absent, `latest` or `1.0.0`; anything else (also empty or repeated) is a 400. */
export function checkVersion(value: unknown): void {
  if (value === undefined) return;
  if (typeof value === 'string' && WG_API_VERSIONS.includes(value)) return;
  const shown = typeof value === 'string' ? `"${value}"` : 'a repeated or structured value';
  const message = `Unsupported API version ${shown}; use version=latest or version=${WG_API_VERSION}`;
  throw new ApiError(400, 'UNSUPPORTED_VERSION', message, [{ field: 'version', message }]);
}

/**
 * Request bodies may use the seed's snake_case spelling (`"public_key"`) as well as the native
 * camelCase one; keys are renamed at every level except inside free-form `metadata`. A key given
 * in both spellings keeps the snake_case one as is, so validation rejects it as an unknown field.
 */
export function toNativeBody(body: unknown): unknown {
  if (Array.isArray(body)) return body.map(toNativeBody);
  if (!isPlainObject(body)) return body;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    const camel = snakeToCamel(key);
    const target = camel !== key && !(camel in body) ? camel : key;
    // defineProperty, not assignment: a JSON "__proto__" key stays an own (and so unknown) field.
    Object.defineProperty(out, target, { value: target === 'metadata' ? value : toNativeBody(value), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** `public_key` → `publicKey`; anything not plain snake_case (`__proto__`, `Foo_Bar`) stays as it is. */
function snakeToCamel(key: string): string {
  if (!/^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$/.test(key)) return key;
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Native errors keep their body (`error`, `status`, `code`, `message`, `details`); where the seed
 * names a message for the situation, that message replaces the native one.
 */
export function translateError(error: unknown): unknown {
  if (!(error instanceof ApiError) || error.status !== 400) return error;
  if (error.details.some((d) => d.field === 'publicKey')) {
    return new ApiError(error.status, error.code, SEED_MESSAGES.invalidPublicKey, error.details, error.headers);
  }
  return error;
}

/** A created peer as the seed describes it: its details, including its private key when wgfleet made it. */
export type WgCreatedPeer = PeerDto & { privateKey: string | null };

export function createdPeer(peer: PeerDto, privateKey: string | null): WgCreatedPeer {
  return { ...peer, privateKey };
}

/** "Adding a peer to a tunnel … responds with a success message" (and the peer it added). */
export interface WgAddedToTunnel {
  success: true;
  message: string;
  peer: WgCreatedPeer;
}

export function addedToTunnel(peer: WgCreatedPeer): WgAddedToTunnel {
  return { success: true, message: `Peer ${peer.name} added to tunnel ${peer.interfaceId}.`, peer };
}

/** A tunnel's (interface's) configuration "including its peers, IP addresses, and other settings". */
export type WgTunnel = InterfaceDto & { peers: PeerDto[] };

export function tunnelDetail(iface: InterfaceDto, peers: PeerDto[]): WgTunnel {
  return { ...iface, peers };
}

/** `POST /wg/peers/create`'s body is the native one plus `interfaceId`; splits the two. */
export function splitInterfaceId<T extends { interfaceId?: string }>(body: T): { interfaceId: string | undefined; rest: Omit<T, 'interfaceId'> } {
  const { interfaceId, ...rest } = body;
  return { interfaceId, rest };
}

/** The create body with the key pair the response will show: the client's public key, or a new pair. */
export function withKeys(dto: CreatePeerDto, generated: () => { publicKey: string; privateKey: string }): { dto: CreatePeerDto; privateKey: string | null } {
  if (dto.publicKey !== undefined) return { dto, privateKey: null };
  const pair = generated();
  return { dto: { ...dto, publicKey: pair.publicKey }, privateKey: pair.privateKey };
}
