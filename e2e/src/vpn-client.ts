import { startWireguardClient, type Netns, type NetnsLab, type WireguardClient } from '@wgfleet/testing';

// A customer's device: it takes the wg-quick file the API serves, as a person would import it,
// and brings the tunnel up in its namespace. Only what wg-quick would do for it is done here:
// the keys and peer go to `wg setconf`, Address to the interface, and the full-tunnel AllowedIPs
// become the default route (the endpoint keeps its more specific route over the underlay).

interface WgQuickFile {
  Interface: Record<string, string>;
  Peer: Record<string, string>;
}

function parseWgQuick(text: string): WgQuickFile {
  const file: WgQuickFile = { Interface: {}, Peer: {} };
  let section: Record<string, string> | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) continue;
    const header = /^\[(Interface|Peer)\]$/.exec(line);
    if (header) {
      section = file[header[1] as keyof WgQuickFile];
      continue;
    }
    const eq = line.indexOf('=');
    if (!section || eq < 0) throw new Error(`not a wg-quick line: ${line}`);
    section[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return file;
}

export async function connectClient(lab: NetnsLab, ns: Netns, configText: string): Promise<WireguardClient & { address: string }> {
  const conf = parseWgQuick(configText);
  const need = (section: Record<string, string>, key: string): string => {
    const v = section[key];
    if (!v) throw new Error(`the served config has no ${key}`);
    return v;
  };
  const address = need(conf.Interface, 'Address');
  const allowedIps = need(conf.Peer, 'AllowedIPs').split(',').map((s) => s.trim());
  const client = await startWireguardClient(ns, {
    ifname: lab.wgName('c'),
    privateKey: need(conf.Interface, 'PrivateKey'),
    address,
    peer: {
      publicKey: need(conf.Peer, 'PublicKey'),
      presharedKey: conf.Peer.PresharedKey ?? null,
      endpoint: need(conf.Peer, 'Endpoint'),
      allowedIps,
      persistentKeepalive: conf.Peer.PersistentKeepalive ? Number(conf.Peer.PersistentKeepalive) : undefined,
    },
    routes: allowedIps.includes('0.0.0.0/0') ? ['default'] : allowedIps.filter((r) => !r.includes(':')),
  });
  return { ...client, address: address.split('/')[0] as string };
}
