// The wg-quick file a peer downloads (also rendered as a QR code).

export interface ClientConfigInput {
  /** null when the client brought its own key pair: we never had its private key. */
  privateKey: string | null;
  /** e.g. "10.8.0.2/32", possibly a comma list. */
  address: string;
  dns: string[];
  mtu: number | null;
  serverPublicKey: string;
  presharedKey: string | null;
  /** host:port */
  endpoint: string;
  /** What the client routes into the tunnel; the caller picks the default. */
  allowedIps: string[];
  persistentKeepalive: number | null;
}

export function renderClientConfig(input: ClientConfigInput): string {
  const lines = ['[Interface]'];
  lines.push(
    input.privateKey !== null
      ? `PrivateKey = ${input.privateKey}`
      : '# PrivateKey = <not stored: set your own private key here>',
  );
  lines.push(`Address = ${input.address}`);
  if (input.dns.length > 0) lines.push(`DNS = ${input.dns.join(', ')}`);
  if (input.mtu !== null) lines.push(`MTU = ${input.mtu}`);

  lines.push('', '[Peer]', `PublicKey = ${input.serverPublicKey}`);
  if (input.presharedKey) lines.push(`PresharedKey = ${input.presharedKey}`);
  lines.push(`AllowedIPs = ${input.allowedIps.join(', ')}`);
  lines.push(`Endpoint = ${input.endpoint}`);
  // 0 means "off" to wg-quick; leave the line out rather than write a no-op.
  if (input.persistentKeepalive) lines.push(`PersistentKeepalive = ${input.persistentKeepalive}`);
  return lines.join('\n') + '\n';
}
