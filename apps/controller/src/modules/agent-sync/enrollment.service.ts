import { Injectable } from '@nestjs/common';
import { hashToken, pinEnrollmentToken, splitEnrollmentToken } from '@wgfleet/domain';
import { DataSource, type EntityManager } from 'typeorm';
import type { JsonObject } from '../../common/json';
import { HostRevocationsService } from '../pki/host-revocations.service';
import { PkiService } from '../pki/pki.service';

export interface EnrollmentResult {
  hostId: string;
  certificatePem: string;
  caCertificatePem: string;
}

/** The token is unknown, used or expired (one answer for all three: no oracle for guessers). */
export class EnrollmentRefusedError extends Error {}

/**
 * Turns one-time tokens into host certificates, and accepted certificates into fresh ones. A host
 * accepts the certificate whose serial `hosts.cert_serial` holds and, right after a renewal,
 * also the one it renewed from (`previous_cert_serial`): the agent may never have received the
 * new one (a lost answer), so that one must keep working until the new serial shows up on a
 * Connect (then it is revoked) or until it expires. Enrolling again revokes both at once.
 */
@Injectable()
export class EnrollmentService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly pki: PkiService,
    private readonly revocations: HostRevocationsService,
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
        `UPDATE hosts SET cert_serial = $2, previous_cert_serial = NULL, cert_fingerprint = $3, cert_not_after = $4, enrolled_at = now(),
                facts = COALESCE($5::jsonb, facts), agent_version = COALESCE($6, agent_version),
                status = CASE WHEN status = 'pending' THEN 'offline' ELSE status END
          WHERE id = $1`,
        [hostId, cert.serial, cert.fingerprint, cert.notAfter, facts ? JSON.stringify(facts) : null, agentVersion],
      );
      await audit(m, 'host.enroll', hostId, cert.serial, sourceIp);
      return { hostId, cert };
    });
    this.revocations.publish(issued.hostId);
    return { hostId: issued.hostId, certificatePem: issued.cert.certificatePem, caCertificatePem: this.pki.caCertificatePem };
  }

  /**
   * A new certificate for the host of a verified, accepted one. Renewing with the current
   * certificate keeps it as the previous one. Renewing with the previous one means the agent
   * never got (or never stored) the certificate issued last time: that one is dropped and the
   * previous one stays accepted, so a lost answer can be retried as often as needed.
   */
  async renew(hostId: string, serial: string, csrPem: string, sourceIp: string | null): Promise<EnrollmentResult> {
    const cert = await this.pki.issueHostCertificate(hostId, csrPem);
    const renewed = await this.dataSource.transaction(async (m) => {
      // The row lock orders this after a racing re-enrollment or renewal, whose outcome it then sees.
      const [row] = (await m.query(`SELECT cert_serial, previous_cert_serial FROM hosts WHERE id = $1 FOR UPDATE`, [hostId])) as CertSerials[];
      if (!row || (row.cert_serial !== serial && row.previous_cert_serial !== serial)) return null;
      const previous = row.cert_serial === serial ? serial : row.previous_cert_serial;
      await m.query(`UPDATE hosts SET cert_serial = $2, previous_cert_serial = $3, cert_fingerprint = $4, cert_not_after = $5 WHERE id = $1`, [
        hostId,
        cert.serial,
        previous,
        cert.fingerprint,
        cert.notAfter,
      ]);
      await audit(m, 'host.certificate.renew', hostId, cert.serial, sourceIp);
      // Whatever was accepted before and is neither the new nor the kept certificate is revoked.
      return { revokedAny: [row.cert_serial, row.previous_cert_serial].some((s) => s !== null && s !== previous) };
    });
    if (!renewed) throw new EnrollmentRefusedError('the certificate was replaced meanwhile');
    if (renewed.revokedAny) this.revocations.publish(hostId);
    return { hostId, certificatePem: cert.certificatePem, caCertificatePem: this.pki.caCertificatePem };
  }

  /** Whether the host accepts `serial`: its current certificate, or the one it renewed away from. */
  async accepts(hostId: string, serial: string): Promise<boolean> {
    const rows = (await this.dataSource.query(`SELECT 1 FROM hosts WHERE id = $1 AND (cert_serial = $2 OR previous_cert_serial = $2)`, [hostId, serial])) as unknown[];
    return rows.length > 0;
  }

  /**
   * Authenticates a Connect. The first Connect with a renewed certificate proves the agent has it
   * on disk, so the certificate it renewed from is revoked here (and streams still using it end).
   */
  async acceptsConnect(hostId: string, serial: string): Promise<boolean> {
    const [row] = (await this.dataSource.query(`SELECT cert_serial, previous_cert_serial FROM hosts WHERE id = $1 AND (cert_serial = $2 OR previous_cert_serial = $2)`, [
      hostId,
      serial,
    ])) as CertSerials[];
    if (!row) return false;
    if (row.cert_serial === serial && row.previous_cert_serial !== null) {
      const cleared = (await this.dataSource.query(`UPDATE hosts SET previous_cert_serial = NULL WHERE id = $1 AND cert_serial = $2 AND previous_cert_serial IS NOT NULL RETURNING id`, [
        hostId,
        serial,
      ])) as [unknown[], number];
      if (cleared[0].length > 0) this.revocations.publish(hostId);
    }
    return true;
  }

  /** Calls `listener(hostId)` when any replica revoked a certificate of that host (see HostRevocationsService). */
  onRevoked(listener: (hostId: string) => void): () => void {
    return this.revocations.subscribe(listener);
  }
}

interface CertSerials {
  cert_serial: string | null;
  previous_cert_serial: string | null;
}

/** Certificates are security events: who got one, when, from where (never the token). */
async function audit(m: EntityManager, action: string, hostId: string, serial: string, sourceIp: string | null): Promise<void> {
  await m.query(
    `INSERT INTO audit_events (actor_name, source_ip, action, resource_type, resource_id, host_id, details) VALUES ('agent', $1, $2, 'host', $3, $4, $5::jsonb)`,
    [sourceIp, action, hostId, hostId, JSON.stringify({ certificateSerial: serial })],
  );
}
