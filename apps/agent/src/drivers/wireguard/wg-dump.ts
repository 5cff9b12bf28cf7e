// Parser for `wg show <if> dump`. Tab-separated; the first line is the interface
// (private-key public-key listen-port fwmark), each further line a peer (public-key
// preshared-key endpoint allowed-ips latest-handshake rx tx persistent-keepalive).
// The private and preshared keys are parsed for drift checks only; reports must not carry them.

export interface WgDumpPeer {
  publicKey: string;
  presharedKey: string | null;
  endpoint: string | null;
  allowedIps: string[];
  /** Unix seconds; 0 = never. */
  latestHandshake: number;
  rxBytes: number;
  txBytes: number;
  persistentKeepalive: number | null;
}

export interface WgDump {
  privateKey: string | null;
  publicKey: string | null;
  listenPort: number;
  fwmark: number | null;
  peers: WgDumpPeer[];
}

export function parseWgDump(text: string): WgDump {
  const lines = text.split('\n').filter((l) => l.length > 0);
  const head = lines[0]?.split('\t');
  if (!head || head.length < 4) throw new Error('wg dump: missing interface line');
  const [privateKey, publicKey, listenPort, fwmark] = head as [string, string, string, string];
  return {
    privateKey: none(privateKey),
    publicKey: none(publicKey),
    listenPort: Number(listenPort),
    fwmark: fwmark === 'off' ? null : Number(fwmark),
    peers: lines.slice(1).map(parsePeer),
  };
}

function parsePeer(line: string): WgDumpPeer {
  const f = line.split('\t');
  if (f.length < 8) throw new Error(`wg dump: malformed peer line (${f.length} fields)`);
  const [publicKey, psk, endpoint, allowed, handshake, rx, tx, keepalive] = f as [string, string, string, string, string, string, string, string];
  return {
    publicKey,
    presharedKey: none(psk),
    endpoint: none(endpoint),
    allowedIps: allowed === '(none)' ? [] : allowed.split(','),
    latestHandshake: Number(handshake),
    rxBytes: Number(rx),
    txBytes: Number(tx),
    persistentKeepalive: keepalive === 'off' ? null : Number(keepalive),
  };
}

function none(s: string): string | null {
  return s === '(none)' ? null : s;
}
