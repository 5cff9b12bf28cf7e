import { ApiError } from '../../common/api-error';
import { apiErrorFromDatabase } from '../../common/db-errors';
import { PuqError } from './puq-envelope';

/** The seed's error texts (002, plus COMPAT-APIS.md for accounts); ours where the seed is silent are marked. */
export const PUQ_TEXT = {
  notAuthorized: 'Not authorized',
  serverNotFound: 'Wireguard server not found',
  serverNotValid: 'Wireguard server not valid',
  nameInUse: 'The name is already in use',
  wrongInterfaceName: 'Wrong network interface name (wgXXX)',
  wrongName: "Wrong name (only letters, numbers and '_', '-')",
  keysInvalid: 'Keys are invalid',
  interfaceInUse: 'Interface already in use',
  portInUse: 'Port already in use',
  wrongExternalIp: 'Wrong external IP format',
  wrongPort: 'Wrong Port format',
  subnetInUse: 'IP address or subnet already in use',
  wrongDns1: 'Wrong DNS1 IP format',
  wrongDns2: 'Wrong DNS2 IP format',
  hasPeers: 'Cannot be deleted. There are active peers.',
  protocol: 'Protocol must be tcp or udp',
  dstPortRange: 'DST port must be within 1-65535',
  forwardExists: 'DST port and protocol are already enabled',
  listenPortError: 'ListenPort processing error',
  dstIsListenPort: 'DstPort cannot be ListenPort',
  toPortRange: 'To port must be within 1-65535',
  incorrectPeer: 'Entered incorrect peer',
  noSuchForward: 'There is no such port forwarding',
  incorrectProtocol: 'Incorrect protocol parameter (tcp|udp)',
  incorrectDstPort: 'Incorrect dst_port parameter',
  accountNotFound: 'Account not found',
  wrongIp: 'Wrong IP format',
  ipInUse: 'IP address already in use',
  ipOutOfRange: 'The IP address is not within the range of the wireguard server',
  usernameInUse: 'The username is already in use',
  // Not in the seed (it lists no text for these inputs); worded like its own.
  wrongKeepAlive: 'Wrong keep_alive format (0-65535)',
  wrongBandwidth: 'Wrong bandwidth format (0-10000 Mbit/s)',
  wrongFlag: 'Wrong flag format (1|0)',
  wrongStatus: 'Wrong status (enable|disable)',
  wrongUsername: "Wrong username (only letters, numbers and '_', '-', '.', '@')",
  wrongPassword: 'Wrong password (1-128 characters)',
  noFreeAddress: 'No free IP address left on the wireguard server',
  unknownCall: 'Unknown API call',
  internal: 'Internal error',
} as const;

/** Native error → PUQ text for one call: the first rule whose code (and field, when given) match. */
export interface ErrorRule {
  code: string;
  field?: string;
  /** Tells apart errors sharing a code, e.g. which resource a NOT_FOUND is about. */
  message?: RegExp;
  text: string;
}

export function textForApiError(error: ApiError, rules: readonly ErrorRule[]): string | null {
  const fields = error.details.map((d) => d.field);
  const rule = rules.find((r) => r.code === error.code && (r.field === undefined || fields.includes(r.field)) && (r.message === undefined || r.message.test(error.message)));
  return rule?.text ?? null;
}

/**
 * Runs a native service call and rethrows its client errors as PUQ texts per `rules`; errors no
 * rule names keep the native message (still rendered in the PUQ envelope by the filter).
 */
export async function translated<T>(rules: readonly ErrorRule[], call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    const api = e instanceof ApiError ? e : apiErrorFromDatabase(e);
    const text = api ? textForApiError(api, rules) : null;
    if (text !== null) throw new PuqError(text);
    throw api ?? e;
  }
}

/** What a PUQ client is told for an error no call-specific rule translated. */
export function genericText(error: ApiError): string {
  if (error.status === 401 || error.status === 403) return PUQ_TEXT.notAuthorized;
  return error.message;
}
