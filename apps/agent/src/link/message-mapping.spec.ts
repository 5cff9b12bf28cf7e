import { hostStateToProto, loadAgentProto, ProtoDecodeError } from '@wgfleet/proto';
import type { Logger } from '../log/logger';
import { controllerEventFromProto, IgnoredControllerMessages } from './message-mapping';

// The agent's reading of controller messages as the wire delivers them (decoded by the same
// proto loader the gRPC client uses).

const connect = loadAgentProto().AgentService.service.Connect;
const decode = (bytes: Buffer) => connect.responseDeserialize(bytes);

/**
 * A ControllerMessage from a newer controller: field 99 (a oneof member this agent lacks) holding
 * an empty message. Tag (99 << 3) | 2 = 794 is the varint 0x9a 0x06; then length 0.
 */
const FROM_NEWER_CONTROLLER = Buffer.from([0x9a, 0x06, 0x00]);

function recordingLogger(): Logger & { warnings: Array<{ message: string; fields: unknown }> } {
  const warnings: Array<{ message: string; fields: unknown }> = [];
  return { warnings, info: () => undefined, error: () => undefined, warn: (message, fields) => warnings.push({ message, fields }) };
}

describe('controller messages', () => {
  it('skips a kind of message this agent does not know, logging it once per kind', () => {
    const log = recordingLogger();
    const ignored = new IgnoredControllerMessages(log);
    const unknown = decode(FROM_NEWER_CONTROLLER);
    expect(unknown.body).toBeUndefined();
    expect(controllerEventFromProto(unknown, ignored.note)).toBeNull();
    expect(controllerEventFromProto(decode(FROM_NEWER_CONTROLLER), ignored.note)).toBeNull();
    expect(log.warnings).toEqual([{ message: expect.stringContaining('does not know') as string, fields: { kind: 'unknown' } }]);
    // Another unknown kind is logged once too.
    ignored.note('futureThing');
    ignored.note('futureThing');
    expect(log.warnings.map((w) => w.fields)).toEqual([{ kind: 'unknown' }, { kind: 'futureThing' }]);
  });

  it('still maps the kinds it knows, and still refuses a known kind without content', () => {
    const note = jest.fn();
    const state = { hostId: 'h', revision: 3, publicAddress: null, interfaces: [] };
    const snapshot = decode(connect.responseSerialize({ snapshot: hostStateToProto(state) }));
    expect(controllerEventFromProto(snapshot, note)).toEqual({ kind: 'snapshot', state });
    expect(controllerEventFromProto(decode(connect.responseSerialize({ keepalive: { sentAtUnixMs: 1 } })), note)).toEqual({ kind: 'keepalive' });
    expect(controllerEventFromProto(decode(connect.responseSerialize({ reportRequest: {} })), note)).toEqual({ kind: 'reportRequest' });
    expect(() => controllerEventFromProto({ body: 'delta', delta: null }, note)).toThrow(ProtoDecodeError);
    expect(note).not.toHaveBeenCalled();
  });
});
