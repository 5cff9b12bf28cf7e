import { applyHostDelta } from '@wgfleet/domain';
import { hostDeltaFromProto, hostStateFromProto, ProtoDecodeError, type AgentMessage, type ControllerMessage__Output } from '@wgfleet/proto';
import type { Logger } from '../log/logger';
import type { AgentEvent, ControllerEvent } from '../sync/controller-link';

// The Connect stream's messages to and from the sync loop's events.

/**
 * The sync loop's event for a controller message, or null for a kind of message this agent does
 * not know: a newer controller may send kinds added after this agent was built. Failing the
 * stream over one would make the agent reconnect forever against that controller, so it is
 * skipped and reported to `unknown`. (Protobuf drops fields this agent's schema lacks, so such a
 * message usually arrives with no body; a body named by a newer proto file beside an older build
 * keeps its name.)
 */
export function controllerEventFromProto(m: ControllerMessage__Output, unknown: (kind: string) => void): ControllerEvent | null {
  switch (m.body) {
    case 'snapshot':
      return { kind: 'snapshot', state: hostStateFromProto(present(m.snapshot, 'snapshot')) };
    case 'delta': {
      const delta = hostDeltaFromProto(present(m.delta, 'delta'));
      return { kind: 'delta', fromRevision: delta.fromRevision, toRevision: delta.toRevision, applyTo: (base) => applyHostDelta(base, delta) };
    }
    case 'keepalive':
      return { kind: 'keepalive' };
    case 'reportRequest':
      return { kind: 'reportRequest' };
    default:
      unknown(String(m.body ?? 'unknown'));
      return null;
  }
}

/** Logs each kind of controller message this agent ignores once (a newer controller may send it on every sync). */
export class IgnoredControllerMessages {
  private readonly logged = new Set<string>();

  constructor(private readonly log: Logger) {}

  readonly note = (kind: string): void => {
    if (this.logged.has(kind)) return;
    this.logged.add(kind);
    this.log.warn('ignoring a kind of controller message this agent does not know (the controller is newer; update the agent)', { kind });
  };
}

export function agentEventToProto(e: AgentEvent): AgentMessage {
  switch (e.kind) {
    case 'hello':
      return { hello: { appliedRevision: e.appliedRevision, facts: e.facts } };
    case 'applyResult': {
      const r = e.result;
      return {
        applyResult: { revision: r.revision, ok: r.ok, error: r.error ?? '', durationMs: r.durationMs, mode: r.mode, timings: r.timings },
      };
    }
    case 'stats':
      return { stats: { revision: e.revision, peers: e.peers } };
    case 'dataplane':
      return { dataplane: { revision: e.revision, reportJson: e.reportJson } };
    case 'drift':
      return { drift: { revision: e.revision, findings: e.findings, repaired: e.repaired } };
    case 'keepalive':
      return { keepalive: { sentAtUnixMs: e.sentAtUnixMs } };
  }
}

function present<T>(v: T | null | undefined, what: string): T {
  if (v === null || v === undefined) throw new ProtoDecodeError(`${what} message without content`);
  return v;
}
