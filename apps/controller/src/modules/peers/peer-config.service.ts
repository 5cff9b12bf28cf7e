import { Inject, Injectable } from '@nestjs/common';
import { formatEndpoint, parseEndpoint, renderClientConfig, SecretBox } from '@wgfleet/domain';
import QRCode from 'qrcode';
import { DataSource } from 'typeorm';
import { ApiError } from '../../common/api-error';
import { SECRET_BOX } from '../../infra/crypto.module';
import { HostEntity } from '../hosts/host.entity';
import { InterfaceEntity } from '../interfaces/interface.entity';
import { PeerEntity } from './peer.entity';

/** Routes a client sends into the tunnel: everything (a VPN service's usual full tunnel). */
const CLIENT_ROUTES = ['0.0.0.0/0', '::/0'];

/** The wg-quick file a customer's device imports, and its QR code. */
@Injectable()
export class PeerConfigService {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(SECRET_BOX) private readonly secrets: SecretBox,
  ) {}

  async configText(peerId: string): Promise<string> {
    const peer = await this.dataSource.getRepository(PeerEntity).findOneBy({ id: peerId });
    if (!peer) throw ApiError.notFound('Peer');
    const iface = await this.dataSource.getRepository(InterfaceEntity).findOneByOrFail({ id: peer.interfaceId });
    const host = await this.dataSource.getRepository(HostEntity).findOneByOrFail({ id: peer.hostId });
    const prefix = iface.address.split('/')[1];
    return renderClientConfig({
      privateKey: peer.privateKeyEnc ? this.secrets.open(peer.privateKeyEnc, 'peer.private_key') : null,
      address: `${peer.address}/${prefix}`,
      dns: iface.dns,
      mtu: iface.mtu,
      serverPublicKey: iface.publicKey,
      presharedKey: peer.presharedKeyEnc ? this.secrets.open(peer.presharedKeyEnc, 'peer.preshared_key') : null,
      endpoint: endpointOf(iface, host),
      allowedIps: CLIENT_ROUTES,
      persistentKeepalive: iface.persistentKeepalive,
    });
  }

  async qrPng(peerId: string): Promise<Buffer> {
    return QRCode.toBuffer(await this.configText(peerId), { type: 'png', errorCorrectionLevel: 'M', margin: 2, scale: 4 });
  }

  async qrSvg(peerId: string): Promise<string> {
    return QRCode.toString(await this.configText(peerId), { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  }
}

/** The interface's endpoint, else the host's public address; the listen port fills a missing port. */
export function endpointOf(iface: InterfaceEntity, host: HostEntity): string {
  const parsed = parseEndpoint(iface.endpoint ?? host.publicAddress ?? '');
  if (!parsed) {
    throw ApiError.conflict('NO_ENDPOINT', `Clients cannot reach ${iface.name}: set the interface endpoint or the host publicAddress`, 'endpoint');
  }
  return formatEndpoint(parsed.host, parsed.port ?? iface.listenPort);
}
