// Bad input gets a clear 4xx in the contract's error body and changes nothing (ARCHITECTURE
// invariant 8): one table of requests, each checked against a snapshot of every table the API
// writes and of every host's desired revision.
import { generateKeyPair } from '@wgfleet/domain';
import type { Response } from 'supertest';
import { api, createApiKey, createHost, createInterface, createPeer, desiredRevision, expectError, expectInvalid, UNKNOWN_ID } from './fixtures';
import { queryDb, startTestApp, type TestApp } from './harness';

interface Ctx {
  hostId: string;
  ifaceId: string;
  /** A second interface on the same host. */
  iface2Id: string;
  peerId: string;
  /** A peer of iface2. */
  otherPeerId: string;
  forwardId: string;
  readonlyKey: string;
  operatorKey: string;
}

type Method = 'get' | 'post' | 'patch' | 'delete';
type Body = string | number | boolean | null | object;

interface BadInput {
  what: string;
  method: Method;
  path: (c: Ctx) => string;
  /** JSON body (or a function of the arranged ids). */
  body?: Body | ((c: Ctx) => Body);
  /** A body sent as is, with this content type. */
  raw?: { type: string; text: string };
  headers?: Record<string, string> | ((c: Ctx) => Record<string, string>);
  /** Send no Authorization header. */
  anonymous?: boolean;
  status: number;
  code?: string;
  /** For 400 VALIDATION_FAILED: the field `details` must name. */
  field?: string;
}

const long = (n: number, c = 'a'): string => c.repeat(n);
const KEY = generateKeyPair();
const OTHER_KEY = generateKeyPair();
const peers = (c: Ctx): string => `/interfaces/${c.ifaceId}/peers`;
const forwards = (c: Ctx): string => `/interfaces/${c.ifaceId}/port-forwards`;
const forward = (c: Ctx, fields: Record<string, unknown>): Record<string, unknown> => ({ protocol: 'tcp', port: 9100, peerId: c.peerId, targetPort: 80, ...fields });
const routeros = (fields: Record<string, unknown>): Record<string, unknown> => ({
  name: 'ros-1',
  kind: 'routeros',
  routeros: { apiUrl: 'https://192.0.2.1/rest', username: 'admin', password: 'pw', ...fields },
});

const CASES: BadInput[] = [
  // --- bodies that are not what the API reads --------------------------------------------------
  { what: 'malformed JSON', method: 'post', path: () => '/hosts', raw: { type: 'application/json', text: '{"name": "h9", "kind": ' }, status: 400, code: 'MALFORMED_JSON' },
  { what: 'a JSON string instead of an object', method: 'post', path: () => '/hosts', raw: { type: 'application/json', text: '"h9"' }, status: 400, code: 'MALFORMED_JSON' },
  { what: 'a JSON array instead of an object', method: 'post', path: () => '/interfaces', body: [{ name: 'wg5' }], status: 400, code: 'VALIDATION_FAILED' },
  { what: 'JSON sent as text/plain', method: 'post', path: () => '/interfaces', raw: { type: 'text/plain', text: '{}' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { what: 'XML', method: 'post', path: peers, raw: { type: 'application/xml', text: '<peer><name>x</name></peer>' }, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
  { what: 'a body over the size limit', method: 'post', path: peers, body: { metadata: { blob: long(300_000) } }, status: 413, code: 'PAYLOAD_TOO_LARGE' },
  { what: 'no credentials', method: 'post', path: () => '/interfaces', body: {}, anonymous: true, status: 401, code: 'UNAUTHORIZED' },
  { what: 'a wrong key', method: 'post', path: () => '/interfaces', body: {}, headers: { Authorization: 'Bearer wgf_0123456789abcdef_nope' }, status: 401, code: 'UNAUTHORIZED' },
  { what: 'a readonly key writing', method: 'post', path: () => '/interfaces', body: {}, headers: (c) => ({ Authorization: `Bearer ${c.readonlyKey}` }), status: 403, code: 'FORBIDDEN' },
  { what: 'an operator key creating an API key', method: 'post', path: () => '/api-keys', body: { name: 'k9', role: 'admin' }, headers: (c) => ({ Authorization: `Bearer ${c.operatorKey}` }), status: 403, code: 'FORBIDDEN' },
  { what: 'Basic instead of Bearer credentials', method: 'post', path: () => '/interfaces', body: {}, headers: { Authorization: 'Basic dXNlcjpwYXNz' }, status: 401, code: 'UNAUTHORIZED' },
  { what: 'an Idempotency-Key reused with another body', method: 'post', path: peers, body: { name: 'idem-2' }, headers: { 'Idempotency-Key': 'used-once' }, status: 422, code: 'IDEMPOTENCY_KEY_REUSED' },
  { what: 'a path with broken percent-encoding', method: 'get', path: () => '/peers/%E0%A4%A', status: 400 },
  { what: 'an overlong Idempotency-Key', method: 'post', path: () => '/interfaces', body: {}, headers: { 'Idempotency-Key': long(256) }, status: 400, field: 'Idempotency-Key' },

  // --- hosts -----------------------------------------------------------------------------------
  { what: 'host name of the wrong type', method: 'post', path: () => '/hosts', body: { name: 123, kind: 'linux' }, status: 400, field: 'name' },
  { what: 'host without kind', method: 'post', path: () => '/hosts', body: { name: 'h9' }, status: 400, field: 'kind' },
  { what: 'host kind not in the enum', method: 'post', path: () => '/hosts', body: { name: 'h9', kind: 'windows' }, status: 400, field: 'kind' },
  { what: 'host with an unknown field', method: 'post', path: () => '/hosts', body: { name: 'h9', kind: 'linux', colour: 'red' }, status: 400, field: 'colour' },
  { what: 'host name too long', method: 'post', path: () => '/hosts', body: { name: long(64), kind: 'linux' }, status: 400, field: 'name' },
  { what: 'host name with bad characters', method: 'post', path: () => '/hosts', body: { name: 'bad name!', kind: 'linux' }, status: 400, field: 'name' },
  { what: 'host publicAddress not an address', method: 'post', path: () => '/hosts', body: { name: 'h9', kind: 'linux', publicAddress: '999.1.1.1' }, status: 400, field: 'publicAddress' },
  { what: 'host labels as an array', method: 'post', path: () => '/hosts', body: { name: 'h9', kind: 'linux', labels: ['a'] }, status: 400, field: 'labels' },
  { what: 'routeros host without settings', method: 'post', path: () => '/hosts', body: { name: 'ros-1', kind: 'routeros' }, status: 400, field: 'routeros' },
  { what: 'routeros apiUrl not http(s)', method: 'post', path: () => '/hosts', body: routeros({ apiUrl: 'ftp://192.0.2.1' }), status: 400, field: 'routeros.apiUrl' },
  { what: 'routeros timeoutMs as a string', method: 'post', path: () => '/hosts', body: routeros({ timeoutMs: '30000' }), status: 400, field: 'routeros.timeoutMs' },
  { what: 'routeros settings with an unknown field', method: 'post', path: () => '/hosts', body: routeros({ port: 443 }), status: 400, field: 'routeros.port' },
  { what: 'host name already taken', method: 'post', path: () => '/hosts', body: { name: 'h1', kind: 'linux' }, status: 409, code: 'NAME_TAKEN' },
  { what: 'host patch publicAddress of the wrong type', method: 'patch', path: (c) => `/hosts/${c.hostId}`, body: { publicAddress: 12 }, status: 400, field: 'publicAddress' },
  { what: 'host patch name null', method: 'patch', path: (c) => `/hosts/${c.hostId}`, body: { name: null }, status: 400, field: 'name' },
  { what: 'host patch isDefault null', method: 'patch', path: (c) => `/hosts/${c.hostId}`, body: { isDefault: null }, status: 400, field: 'isDefault' },
  { what: 'host patch of an unknown id', method: 'patch', path: () => `/hosts/${UNKNOWN_ID}`, body: { labels: { a: 'b' } }, status: 404, code: 'NOT_FOUND' },
  { what: 'host get of a malformed id', method: 'get', path: () => '/hosts/not-a-uuid', status: 404, code: 'NOT_FOUND' },
  { what: 'delete of a host with interfaces', method: 'delete', path: (c) => `/hosts/${c.hostId}`, status: 409, code: 'HOST_HAS_INTERFACES' },
  { what: 'enrollment token for an unknown host', method: 'post', path: () => `/hosts/${UNKNOWN_ID}/enrollment-tokens`, status: 404, code: 'NOT_FOUND' },
  { what: 'unknown revision', method: 'get', path: (c) => `/hosts/${c.hostId}/revisions/999`, status: 404, code: 'NOT_FOUND' },
  { what: 'non-numeric revision', method: 'get', path: (c) => `/hosts/${c.hostId}/revisions/latest`, status: 404, code: 'NOT_FOUND' },
  { what: 'negative revision', method: 'get', path: (c) => `/hosts/${c.hostId}/revisions/-1`, status: 404, code: 'NOT_FOUND' },
  { what: 'revision beyond bigint', method: 'get', path: (c) => `/hosts/${c.hostId}/revisions/99999999999999999999`, status: 404, code: 'NOT_FOUND' },

  // --- query parameters ------------------------------------------------------------------------
  { what: 'limit 0', method: 'get', path: () => '/hosts?limit=0', status: 400, field: 'limit' },
  { what: 'limit above 500', method: 'get', path: () => '/peers?limit=501', status: 400, field: 'limit' },
  { what: 'limit not a number', method: 'get', path: () => '/interfaces?limit=ten', status: 400, field: 'limit' },
  { what: 'limit not an integer', method: 'get', path: () => '/peers?limit=1.5', status: 400, field: 'limit' },
  { what: 'negative limit', method: 'get', path: () => '/api-keys?limit=-1', status: 400, field: 'limit' },
  { what: 'a cursor this API did not issue', method: 'get', path: () => '/peers?cursor=garbage', status: 400, field: 'cursor' },
  { what: 'a well-formed base64 cursor with bad content', method: 'get', path: () => `/hosts?cursor=${Buffer.from('["yesterday","x"]').toString('base64url')}`, status: 400, field: 'cursor' },
  { what: 'an unknown query parameter', method: 'get', path: () => '/hosts?sort=name', status: 400, field: 'sort' },
  { what: 'hostId filter not a uuid', method: 'get', path: () => '/interfaces?hostId=h1', status: 400, field: 'hostId' },
  { what: 'enabled filter not a boolean', method: 'get', path: () => '/peers?enabled=yes', status: 400, field: 'enabled' },
  { what: 'q filter too long', method: 'get', path: () => `/peers?q=${long(65)}`, status: 400, field: 'q' },
  { what: 'available-ips limit above 1000', method: 'get', path: (c) => `/interfaces/${c.ifaceId}/available-ips?limit=1001`, status: 400, field: 'limit' },
  { what: 'usage granularity not in the enum', method: 'get', path: (c) => `/peers/${c.peerId}/usage?granularity=week`, status: 400, field: 'granularity' },
  { what: 'usage from not a date', method: 'get', path: (c) => `/peers/${c.peerId}/usage?from=yesterday`, status: 400, field: 'from' },
  { what: '?wait not "applied"', method: 'post', path: (c) => `${peers(c)}?wait=yes`, body: { name: 'w1' }, status: 400, field: 'wait' },
  { what: '?timeout without ?wait', method: 'post', path: (c) => `${peers(c)}?timeout=1s`, body: { name: 'w2' }, status: 400, field: 'timeout' },
  { what: '?timeout not a duration', method: 'post', path: (c) => `${peers(c)}?wait=applied&timeout=forever`, body: { name: 'w3' }, status: 400, field: 'timeout' },
  { what: '?timeout above 60s', method: 'post', path: (c) => `${peers(c)}?wait=applied&timeout=61s`, body: { name: 'w4' }, status: 400, field: 'timeout' },
  { what: '?timeout negative', method: 'patch', path: (c) => `/peers/${c.peerId}?wait=applied&timeout=-5s`, body: { name: 'w5' }, status: 400, field: 'timeout' },
  { what: '?force too long', method: 'delete', path: (c) => `/interfaces/${c.ifaceId}?force=truetrue`, status: 400, field: 'force' },

  // --- interfaces ------------------------------------------------------------------------------
  { what: 'listenPort 0', method: 'post', path: () => '/interfaces', body: { listenPort: 0 }, status: 400, field: 'listenPort' },
  { what: 'listenPort 65536', method: 'post', path: () => '/interfaces', body: { listenPort: 65536 }, status: 400, field: 'listenPort' },
  { what: 'listenPort as a string', method: 'post', path: () => '/interfaces', body: { listenPort: '51830' }, status: 400, field: 'listenPort' },
  { what: 'listenPort fractional', method: 'post', path: () => '/interfaces', body: { listenPort: 51830.5 }, status: 400, field: 'listenPort' },
  { what: 'listenPort that overflows to Infinity', method: 'post', path: () => '/interfaces', raw: { type: 'application/json', text: '{"listenPort": 1e400}' }, status: 400, field: 'listenPort' },
  { what: 'listenPort null', method: 'post', path: () => '/interfaces', body: { listenPort: null }, status: 400, field: 'listenPort' },
  { what: 'interface address without prefix', method: 'post', path: () => '/interfaces', body: { address: '10.9.0.1' }, status: 400, field: 'address' },
  { what: 'interface address with a bad octet', method: 'post', path: () => '/interfaces', body: { address: '10.300.0.1/24' }, status: 400, field: 'address' },
  { what: 'interface address with prefix 33', method: 'post', path: () => '/interfaces', body: { address: '10.9.0.1/33' }, status: 400, field: 'address' },
  { what: 'interface address that is the network address', method: 'post', path: () => '/interfaces', body: { address: '10.9.0.0/24' }, status: 400, field: 'address' },
  // Peers' shaping ids are their subnet offsets, and tc class ids end at 0xfffe.
  { what: 'interface address wider than /16', method: 'post', path: () => '/interfaces', body: { address: '10.64.0.1/15' }, status: 400, field: 'address' },
  { what: 'interface address with no room for peers (/31)', method: 'post', path: () => '/interfaces', body: { address: '10.9.0.1/31' }, status: 400, field: 'address' },
  { what: 'interface address IPv6', method: 'post', path: () => '/interfaces', body: { address: 'fd00::1/64' }, status: 400, field: 'address' },
  { what: 'interface address null', method: 'post', path: () => '/interfaces', body: { address: null }, status: 400, field: 'address' },
  { what: 'interface name longer than 15', method: 'post', path: () => '/interfaces', body: { name: 'wg-much-too-long' }, status: 400, field: 'name' },
  { what: 'interface name with a space', method: 'post', path: () => '/interfaces', body: { name: 'wg 5' }, status: 400, field: 'name' },
  { what: 'interface name null', method: 'post', path: () => '/interfaces', body: { name: null }, status: 400, field: 'name' },
  { what: 'interface privateKey too short', method: 'post', path: () => '/interfaces', body: { privateKey: 'abc=' }, status: 400, field: 'privateKey' },
  { what: 'interface privateKey without padding (43 chars)', method: 'post', path: () => '/interfaces', body: { privateKey: KEY.privateKey.slice(0, 43) }, status: 400, field: 'privateKey' },
  { what: 'interface privateKey of 33 bytes', method: 'post', path: () => '/interfaces', body: { privateKey: Buffer.alloc(33, 7).toString('base64') }, status: 400, field: 'privateKey' },
  { what: 'interface privateKey with a publicKey of another pair', method: 'post', path: () => '/interfaces', body: { privateKey: KEY.privateKey, publicKey: OTHER_KEY.publicKey }, status: 400, field: 'publicKey' },
  { what: 'interface mtu below 1280', method: 'post', path: () => '/interfaces', body: { mtu: 100 }, status: 400, field: 'mtu' },
  { what: 'interface dns not an address', method: 'post', path: () => '/interfaces', body: { dns: ['dns.google'] }, status: 400, field: 'dns' },
  { what: 'interface dns with five servers', method: 'post', path: () => '/interfaces', body: { dns: ['1.1.1.1', '1.0.0.1', '8.8.8.8', '8.8.4.4', '9.9.9.9'] }, status: 400, field: 'dns' },
  { what: 'interface negative default bandwidth', method: 'post', path: () => '/interfaces', body: { defaultBandwidth: { downloadKbit: -1, uploadKbit: 0 } }, status: 400, field: 'defaultBandwidth.downloadKbit' },
  { what: 'interface default bandwidth missing uploadKbit', method: 'post', path: () => '/interfaces', body: { defaultBandwidth: { downloadKbit: 1000 } }, status: 400, field: 'defaultBandwidth.uploadKbit' },
  { what: 'interface default bandwidth with an unknown field', method: 'post', path: () => '/interfaces', body: { defaultBandwidth: { downloadKbit: 1, uploadKbit: 1, burstKbit: 5 } }, status: 400, field: 'defaultBandwidth.burstKbit' },
  { what: 'interface nat.enabled as a string', method: 'post', path: () => '/interfaces', body: { nat: { enabled: 'yes' } }, status: 400, field: 'nat.enabled' },
  { what: 'interface nat.snatAddress not an address', method: 'post', path: () => '/interfaces', body: { nat: { enabled: true, snatAddress: '203.0.113' } }, status: 400, field: 'nat.snatAddress' },
  { what: 'interface hostId not a uuid', method: 'post', path: () => '/interfaces', body: { hostId: 'h1' }, status: 400, field: 'hostId' },
  { what: 'interface on an unknown host', method: 'post', path: () => '/interfaces', body: { hostId: UNKNOWN_ID }, status: 404, code: 'NOT_FOUND' },
  { what: 'interface endpoint with port 99999', method: 'post', path: () => '/interfaces', body: { endpoint: 'vpn.example.com:99999' }, status: 400, field: 'endpoint' },
  { what: 'interface displayName too long', method: 'post', path: () => '/interfaces', body: { displayName: long(65) }, status: 400, field: 'displayName' },
  { what: 'interface listen port taken', method: 'post', path: () => '/interfaces', body: { listenPort: 51820 }, status: 409, code: 'PORT_IN_USE' },
  { what: 'interface subnet overlapping', method: 'post', path: () => '/interfaces', body: { address: '10.8.0.65/26' }, status: 409, code: 'SUBNET_OVERLAP' },
  { what: 'interface patch name null', method: 'patch', path: (c) => `/interfaces/${c.ifaceId}`, body: { name: null }, status: 400, field: 'name' },
  { what: 'interface patch listenPort null', method: 'patch', path: (c) => `/interfaces/${c.ifaceId}`, body: { listenPort: null }, status: 400, field: 'listenPort' },
  { what: 'interface patch address null', method: 'patch', path: (c) => `/interfaces/${c.ifaceId}`, body: { address: null }, status: 400, field: 'address' },
  { what: 'interface patch nat null', method: 'patch', path: (c) => `/interfaces/${c.ifaceId}`, body: { nat: null }, status: 400, field: 'nat' },
  { what: 'interface patch defaultBandwidth null', method: 'patch', path: (c) => `/interfaces/${c.ifaceId}`, body: { defaultBandwidth: null }, status: 400, field: 'defaultBandwidth' },
  { what: 'interface patch dns null', method: 'patch', path: (c) => `/interfaces/${c.ifaceId}`, body: { dns: null }, status: 400, field: 'dns' },
  { what: 'interface patch internalTraffic null', method: 'patch', path: (c) => `/interfaces/${c.ifaceId}`, body: { internalTraffic: null }, status: 400, field: 'internalTraffic' },
  { what: 'interface patch privateKey (not patchable)', method: 'patch', path: (c) => `/interfaces/${c.ifaceId}`, body: { privateKey: KEY.privateKey }, status: 400, field: 'privateKey' },
  { what: 'interface patch to a taken name', method: 'patch', path: (c) => `/interfaces/${c.ifaceId}`, body: { name: 'wg1' }, status: 409, code: 'NAME_TAKEN' },
  { what: 'interface patch of a malformed id', method: 'patch', path: () => '/interfaces/123', body: { mtu: 1400 }, status: 404, code: 'NOT_FOUND' },
  { what: 'delete of an interface with peers', method: 'delete', path: (c) => `/interfaces/${c.ifaceId}`, status: 409, code: 'INTERFACE_HAS_PEERS' },
  { what: 'apply-default-bandwidth on an unknown interface', method: 'post', path: () => `/interfaces/${UNKNOWN_ID}/apply-default-bandwidth`, status: 404, code: 'NOT_FOUND' },

  // --- peers -----------------------------------------------------------------------------------
  { what: 'peer on a malformed interface id', method: 'post', path: () => '/interfaces/wg0/peers', body: {}, status: 404, code: 'NOT_FOUND' },
  { what: 'peer on an unknown interface', method: 'post', path: () => `/interfaces/${UNKNOWN_ID}/peers`, body: {}, status: 404, code: 'NOT_FOUND' },
  { what: 'peer address not an address', method: 'post', path: peers, body: { address: '10.8.0.300' }, status: 400, field: 'address' },
  { what: 'peer address with a prefix', method: 'post', path: peers, body: { address: '10.8.0.9/32' }, status: 400, field: 'address' },
  { what: 'peer address outside the subnet', method: 'post', path: peers, body: { address: '10.9.0.5' }, status: 400, field: 'address' },
  { what: 'peer address the network address', method: 'post', path: peers, body: { address: '10.8.0.0' }, status: 400, field: 'address' },
  { what: 'peer address the broadcast address', method: 'post', path: peers, body: { address: '10.8.0.255' }, status: 400, field: 'address' },
  { what: 'peer address null', method: 'post', path: peers, body: { address: null }, status: 400, field: 'address' },
  { what: 'peer address of the interface', method: 'post', path: peers, body: { address: '10.8.0.1' }, status: 409, code: 'ADDRESS_IN_USE' },
  { what: 'peer address taken', method: 'post', path: peers, body: { address: '10.8.0.2' }, status: 409, code: 'ADDRESS_IN_USE' },
  { what: 'peer name taken', method: 'post', path: peers, body: { name: 'alice' }, status: 409, code: 'NAME_TAKEN' },
  { what: 'peer publicKey too short', method: 'post', path: peers, body: { publicKey: KEY.publicKey.slice(0, 40) }, status: 400, field: 'publicKey' },
  { what: 'peer publicKey too long', method: 'post', path: peers, body: { publicKey: `A${KEY.publicKey}` }, status: 400, field: 'publicKey' },
  { what: 'peer publicKey not canonical base64', method: 'post', path: peers, body: { publicKey: `${long(42, 'A')}B=` }, status: 400, field: 'publicKey' },
  { what: 'peer publicKey as a number', method: 'post', path: peers, body: { publicKey: 42 }, status: 400, field: 'publicKey' },
  { what: 'peer privateKey that does not match publicKey', method: 'post', path: peers, body: { privateKey: KEY.privateKey, publicKey: OTHER_KEY.publicKey }, status: 400, field: 'privateKey' },
  { what: 'peer presharedKey not a key', method: 'post', path: peers, body: { presharedKey: 'generate-one' }, status: 400, field: 'presharedKey' },
  { what: 'peer allowedIps with a bad prefix', method: 'post', path: peers, body: { allowedIps: ['192.168.0.0/33'] }, status: 400, field: 'allowedIps' },
  { what: 'peer allowedIps as a string', method: 'post', path: peers, body: { allowedIps: '192.168.0.0/24' }, status: 400, field: 'allowedIps' },
  { what: "peer allowedIps overlapping another peer's route", method: 'post', path: peers, body: { allowedIps: ['192.168.50.128/25'] }, status: 409, code: 'ALLOWED_IPS_OVERLAP' },
  { what: 'peer allowedIps overlapping the interface subnet', method: 'post', path: peers, body: { allowedIps: ['10.8.0.0/16'] }, status: 400, field: 'allowedIps' },
  { what: 'peer negative bandwidth', method: 'post', path: peers, body: { bandwidth: { downloadKbit: -5, uploadKbit: 0 } }, status: 400, field: 'bandwidth.downloadKbit' },
  { what: 'peer bandwidth as strings', method: 'post', path: peers, body: { bandwidth: { downloadKbit: '100', uploadKbit: 100 } }, status: 400, field: 'bandwidth.downloadKbit' },
  { what: 'peer bandwidth above 10 Gbit/s', method: 'post', path: peers, body: { bandwidth: { downloadKbit: 0, uploadKbit: 10_000_001 } }, status: 400, field: 'bandwidth.uploadKbit' },
  { what: 'peer bandwidth as a number', method: 'post', path: peers, body: { bandwidth: 1000 }, status: 400, field: 'bandwidth' },
  { what: 'peer enabled as a string', method: 'post', path: peers, body: { enabled: 'true' }, status: 400, field: 'enabled' },
  { what: 'peer expiresAt not a date', method: 'post', path: peers, body: { expiresAt: 'tomorrow' }, status: 400, field: 'expiresAt' },
  { what: 'peer expiresAt an impossible date', method: 'post', path: peers, body: { expiresAt: '2030-02-30T00:00:00Z' }, status: 400, field: 'expiresAt' },
  { what: 'peer expiresAt as epoch seconds', method: 'post', path: peers, body: { expiresAt: 1_900_000_000 }, status: 400, field: 'expiresAt' },
  { what: 'peer negative quota', method: 'post', path: peers, body: { quotaBytes: -1 }, status: 400, field: 'quotaBytes' },
  { what: 'peer quota beyond 1 PiB', method: 'post', path: peers, body: { quotaBytes: 2 ** 51 }, status: 400, field: 'quotaBytes' },
  { what: 'peer externalId too long', method: 'post', path: peers, body: { externalId: long(129) }, status: 400, field: 'externalId' },
  { what: 'peer metadata as an array', method: 'post', path: peers, body: { metadata: ['a'] }, status: 400, field: 'metadata' },
  { what: 'peer metadata over 8 KiB', method: 'post', path: peers, body: { metadata: { notes: long(9000) } }, status: 400, field: 'metadata' },
  { what: 'peer name too long', method: 'post', path: peers, body: { name: long(65) }, status: 400, field: 'name' },
  { what: 'peer name empty', method: 'post', path: peers, body: { name: '' }, status: 400, field: 'name' },
  { what: 'peer name with a newline', method: 'post', path: peers, body: { name: 'bob\nsmith' }, status: 400, field: 'name' },
  { what: 'peer with an unknown field', method: 'post', path: peers, body: { name: 'x1', endpoint: '1.2.3.4:51820' }, status: 400, field: 'endpoint' },
  { what: 'peer patch name null', method: 'patch', path: (c) => `/peers/${c.peerId}`, body: { name: null }, status: 400, field: 'name' },
  { what: 'peer patch address null', method: 'patch', path: (c) => `/peers/${c.peerId}`, body: { address: null }, status: 400, field: 'address' },
  { what: 'peer patch publicKey null', method: 'patch', path: (c) => `/peers/${c.peerId}`, body: { publicKey: null }, status: 400, field: 'publicKey' },
  { what: 'peer patch allowedIps null', method: 'patch', path: (c) => `/peers/${c.peerId}`, body: { allowedIps: null }, status: 400, field: 'allowedIps' },
  { what: 'peer patch metadata null', method: 'patch', path: (c) => `/peers/${c.peerId}`, body: { metadata: null }, status: 400, field: 'metadata' },
  { what: 'peer patch enabled null', method: 'patch', path: (c) => `/peers/${c.peerId}`, body: { enabled: null }, status: 400, field: 'enabled' },
  { what: 'peer patch to a taken name', method: 'patch', path: (c) => `/peers/${c.peerId}`, body: { name: 'bob' }, status: 409, code: 'NAME_TAKEN' },
  { what: 'peer patch of an unknown id', method: 'patch', path: () => `/peers/${UNKNOWN_ID}`, body: { name: 'x' }, status: 404, code: 'NOT_FOUND' },
  { what: 'peer delete of a malformed id', method: 'delete', path: () => '/peers/00000000-0000-4000-8000-00000000000g', status: 404, code: 'NOT_FOUND' },
  { what: 'suspend reason too long', method: 'post', path: (c) => `/peers/${c.peerId}/suspend`, body: { reason: long(201) }, status: 400, field: 'reason' },
  { what: 'suspend reason of the wrong type', method: 'post', path: (c) => `/peers/${c.peerId}/suspend`, body: { reason: 5 }, status: 400, field: 'reason' },
  { what: 'suspend of an unknown peer', method: 'post', path: () => `/peers/${UNKNOWN_ID}/suspend`, body: {}, status: 404, code: 'NOT_FOUND' },
  { what: 'resume of an unknown peer', method: 'post', path: () => `/peers/${UNKNOWN_ID}/resume`, status: 404, code: 'NOT_FOUND' },

  // --- port forwards ---------------------------------------------------------------------------
  { what: 'forward protocol not in the enum', method: 'post', path: forwards, body: (c) => forward(c, { protocol: 'icmp' }), status: 400, field: 'protocol' },
  { what: 'forward without protocol', method: 'post', path: forwards, body: (c) => forward(c, { protocol: undefined }), status: 400, field: 'protocol' },
  { what: 'forward port 0', method: 'post', path: forwards, body: (c) => forward(c, { port: 0 }), status: 400, field: 'port' },
  { what: 'forward port 65536', method: 'post', path: forwards, body: (c) => forward(c, { port: 65536 }), status: 400, field: 'port' },
  { what: 'forward port as a string', method: 'post', path: forwards, body: (c) => forward(c, { port: '8081' }), status: 400, field: 'port' },
  { what: 'forward targetPort 0', method: 'post', path: forwards, body: (c) => forward(c, { targetPort: 0 }), status: 400, field: 'targetPort' },
  { what: 'forward peerId not a uuid', method: 'post', path: forwards, body: (c) => forward(c, { peerId: 'alice' }), status: 400, field: 'peerId' },
  { what: 'forward to an unknown peer', method: 'post', path: forwards, body: (c) => forward(c, { peerId: UNKNOWN_ID }), status: 404, code: 'NOT_FOUND' },
  { what: 'forward to a peer of another interface', method: 'post', path: forwards, body: (c) => forward(c, { peerId: c.otherPeerId }), status: 400, field: 'peerId' },
  { what: 'forward on an unknown interface', method: 'post', path: () => `/interfaces/${UNKNOWN_ID}/port-forwards`, body: (c) => forward(c, {}), status: 404, code: 'NOT_FOUND' },
  { what: 'forward of a listen port', method: 'post', path: forwards, body: (c) => forward(c, { protocol: 'udp', port: 51820 }), status: 409 },
  { what: 'forward of a taken port/protocol', method: 'post', path: forwards, body: (c) => forward(c, { port: 8080 }), status: 409, code: 'PORT_IN_USE' },
  { what: 'forward of a port taken by another interface of the host', method: 'post', path: (c) => `/interfaces/${c.iface2Id}/port-forwards`, body: (c) => forward(c, { peerId: c.otherPeerId, port: 8080 }), status: 409, code: 'PORT_IN_USE' },
  { what: 'forward list with a bad limit', method: 'get', path: (c) => `${forwards(c)}?limit=0`, status: 400, field: 'limit' },
  { what: 'forward delete of an unknown id', method: 'delete', path: () => `/port-forwards/${UNKNOWN_ID}`, status: 404, code: 'NOT_FOUND' },
  { what: 'forward delete of a malformed id', method: 'delete', path: () => '/port-forwards/8080', status: 404, code: 'NOT_FOUND' },

  // --- api keys --------------------------------------------------------------------------------
  { what: 'api key role not in the enum', method: 'post', path: () => '/api-keys', body: { name: 'k1', role: 'root' }, status: 400, field: 'role' },
  { what: 'api key without name', method: 'post', path: () => '/api-keys', body: { role: 'readonly' }, status: 400, field: 'name' },
  { what: 'api key name too long', method: 'post', path: () => '/api-keys', body: { name: long(65), role: 'readonly' }, status: 400, field: 'name' },
  { what: 'api key expiresAt in the past', method: 'post', path: () => '/api-keys', body: { name: 'k1', role: 'readonly', expiresAt: '2020-01-01T00:00:00Z' }, status: 400, field: 'expiresAt' },
  { what: 'api key expiresAt not a date', method: 'post', path: () => '/api-keys', body: { name: 'k1', role: 'readonly', expiresAt: 'next week' }, status: 400, field: 'expiresAt' },
  { what: 'api key allowedCidrs with a bad entry', method: 'post', path: () => '/api-keys', body: { name: 'k1', role: 'readonly', allowedCidrs: ['300.0.0.0/8'] }, status: 400, field: 'allowedCidrs' },
  { what: 'api key allowedCidrs as a string', method: 'post', path: () => '/api-keys', body: { name: 'k1', role: 'readonly', allowedCidrs: '10.0.0.0/8' }, status: 400, field: 'allowedCidrs' },
  { what: 'api key with an unknown field', method: 'post', path: () => '/api-keys', body: { name: 'k1', role: 'readonly', scopes: ['all'] }, status: 400, field: 'scopes' },
  { what: 'api key name taken', method: 'post', path: () => '/api-keys', body: { name: 'panel', role: 'readonly' }, status: 409, code: 'NAME_TAKEN' },
  { what: 'api key delete of a malformed id', method: 'delete', path: () => '/api-keys/zzz', status: 404, code: 'NOT_FOUND' },
  { what: 'api key delete of an unknown id', method: 'delete', path: () => '/api-keys/0123456789abcdef', status: 404, code: 'NOT_FOUND' },
];

/** Every table the API writes: row count and a digest of the rows (API keys without last_used_at, which authentication touches). */
const TABLES: Array<[string, string]> = [
  ['hosts', 'id'],
  ['interfaces', 'id'],
  ['peers', 'id'],
  ['port_forwards', 'id'],
  ['host_changes', 'host_id, revision'],
  ['enrollment_tokens', 'id'],
  ['audit_events', 'id'],
  ['api_keys', 'id'],
  ['idempotency_keys', 'credential_id, key'],
];

async function snapshot(t: TestApp): Promise<Record<string, { rows: number; digest: string }>> {
  const sql = TABLES.map(
    ([table, order]) =>
      `SELECT '${table}' AS t, count(*)::int AS rows, md5(coalesce(string_agg((to_jsonb(x) - 'last_used_at')::text, ',' ORDER BY ${order}), '')) AS digest FROM ${table} x`,
  ).join(' UNION ALL ');
  const rows = await queryDb<{ t: string; rows: number; digest: string }>(t.databaseUrl, sql);
  return Object.fromEntries(rows.map((r) => [r.t, { rows: r.rows, digest: r.digest }]));
}

async function revisions(t: TestApp): Promise<Record<string, number>> {
  const hosts = await queryDb<{ id: string }>(t.databaseUrl, 'SELECT id FROM hosts ORDER BY id');
  const out: Record<string, number> = {};
  for (const { id } of hosts) out[id] = await desiredRevision(t, id);
  return out;
}

describe('bad input: a clear 4xx, and nothing changes', () => {
  let t: TestApp;
  const ctx: Ctx = { hostId: '', ifaceId: '', iface2Id: '', peerId: '', otherPeerId: '', forwardId: '', readonlyKey: '', operatorKey: '' };

  beforeAll(async () => {
    t = await startTestApp();
    const host = await createHost(t, { name: 'h1' });
    const iface = await createInterface(t, { address: '10.8.0.1/24', listenPort: 51820 });
    const iface2 = await createInterface(t, { address: '10.8.1.1/24', listenPort: 51821 });
    const alice = await createPeer(t, iface.id, { name: 'alice', address: '10.8.0.2' });
    await createPeer(t, iface.id, { name: 'bob', allowedIps: ['192.168.50.0/24'] });
    const other = await createPeer(t, iface2.id, { name: 'carol' });
    const fwd = await t.http().post(api(`/interfaces/${iface.id}/port-forwards`)).set(t.auth()).send({ protocol: 'tcp', port: 8080, peerId: alice.id, targetPort: 80 });
    expect(fwd.status).toBe(201);
    const operator = await createApiKey(t, { name: 'panel', role: 'operator' });
    const readonly = await createApiKey(t, { role: 'readonly' });
    await t.http().post(api(`/interfaces/${iface.id}/peers`)).set(t.auth()).set('Idempotency-Key', 'used-once').send({ name: 'idem-1' }).expect(201);
    Object.assign(ctx, { hostId: host.id, ifaceId: iface.id, iface2Id: iface2.id, peerId: alice.id, otherPeerId: other.id, forwardId: (fwd.body as { id: string }).id, readonlyKey: readonly.key, operatorKey: operator.key });
    expect(iface.name).toBe('wg0');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('has a table of at least 40 distinct bad inputs', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
    expect(new Set(CASES.map((c) => c.what)).size).toBe(CASES.length);
  });

  it.each(CASES)('$method $what → $status', async (c) => {
    const before = await snapshot(t);
    const revisionsBefore = await revisions(t);

    let req = t.http()[c.method](api(c.path(ctx)));
    if (!c.anonymous) req = req.set(t.auth());
    for (const [name, value] of Object.entries(typeof c.headers === 'function' ? c.headers(ctx) : (c.headers ?? {}))) req = req.set(name, value);
    let res: Response;
    if (c.raw) res = await req.set('Content-Type', c.raw.type).send(c.raw.text);
    else if (c.body !== undefined) res = await req.send(typeof c.body === 'function' ? c.body(ctx) : c.body);
    else res = await req;

    expect(res.status).toBeLessThan(500);
    if (c.field) expectInvalid(res, c.field);
    else expectError(res, c.status, c.code);
    expect(res.status).toBe(c.status);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['x-wgfleet-revision']).toBeUndefined();

    expect(await snapshot(t)).toEqual(before);
    expect(await revisions(t)).toEqual(revisionsBefore);
  });
});
