// Validators for user-supplied WireGuard settings (used by DTO validation).
import { isIPv6 } from 'node:net';
import { isIpv4 } from './ipv4';

export interface Endpoint {
  /** IPv6 hosts come back without brackets. */
  host: string;
  /** null when omitted: the interface's listen port applies. */
  port: number | null;
}

/** Linux IFNAMSIZ is 16 including the NUL, hence 15. */
export function isValidInterfaceName(s: string): boolean {
  return /^[A-Za-z0-9_.=+-]{1,15}$/.test(s) && s !== '.' && s !== '..';
}

const LABEL_RE = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** RFC 1123 hostname. An all-numeric last label is rejected so "1.2.3.999" is not a "hostname". */
export function isValidHostname(s: string): boolean {
  if (typeof s !== 'string' || s.length === 0 || s.length > 253) return false;
  const labels = s.split('.');
  if (!labels.every((l) => LABEL_RE.test(l))) return false;
  return !/^\d+$/.test(labels[labels.length - 1]!);
}

function isIpv6Address(s: string): boolean {
  return !s.includes('%') && isIPv6(s);
}

export function isValidDnsServer(s: string): boolean {
  return isIpv4(s) || isIpv6Address(s);
}

function parsePort(s: string): number | null {
  if (!/^[1-9]\d{0,4}$/.test(s)) return null;
  const port = Number(s);
  return port <= 65535 ? port : null;
}

/** "host:port", "[v6]:port", or a bare host / "[v6]" / v6 address with no port. */
export function parseEndpoint(s: string): Endpoint | null {
  if (typeof s !== 'string') return null;
  if (s.startsWith('[')) {
    const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(s);
    if (!m || !isIpv6Address(m[1]!)) return null;
    if (m[2] === undefined) return { host: m[1]!, port: null };
    const port = parsePort(m[2]);
    return port === null ? null : { host: m[1]!, port };
  }
  if (isIpv6Address(s)) return { host: s, port: null };
  const colon = s.lastIndexOf(':');
  const host = colon === -1 ? s : s.slice(0, colon);
  if (!isIpv4(host) && !isValidHostname(host)) return null;
  if (colon === -1) return { host, port: null };
  const port = parsePort(s.slice(colon + 1));
  return port === null ? null : { host, port };
}

export function isValidEndpoint(s: string): boolean {
  return parseEndpoint(s) !== null;
}

/** host + port as WireGuard expects it, bracketing IPv6. */
export function formatEndpoint(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
