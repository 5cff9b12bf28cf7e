// PUQ request values → typed inputs. PUQ clients send form fields (every value a string) or JSON
// (strings, numbers, booleans); both are read the same way. Each check fails with the seed's text.
import { isIp, isIpv4, isIpv4Cidr, isValidWireguardKey, keyPairMatches, publicKeyFromPrivate } from '@wgfleet/domain';
import { isIPv6 } from 'node:net';
import { PuqError } from './puq-envelope';
import { PUQ_TEXT } from './puq-errors';

export type PuqBody = Record<string, unknown>;

/** The request body as a field map; anything else (an array, a scalar) has no fields. */
export function bodyOf(raw: unknown): PuqBody {
  return raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as PuqBody) : {};
}

/** A field as trimmed text; empty or absent = not given. A repeated form field counts its last value. */
export function field(body: PuqBody, key: string): string | undefined {
  let value = body[key];
  if (Array.isArray(value)) value = value[value.length - 1];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  // Objects never pass a format check below.
  return JSON.stringify(value);
}

function intIn(text: string, min: number, max: number): number | null {
  if (!/^\d{1,10}$/.test(text)) return null;
  const n = Number(text);
  return n >= min && n <= max ? n : null;
}

function parseIntField(body: PuqBody, key: string, min: number, max: number, error: string): number | undefined {
  const text = field(body, key);
  if (text === undefined) return undefined;
  const n = intIn(text, min, max);
  if (n === null) throw new PuqError(error);
  return n;
}

const TRUE = ['1', 'true', 'yes', 'on'];
const FALSE = ['0', 'false', 'no', 'off'];

/** "1|0" in the seed; its own PUT example sends "false", so words are taken too. */
function parseFlag(body: PuqBody, key: string): boolean | undefined {
  const text = field(body, key)?.toLowerCase();
  if (text === undefined) return undefined;
  if (TRUE.includes(text)) return true;
  if (FALSE.includes(text)) return false;
  throw new PuqError(PUQ_TEXT.wrongFlag);
}

/** Mbit/s, 0-10000, up to 3 decimals (1 Mbit = 1000 kbit, so every value is whole kbit). */
function parseMbit(body: PuqBody, key: string): number | undefined {
  const text = field(body, key);
  if (text === undefined) return undefined;
  if (!/^\d{1,5}(\.\d{1,3})?$/.test(text) || Number(text) > 10_000) throw new PuqError(PUQ_TEXT.wrongBandwidth);
  return Number(text);
}

/** An address the seed calls "CIDR format" but shows bare: a /32 (or /128) suffix is dropped. */
function hostAddress(text: string): string {
  return text.replace(/\/(32|128)$/, '');
}

function parseIp(body: PuqBody, key: string, error: string, check: (s: string) => boolean): string | undefined {
  const text = field(body, key);
  if (text === undefined) return undefined;
  const ip = hostAddress(text);
  if (!check(ip)) throw new PuqError(error);
  return ip;
}

/**
 * A base64 key. The seed's curl examples send keys unencoded (`-d "private_key=...+..."`), and form
 * decoding turns their '+' into a space; base64 has no spaces, so a space can only be a '+'.
 */
function keyField(body: PuqBody, key: string): string | undefined {
  const raw = body[key];
  return field({ [key]: typeof raw === 'string' ? raw.replace(/ /g, '+') : raw }, key);
}

export interface KeyPairInput {
  privateKey?: string;
  publicKey?: string;
}

/** Both keys, or the private key alone (its public key is derived); a public key alone is not a pair. */
function parseKeyPair(body: PuqBody, options: { publicOnlyAllowed: boolean }): KeyPairInput {
  const privateKey = keyField(body, 'private_key');
  const publicKey = keyField(body, 'public_key');
  if (privateKey === undefined && publicKey === undefined) return {};
  if (publicKey !== undefined && !isValidWireguardKey(publicKey)) throw new PuqError(PUQ_TEXT.keysInvalid);
  if (privateKey === undefined) {
    if (!options.publicOnlyAllowed) throw new PuqError(PUQ_TEXT.keysInvalid);
    return { publicKey };
  }
  if (!isValidWireguardKey(privateKey)) throw new PuqError(PUQ_TEXT.keysInvalid);
  if (publicKey !== undefined && !keyPairMatches(privateKey, publicKey)) throw new PuqError(PUQ_TEXT.keysInvalid);
  return { privateKey, publicKey: publicKey ?? publicKeyFromPrivate(privateKey) };
}

// --- WireGuard servers -------------------------------------------------------------------------

const SERVER_NAME = /^[A-Za-z0-9_-]{1,64}$/;
const KERNEL_NAME = /^wg\d{1,13}$/;

export interface ServerInput extends KeyPairInput {
  name?: string;
  interfaceName?: string;
  address?: string;
  listenPort?: number;
  externalIp?: string;
  dns1?: string;
  dns2?: string;
  keepAlive?: number;
  downloadMbit?: number;
  uploadMbit?: number;
  internalTraffic?: boolean;
  ikev2?: boolean;
}

/** Fields of `POST wireguard` and `PUT wireguard/<name>`, checked in the order the seed lists its errors. */
export function parseServerInput(body: PuqBody): ServerInput {
  const name = field(body, 'name');
  if (name !== undefined && !SERVER_NAME.test(name)) throw new PuqError(PUQ_TEXT.wrongName);
  const interfaceName = field(body, 'interface_name');
  if (interfaceName !== undefined && !KERNEL_NAME.test(interfaceName)) throw new PuqError(PUQ_TEXT.wrongInterfaceName);
  const keys = parseKeyPair(body, { publicOnlyAllowed: false });
  const externalIp = parseIp(body, 'external_ip', PUQ_TEXT.wrongExternalIp, isIpv4);
  // The seed documents 51820-65535, yet its own EDIT example sets 51333: unprivileged ports are taken.
  const listenPort = parseIntField(body, 'listen_port', 1024, 65535, PUQ_TEXT.wrongPort);
  const addressText = field(body, 'address');
  if (addressText !== undefined && !isIpv4Cidr(addressText)) throw new PuqError(PUQ_TEXT.wrongIp);
  const dns1 = parseIp(body, 'dns_1', PUQ_TEXT.wrongDns1, isIp);
  const dns2 = parseIp(body, 'dns_2', PUQ_TEXT.wrongDns2, isIp);
  // WireGuard's persistent keepalive is 16 bits: the seed's 0-2147483647 cannot be applied.
  const keepAlive = parseIntField(body, 'keep_alive', 0, 65535, PUQ_TEXT.wrongKeepAlive);
  return {
    ...keys,
    name,
    interfaceName,
    address: addressText,
    listenPort,
    externalIp,
    dns1,
    dns2,
    keepAlive,
    downloadMbit: parseMbit(body, 'b_download'),
    uploadMbit: parseMbit(body, 'b_upload'),
    internalTraffic: parseFlag(body, 'internal_traffic'),
    ikev2: parseFlag(body, 'ikev2'),
  };
}

// --- accounts (peers) --------------------------------------------------------------------------

const USERNAME = /^[A-Za-z0-9_.@-]{1,64}$/;

export interface AccountInput extends KeyPairInput {
  wgName?: string;
  name?: string;
  enabled?: boolean;
  username?: string;
  password?: string;
  address?: string;
  ipv6?: string;
  downloadMbit?: number;
  uploadMbit?: number;
}

function parseStatus(body: PuqBody): boolean | undefined {
  const text = field(body, 'status')?.toLowerCase();
  if (text === undefined) return undefined;
  if (text === 'enable' || TRUE.includes(text)) return true;
  if (text === 'disable' || FALSE.includes(text)) return false;
  throw new PuqError(PUQ_TEXT.wrongStatus);
}

function parsePassword(body: PuqBody): string | undefined {
  // Not trimmed: spaces may be part of a password.
  const raw = body['password'];
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw !== 'string' && typeof raw !== 'number') throw new PuqError(PUQ_TEXT.wrongPassword);
  const text = String(raw);
  if (text.length > 128 || /[\u0000-\u001f]/.test(text)) throw new PuqError(PUQ_TEXT.wrongPassword);
  return text;
}

/** Fields of `POST account` (create: true) and `PUT account/<name>`. */
export function parseAccountInput(body: PuqBody, create: boolean): AccountInput {
  const input: AccountInput = {
    enabled: parseStatus(body),
    password: parsePassword(body),
    address: parseIp(body, 'allowed_IPs', PUQ_TEXT.wrongIp, isIpv4),
    ipv6: parseIp(body, 'allowed_IPs_ipv6', PUQ_TEXT.wrongIp, (s) => isIPv6(s) && !s.includes('%')),
    downloadMbit: parseMbit(body, 'b_download'),
    uploadMbit: parseMbit(body, 'b_upload'),
  };
  if (!create) return input;
  const name = field(body, 'name');
  if (name !== undefined && !SERVER_NAME.test(name)) throw new PuqError(PUQ_TEXT.wrongName);
  const username = field(body, 'username');
  if (username !== undefined && !USERNAME.test(username)) throw new PuqError(PUQ_TEXT.wrongUsername);
  return { ...input, ...parseKeyPair(body, { publicOnlyAllowed: true }), wgName: field(body, 'wg_name'), name, username };
}

// --- port forwards -----------------------------------------------------------------------------

/** The forward itself; its server comes from the path or `wg_name`, read before these (see PuqServersService.addForward). */
export interface ForwardInput {
  dstPort: number;
  protocol: 'tcp' | 'udp';
  toPeer: string;
  toPort: number;
}

function parseProtocol(text: string | undefined): 'tcp' | 'udp' | null {
  const p = text?.toLowerCase();
  return p === 'tcp' || p === 'udp' ? p : null;
}

export function parseForwardInput(body: PuqBody): ForwardInput {
  const protocol = parseProtocol(field(body, 'protocol'));
  if (!protocol) throw new PuqError(PUQ_TEXT.protocol);
  const dstPort = intIn(field(body, 'dst_port') ?? '', 1, 65535);
  if (dstPort === null) throw new PuqError(PUQ_TEXT.dstPortRange);
  const toPort = intIn(field(body, 'to_port') ?? '', 1, 65535);
  if (toPort === null) throw new PuqError(PUQ_TEXT.toPortRange);
  const toPeer = field(body, 'to_peer');
  if (toPeer === undefined) throw new PuqError(PUQ_TEXT.incorrectPeer);
  return { dstPort, protocol, toPeer, toPort };
}

/** The path parameters of the port-forward DELETE calls. */
export function parseForwardKey(dstPort: string, protocol: string): { port: number; protocol: 'tcp' | 'udp' } {
  const port = intIn(dstPort, 1, 65535);
  if (port === null) throw new PuqError(PUQ_TEXT.incorrectDstPort);
  const proto = parseProtocol(protocol);
  if (!proto) throw new PuqError(PUQ_TEXT.incorrectProtocol);
  return { port, protocol: proto };
}
