import type { HtbClassSpec } from './tc-batch';
import { isRecord, parseBits } from './tc-report';

// Parsing of what the kernel holds on one device, in the terms the driver configures it, so a
// full apply can compare it with the plan (tc-compare.ts) instead of rebuilding blindly.
//   `tc -d class show dev X`       text: iproute2 6.1 ignores -j for classes; -d adds the quantum
//   `tc -j filter show dev X ...`  JSON: u32 prints its tables and nodes there in every iproute2 we use
//   `tc -j qdisc show`             JSON, every device's qdiscs at once
// Anything that does not parse is reported as absent or unknown, which the comparison treats as
// "differs": a misread costs a rebuild, never a wrong "already converged".

export interface HtbClass {
  minor: number;
  /** False when the class hangs under another class rather than directly under the root qdisc. */
  atRoot: boolean;
  /** A qdisc is attached below the class (we never attach one). */
  hasLeafQdisc: boolean;
  spec: HtbClassSpec;
}

export interface U32Match {
  value: number;
  mask: number;
  off: number;
}

export interface U32Table {
  /** Table id, e.g. 0x107 for "107:". */
  id: number;
  divisor: number;
}

export interface U32Node {
  /** "107:2:1", every part present (the kernel prints "107::1" for bucket 0). */
  handle: string;
  table: number;
  bucket: number;
  match: U32Match | null;
  /** Table id the node links to, or null. */
  link: number | null;
  hash: { mask: number; off: number } | null;
  flowid: string | null;
  /** Target of a mirred redirect, or null. */
  redirectTo: string | null;
}

export interface U32Dump {
  tables: U32Table[];
  nodes: U32Node[];
  /** Filters that are not plain u32 of the expected protocol and preference. */
  foreign: number;
}

export interface RootQdisc {
  kind: string;
  handle: string;
  /** HTB's default class minor, or null. */
  defaultMinor: number | null;
}

/** "16Kb" → 16384, "20000b" → 20000, "1Mb" → 1048576 (tc prints sizes in 1024 units). */
export function parseSize(s: string): number | null {
  const m = /^(\d+)(K|M|G)?b$/.exec(s);
  if (!m) return null;
  const mult = m[2] === 'K' ? 1024 : m[2] === 'M' ? 1024 ** 2 : m[2] === 'G' ? 1024 ** 3 : 1;
  return Number(m[1]) * mult;
}

/** One pattern per field, compiled once: a dump has one line per class (hundreds per device). */
const FIELD = {
  rate: / rate (\S+) /,
  ceil: / ceil (\S+) /,
  burst: / burst (\S+?)(?:\/\d+)? /,
  cburst: / cburst (\S+?)(?:\/\d+)? /,
  quantum: / quantum (\d+) /,
};

export function parseHtbClasses(text: string): HtbClass[] {
  const out: HtbClass[] = [];
  for (const raw of text.split('\n')) {
    const head = /^class htb 1:([0-9a-f]+) (root|parent \S+)/.exec(raw);
    if (!head) continue;
    const line = `${raw} `;
    const field = (name: keyof typeof FIELD, parse: (s: string) => number | null): number => {
      const v = FIELD[name].exec(line)?.[1];
      return v === undefined ? NaN : (parse(v) ?? NaN);
    };
    out.push({
      minor: parseInt(head[1] as string, 16),
      atRoot: head[2] === 'root',
      hasLeafQdisc: / leaf \S+/.test(line),
      spec: {
        rateBits: field('rate', parseBits),
        ceilBits: field('ceil', parseBits),
        burst: field('burst', parseSize),
        cburst: field('cburst', parseSize),
        quantum: field('quantum', Number),
      },
    });
  }
  return out;
}

const hexOf = (v: unknown): number | null => (typeof v === 'string' && /^(0x)?[0-9a-f]+$/i.test(v) ? parseInt(v, 16) : null);

/** "107:" / "107" → 0x107 */
const tableOf = (v: unknown): number | null => (typeof v === 'string' ? hexOf(v.replace(/:$/, '')) : null);

function parseMatch(v: unknown): U32Match | null {
  if (!isRecord(v)) return null;
  const value = hexOf(v.value);
  const mask = hexOf(v.mask);
  if (value === null || mask === null || typeof v.off !== 'number') return null;
  return { value, mask, off: v.off };
}

function redirectOf(actions: unknown): string | null {
  if (!Array.isArray(actions) || actions.length !== 1) return null;
  const a: unknown = actions[0];
  if (!isRecord(a) || a.kind !== 'mirred' || a.mirred_action !== 'redirect' || a.direction !== 'egress') return null;
  return typeof a.to_dev === 'string' ? a.to_dev : null;
}

/** "107::1" (as the kernel prints bucket 0) → "107:0:1" (as the driver writes it). */
function canonicalHandle(fh: string): string {
  return fh
    .split(':')
    .map((part) => (part === '' ? '0' : part.toLowerCase()))
    .join(':');
}

/** One or more `tc -j filter show` outputs; entries repeated across them (clsact's two hooks
 * share one u32 table space and each dump lists all of it) count once. */
export function parseU32Filters(outputs: readonly string[], pref: number): U32Dump {
  const dump: U32Dump = { tables: [], nodes: [], foreign: 0 };
  const seen = new Set<string>();
  for (const output of outputs) {
    const trimmed = output.trim();
    const data: unknown = trimmed === '' ? [] : trimmed.startsWith('[') ? JSON.parse(trimmed) : null;
    if (!Array.isArray(data)) {
      dump.foreign++;
      continue;
    }
    for (const f of data) {
      if (!isRecord(f)) continue;
      // A dump already restricted to one preference (`show ... pref N`) omits it per entry.
      if (f.kind !== 'u32' || (f.pref ?? pref) !== pref || f.protocol !== 'ip' || (f.chain ?? 0) !== 0) {
        dump.foreign++;
        continue;
      }
      const o = f.options;
      // The per-preference header entry carries no options.
      if (!isRecord(o) || typeof o.fh !== 'string' || seen.has(o.fh)) continue;
      seen.add(o.fh);
      if (typeof o.ht_divisor === 'number') {
        dump.tables.push({ id: tableOf(o.fh) ?? -1, divisor: o.ht_divisor });
        continue;
      }
      const hashMask = hexOf(o.hash_mask);
      dump.nodes.push({
        handle: canonicalHandle(o.fh),
        table: tableOf(o.key_ht) ?? -1,
        bucket: hexOf(o.bkt) ?? -1,
        match: parseMatch(o.match),
        link: tableOf(o.link),
        hash: hashMask !== null && typeof o.hash_off === 'number' ? { mask: hashMask, off: o.hash_off } : null,
        flowid: typeof o.flowid === 'string' ? o.flowid : null,
        redirectTo: redirectOf(o.actions),
      });
    }
  }
  return dump;
}

/** `tc -j qdisc show` (every device: one process instead of one per device) → root qdisc by device. */
export function parseRootQdiscs(output: string): Map<string, RootQdisc> {
  const out = new Map<string, RootQdisc>();
  const trimmed = output.trim();
  const data: unknown = trimmed.startsWith('[') ? JSON.parse(trimmed) : [];
  if (!Array.isArray(data)) return out;
  for (const q of data) {
    if (!isRecord(q) || q.root !== true || typeof q.dev !== 'string') continue;
    const opts = isRecord(q.options) ? q.options : {};
    out.set(q.dev, {
      kind: typeof q.kind === 'string' ? q.kind : '',
      handle: typeof q.handle === 'string' ? q.handle : '',
      defaultMinor: hexOf(opts.default),
    });
  }
  return out;
}
