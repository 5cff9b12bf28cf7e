import type { MigrationInterface, QueryRunner } from 'typeorm';

// Agent sync: the agents' CA (one row, shared by every replica; its key sealed with the master
// key), each host's current client certificate (any other serial is refused, which is how
// re-enrolling revokes the previous certificate), and the last raw WireGuard counters per peer
// (the kernel's counters restart with the interface; the stored totals must not).
export class AgentSync1763900000000 implements MigrationInterface {
  name = 'AgentSync1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE agent_ca (
        id smallint PRIMARY KEY CHECK (id = 1),
        certificate_pem text NOT NULL,
        private_key_enc text NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`
      ALTER TABLE hosts
        ADD COLUMN cert_serial varchar(64),
        ADD COLUMN cert_fingerprint char(64),
        ADD COLUMN cert_not_after timestamptz(3),
        ADD COLUMN enrolled_at timestamptz(3)`);
    await q.query(`CREATE INDEX ix_hosts_online_seen ON hosts (last_seen_at) WHERE status = 'online'`);
    await q.query(`ALTER TABLE peers ADD COLUMN rx_raw bigint NOT NULL DEFAULT 0, ADD COLUMN tx_raw bigint NOT NULL DEFAULT 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE peers DROP COLUMN IF EXISTS rx_raw, DROP COLUMN IF EXISTS tx_raw`);
    await q.query(`DROP INDEX IF EXISTS ix_hosts_online_seen`);
    await q.query(`ALTER TABLE hosts DROP COLUMN IF EXISTS cert_serial, DROP COLUMN IF EXISTS cert_fingerprint, DROP COLUMN IF EXISTS cert_not_after, DROP COLUMN IF EXISTS enrolled_at`);
    await q.query(`DROP TABLE IF EXISTS agent_ca`);
  }
}
