import type { MigrationInterface, QueryRunner } from 'typeorm';

// The certificate a host renewed away from. Renew must not revoke it at once: if the answer is
// lost, the agent still holds only the old certificate. It stays accepted until the new serial is
// first used on a Connect (the agent has it on disk) or until it expires; re-enrolling clears it.
export class PreviousCertSerial1764000000000 implements MigrationInterface {
  name = 'PreviousCertSerial1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE hosts ADD COLUMN previous_cert_serial varchar(64)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE hosts DROP COLUMN IF EXISTS previous_cert_serial`);
  }
}
