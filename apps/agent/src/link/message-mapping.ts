import { applyHostDelta } from '@wgfleet/domain';
import { hostDeltaFromProto, hostStateFromProto, ProtoDecodeError, type AgentMessage, type ControllerMessage__Output } from '@wgfleet/proto';
import type { AgentEvent, ControllerEvent } from '../sync/controller-link';

// The Connect stream's messages to and from the sync loop's events.

export function controllerEventFromProto(m: ControllerMessage__Output): ControllerEvent {
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
      throw new ProtoDecodeError(`controller message without a known body (${String(m.body)})`);
  }
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
