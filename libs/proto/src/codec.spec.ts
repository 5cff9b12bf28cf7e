import { buildHostDelta, type HostDesiredState } from '@wgfleet/domain';
import { hostDeltaFromProto, hostDeltaToProto, hostStateFromProto, hostStateToProto, ProtoDecodeError } from './codec';
import type { ControllerMessage, ControllerMessage__Output } from './generated/wgfleet/agent/v1/ControllerMessage';
import { loadAgentProto } from './loader';

// Round trips go through real protobuf bytes, decoded with the same options the server and the
// agent use, so they also prove the loader options and the generated types agree.
const connect = loadAgentProto().AgentService.service.Connect;

function overTheWire(message: ControllerMessage): ControllerMessage__Output {
  return connect.responseDeserialize(connect.responseSerialize(message));
}

const state: HostDesiredState = {
  hostId: '7b0c3c6e-2f7e-4a53-9d2e-3f0c1d2e4a5b',
  revision: 42,
  publicAddress: '203.0.113.10',
  interfaces: [
    {
      id: 'i1',
      name: 'wg0',
      address: '100.64.0.1/24',
      listenPort: 51820,
      privateKey: 'cHJpdmF0ZQ==',
      mtu: null,
      nat: { enabled: true, snatAddress: null },
      internalTraffic: false,
      defaultBandwidth: { downloadKbit: 10000, uploadKbit: 0 },
      peers: [
        { id: 'p1', publicKey: 'a2V5MQ==', presharedKey: null, address: '100.64.0.2', allowedIps: ['100.64.0.2/32', '192.168.50.0/24'], enabled: true, bandwidth: { downloadKbit: 10000, uploadKbit: 0 }, shapingId: 2 },
        { id: 'p2', publicKey: 'a2V5Mg==', presharedKey: 'cHNr', address: '100.64.0.3', allowedIps: ['100.64.0.3/32'], enabled: false, bandwidth: { downloadKbit: 0, uploadKbit: 500 }, shapingId: 3 },
      ],
      portForwards: [{ id: 'f1', protocol: 'udp', port: 30000, peerAddress: '100.64.0.2', targetPort: 53 }],
    },
    {
      id: 'i2',
      name: 'wg1',
      address: '100.64.1.1/24',
      listenPort: 51821,
      privateKey: 'cHJpdjI=',
      mtu: 1380,
      nat: { enabled: false, snatAddress: '198.51.100.1' },
      internalTraffic: true,
      defaultBandwidth: { downloadKbit: 0, uploadKbit: 0 },
      peers: [],
      portForwards: [],
    },
  ],
};

describe('codec', () => {
  it('round-trips a snapshot, nulls included', () => {
    const received = overTheWire({ snapshot: hostStateToProto(state) });
    expect(received.body).toBe('snapshot');
    expect(hostStateFromProto(received.snapshot!)).toEqual(state);
    expect(hostStateFromProto(overTheWire({ snapshot: hostStateToProto({ ...state, publicAddress: null, interfaces: [] }) }).snapshot!)).toEqual({ ...state, publicAddress: null, interfaces: [] });
  });

  it('round-trips a delta with partial and complete interfaces', () => {
    const [first, second] = state.interfaces as [HostDesiredState['interfaces'][number], HostDesiredState['interfaces'][number]];
    const next: HostDesiredState = {
      ...state,
      revision: 44,
      publicAddress: null,
      interfaces: [{ ...first, peers: [{ ...first.peers[0]!, enabled: false }], portForwards: [] }, { ...second, mtu: 1420 }],
    };
    const delta = buildHostDelta(state, next);
    const received = overTheWire({ delta: hostDeltaToProto(delta) });
    expect(received.body).toBe('delta');
    expect(hostDeltaFromProto(received.delta!)).toEqual(delta);
  });

  it('encodes a one-peer delta in a few hundred bytes', () => {
    const first = state.interfaces[0]!;
    const delta = buildHostDelta(state, { ...state, revision: 43, interfaces: [{ ...first, peers: [first.peers[0]!, { ...first.peers[1]!, enabled: true }] }, state.interfaces[1]!] });
    expect(connect.responseSerialize({ delta: hostDeltaToProto(delta) }).length).toBeLessThan(200);
  });

  it('refuses a port forward with an unknown protocol', () => {
    const wire = hostStateToProto(state);
    wire.interfaces![0]!.portForwards![0]!.protocol = 'sctp';
    expect(() => hostStateFromProto(overTheWire({ snapshot: wire }).snapshot!)).toThrow(ProtoDecodeError);
  });
});
