import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { SecretBox } from '@wgfleet/domain';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../../config/app-config';
import { APP_CONFIG } from '../../config/config.module';
import { SECRET_BOX } from '../../infra/crypto.module';
import {
  createCa,
  issueHostCertificate,
  issueServerCertificate,
  loadCa,
  verifyHostCertificate,
  type IssuedCertificate,
  type KeyPairPem,
  type LoadedCa,
  type VerifiedHostCertificate,
} from './certificate-authority';

const KEY_CONTEXT = 'agent_ca.private_key';

/**
 * The agents' CA, shared by every replica through Postgres. The first replica to start creates
 * it; replicas starting together each generate one, and the primary key on the single row lets
 * exactly one insert win, which all of them then load.
 */
@Injectable()
export class PkiService implements OnModuleInit {
  private loaded: LoadedCa | null = null;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(SECRET_BOX) private readonly secrets: SecretBox,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    this.loaded = (await this.readCa()) ?? (await this.createCa());
  }

  get caCertificatePem(): string {
    return this.ca().certificatePem;
  }

  /** SHA-256 of the CA certificate (lowercase hex): the pin enrollment tokens carry. */
  get caFingerprint(): string {
    return this.ca().fingerprint;
  }

  /**
   * A fresh key and certificate for this process's gRPC listener. The chain includes the CA, so
   * an agent that only knows the CA's fingerprint can find and pin it in the handshake.
   */
  async serverIdentity(): Promise<KeyPairPem> {
    const issued = await issueServerCertificate(this.ca(), this.config.grpc.hostnames);
    return { certificatePem: `${issued.certificatePem}\n${this.caCertificatePem}`, privateKeyPem: issued.privateKeyPem };
  }

  issueHostCertificate(hostId: string, csrPem: string): Promise<IssuedCertificate> {
    return issueHostCertificate(this.ca(), csrPem, hostId, this.config.agents.certificateDays);
  }

  verifyHostCertificate(der: Buffer): VerifiedHostCertificate | null {
    return verifyHostCertificate(this.ca(), der);
  }

  private ca(): LoadedCa {
    if (!this.loaded) throw new Error('the agent CA is not loaded yet');
    return this.loaded;
  }

  private async readCa(): Promise<LoadedCa | null> {
    const [row] = (await this.dataSource.query(`SELECT certificate_pem, private_key_enc FROM agent_ca WHERE id = 1`)) as Array<{ certificate_pem: string; private_key_enc: string }>;
    if (!row) return null;
    return loadCa({ certificatePem: row.certificate_pem, privateKeyPem: this.secrets.open(row.private_key_enc, KEY_CONTEXT) });
  }

  private async createCa(): Promise<LoadedCa> {
    const material = await createCa();
    await this.dataSource.query(`INSERT INTO agent_ca (id, certificate_pem, private_key_enc) VALUES (1, $1, $2) ON CONFLICT (id) DO NOTHING`, [
      material.certificatePem,
      this.secrets.seal(material.privateKeyPem, KEY_CONTEXT),
    ]);
    const winner = await this.readCa();
    if (!winner) throw new Error('the agent CA row vanished right after it was created');
    return winner;
  }
}
