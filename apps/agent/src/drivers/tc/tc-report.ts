// Parsing of `tc -s [-j] class show` and `tc -s -j qdisc show ... root` for the dataplane report.
// iproute2 6.1 (Debian 12) ignores -j for `class show` and prints text, newer releases print
// JSON; the parser takes either, so the driver asks for JSON and copes with what it gets.

export interface TcClassStats {
  /** "1:2a" */
  classid: string;
  /** Class minor = shapingId for peer classes; 65535 = the default class. */
  minor: number;
  /** Configured rate, bits/s (null if not reported). */
  rateBits: number | null;
  bytes: number;
  packets: number;
  drops: number;
  overlimits: number;
  backlogBytes: number;
  /** Measured rate from a rate estimator, bits/s; null when the class has none (HTB's default). */
  measuredRateBits: number | null;
}

export interface TcQdiscStats {
  kind: string;
  handle: string;
  bytes: number;
  packets: number;
  drops: number;
  overlimits: number;
  backlogBytes: number;
}

const UNITS: Record<string, number> = { '': 1, k: 1e3, K: 1e3, m: 1e6, M: 1e6, g: 1e9, G: 1e9, t: 1e12, T: 1e12 };

/** "8Mbit" → 8e6, "100Gbit" → 1e11, "512bit" → 512. */
export function parseBits(s: string): number | null {
  const m = /^([\d.]+)([kKmMgGtT]?)bit$/.exec(s);
  if (!m) return null;
  return Math.round(Number(m[1]) * (UNITS[m[2] as string] ?? 1));
}

function minorOf(classid: string): number {
  const i = classid.indexOf(':');
  return parseInt(classid.slice(i + 1) || '0', 16);
}

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function parseClassShow(output: string): TcClassStats[] {
  const trimmed = output.trim();
  if (trimmed.startsWith('[')) return parseClassJson(JSON.parse(trimmed) as unknown);
  return parseClassText(trimmed);
}

function parseClassJson(data: unknown): TcClassStats[] {
  if (!Array.isArray(data)) return [];
  const out: TcClassStats[] = [];
  for (const c of data) {
    if (!isRecord(c) || typeof c.handle !== 'string') continue;
    const opts = isRecord(c.options) ? c.options : {};
    // Newer iproute2 prints the stats either at top level or under "stats".
    const st = isRecord(c.stats) ? c.stats : c;
    const rateEst = isRecord(st.rate_est) ? st.rate_est : null;
    out.push({
      classid: c.handle,
      minor: minorOf(c.handle),
      rateBits: typeof opts.rate === 'number' ? opts.rate * 8 : typeof c.rate === 'number' ? c.rate * 8 : null,
      bytes: num(st.bytes),
      packets: num(st.packets),
      drops: num(st.drops),
      overlimits: num(st.overlimits),
      backlogBytes: num(st.backlog),
      measuredRateBits: rateEst ? num(rateEst.bps) * 8 : null,
    });
  }
  return out;
}

function parseClassText(text: string): TcClassStats[] {
  const out: TcClassStats[] = [];
  // Each class starts at a line beginning with "class ".
  for (const block of text.split(/\n(?=class )/)) {
    const head = /^class (\S+) (\S+)/.exec(block);
    if (!head) continue;
    const classid = head[2] as string;
    const rate = / rate (\S+bit) /.exec(block);
    const sent = /Sent (\d+) bytes (\d+) pkt \(dropped (\d+), overlimits (\d+)/.exec(block);
    const backlog = /backlog (\d+)b/.exec(block);
    const est = /\n\s*rate (\S+bit) \d+pps/.exec(block);
    out.push({
      classid,
      minor: minorOf(classid),
      rateBits: rate ? parseBits(rate[1] as string) : null,
      bytes: sent ? Number(sent[1]) : 0,
      packets: sent ? Number(sent[2]) : 0,
      drops: sent ? Number(sent[3]) : 0,
      overlimits: sent ? Number(sent[4]) : 0,
      backlogBytes: backlog ? Number(backlog[1]) : 0,
      measuredRateBits: est ? parseBits(est[1] as string) : null,
    });
  }
  return out;
}

/** `tc -s -j qdisc show dev X root` → the root qdisc (JSON works for qdiscs in every iproute2 we use). */
export function parseRootQdisc(output: string): TcQdiscStats | null {
  const trimmed = output.trim();
  if (!trimmed.startsWith('[')) return null;
  const data = JSON.parse(trimmed) as unknown;
  if (!Array.isArray(data)) return null;
  const q = data.find((x: unknown) => isRecord(x) && x.root === true) as Record<string, unknown> | undefined;
  if (!q) return null;
  return {
    kind: typeof q.kind === 'string' ? q.kind : '',
    handle: typeof q.handle === 'string' ? q.handle : '',
    bytes: num(q.bytes),
    packets: num(q.packets),
    drops: num(q.drops),
    overlimits: num(q.overlimits),
    backlogBytes: num(q.backlog),
  };
}
