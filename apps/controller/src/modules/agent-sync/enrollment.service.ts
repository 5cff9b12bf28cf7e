import { Injectable } from '@nestjs/common';
import { hashToken, pinEnrollmentToken, splitEnrollmentToken } from '@wgfleet/domain';
import { DataSource, type EntityManager } from 'typeorm';
import type { JsonObject } from '../../common/json';
import { PubSubService } from '../../infra/pubsub.service';
import { PkiService } from '../pki/pki.service';

export interface EnrollmentResult {
  hostId: string;
  certificatePem: string;
  caCertificatePem: string;
}

/** The token is unknown, used or expired (one answer for all three: no oracle for guessers). */
export class EnrollmentRefusedError extends Error {}

const REVOKED = 'host-certificate-revoked';

/**
 * Turns one-time tokens into host certificates, and current certificates into fresh ones. A
 * host has exactly one valid certificate: the one whose serial `hosts.cert_serial` holds. Issuing
 * a new one (enrolling again, renewing) therefore revokes the previous one in the same update.
 */
@Injectable()
export class EnrollmentService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly pki: PkiService,
    private readonly pubsub: PubSubService,
  ) {}

  /**
   * Consumes the token and signs the CSR in one transaction: a CSR that fails to sign rolls the
   * token back, so a broken agent does not burn it; two agents racing with one token get one
   * certificate (the row lock of the conditional UPDATE decides).
   */
  async enroll(token: string, csrPem: string, facts: JsonObject | null, agentVersion: string | null, sourceIp: string | null): Promise<EnrollmentResult> {
    // The stored hash covers the pinned form; a bare token is pinned with our own fingerprint,
    // and a token pinned to another CA simply does not match.
    const hash = hashToken(pinEnrollmentToken(splitEnrollmentToken(token).token, this.pki.caFingerprint));
    const issued = await this.dataSource.transaction(async (m) => {
      const used = (await m.query(`UPDATE enrollment_tokens SET used_at = now() WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING host_id`, [
        hash,
      ])) as [Array<{ host_id: string }>, number];
      const hostId = used[0][0]?.host_id;
      if (!hostId) throw new EnrollmentRefusedError('the enrollment token is unknown, already used or expired');
      const cert = await this.pki.issueHostCertificate(hostId, csrPem);
      await m.query(
        `UPDATE hosts SET cert_serial = $2, cert_fingerprint = $3, cert_not_after = $4, enrolled_at = now(), facts = COALESCE($5::jsonb, facts), agent_version = COALESCE($6, agent_version),
                status = CASE WHEN status = 'pending' THEN 'offline' ELSE status END
          WHERE id = $1`,
        [hostId, cert.serial, cert.fingerprint, cert.notAfter, facts ? JSON.stringify(facts) : null, agentVersion],
      );
      await audit(m, 'host.enroll', hostId, cert.serial, sourceIp);
      return { hostId, cert };
    });
    this.pubsub.publish(REVOKED, issued.hostId);
    return { hostId: issued.hostId, certificatePem: issued.cert.certificatePem, caCertificatePem: this.pki.caCertificatePem };
  }

  /** A new certificate for the host of a verified, current one. */
  async renew(hostId: string, currentSerial: string, csrPem: string, sourceIp: string | null): Promise<EnrollmentResult> {
    const cert = await this.pki.issueHostCertificate(hostId, csrPem);
    const renewed = await this.dataSource.transaction(async (m) => {
      // Conditional on the serial the request authenticated with: a renewal racing a re-enrollment loses.
      const rows = (await m.query(`UPDATE hosts SET cert_serial = $2, cert_fingerprint = $3, cert_not_after = $4 WHERE id = $1 AND cert_serial = $5 RETURNING id`, [
        hostId,
        cert.serial,
        cert.fingerprint,
        cert.notAfter,
        currentSerial,
      ])) as [unknown[], number];
      if (rows[0].length === 0) return false;
      await audit(m, 'host.certificate.renew', hostId, cert.serial, sourceIp);
      return true;
    });
    if (!renewed) throw new EnrollmentRefusedError('the certificate was replaced meanwhile');
    return { hostId, certificatePem: cert.certificatePem, caCertificatePem: this.pki.caCertificatePem };
  }

  /** Whether `serial` is the host's current certificate. */
  async isCurrent(hostId: string, serial: string): Promise<boolean> {
    const rows = (await this.dataSource.query(`SELECT 1 FROM hosts WHERE id = $1 AND cert_serial = $2`, [hostId, serial])) as unknown[];
    return rows.length > 0;
  }

  /** Calls `listener(hostId)` when any replica issued a host a new certificate by enrollment. */
  onRevoked(listener: (hostId: string) => void): () => void {
    return this.pubsub.subscribe(REVOKED, listener);
  }
}

/** Certificates are security events: who got one, when, from where (never the token). */
async function audit(m: EntityManager, action: string, hostId: string, serial: string, sourceIp: string | null): Promise<void> {
  await m.query(
    `INSERT INTO audit_events (actor_name, source_ip, action, resource_type, resource_id, host_id, details) VALUES ('agent', $1, $2, 'host', $3, $4, $5::jsonb)`,
    [sourceIp, action, hostId, hostId, JSON.stringify({ certificateSerial: serial })],
  );
}
