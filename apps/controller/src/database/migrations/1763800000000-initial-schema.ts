import type { MigrationInterface, QueryRunner } from 'typeorm';

// Uniqueness that racing requests could break is enforced here, by the database, under named
// constraints that db-errors.ts maps to 409 messages.
export class InitialSchema1763800000000 implements MigrationInterface {
  name = 'InitialSchema1763800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE EXTENSION IF NOT EXISTS btree_gist`);

    await q.query(`
      CREATE TABLE hosts (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name varchar(63) NOT NULL,
        kind varchar(16) NOT NULL CHECK (kind IN ('linux', 'routeros')),
        public_address varchar(253),
        is_default boolean NOT NULL DEFAULT false,
        labels jsonb NOT NULL DEFAULT '{}',
        routeros jsonb,
        status varchar(16) NOT NULL DEFAULT 'pending',
        last_seen_at timestamptz(3),
        desired_revision bigint NOT NULL DEFAULT 0,
        applied_revision bigint NOT NULL DEFAULT 0,
        applied_at timestamptz(3),
        last_error text,
        agent_version varchar(64),
        facts jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT uq_hosts_name UNIQUE (name)
      )`);
    await q.query(`CREATE UNIQUE INDEX uq_hosts_default ON hosts (is_default) WHERE is_default`);
    await q.query(`CREATE INDEX ix_hosts_created ON hosts (created_at, id)`);

    await q.query(`
      CREATE TABLE host_changes (
        host_id uuid NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
        revision bigint NOT NULL,
        changes jsonb NOT NULL,
        actor varchar(80),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        applied_at timestamptz(3),
        error text,
        PRIMARY KEY (host_id, revision)
      )`);

    await q.query(`
      CREATE TABLE enrollment_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        host_id uuid NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
        token_hash char(64) NOT NULL UNIQUE,
        expires_at timestamptz(3) NOT NULL,
        used_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX ix_enrollment_tokens_host ON enrollment_tokens (host_id)`);

    await q.query(`
      CREATE TABLE interfaces (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        host_id uuid NOT NULL REFERENCES hosts(id) ON DELETE RESTRICT,
        name varchar(15) NOT NULL,
        display_name varchar(64),
        address inet NOT NULL,
        subnet cidr GENERATED ALWAYS AS (network(address)) STORED,
        listen_port integer NOT NULL CHECK (listen_port BETWEEN 1 AND 65535),
        endpoint varchar(261),
        dns text[] NOT NULL DEFAULT '{}',
        mtu integer CHECK (mtu BETWEEN 1280 AND 9000),
        persistent_keepalive integer CHECK (persistent_keepalive BETWEEN 0 AND 65535),
        nat_enabled boolean NOT NULL DEFAULT true,
        snat_address inet,
        internal_traffic boolean NOT NULL DEFAULT false,
        default_download_kbit integer NOT NULL DEFAULT 0 CHECK (default_download_kbit >= 0),
        default_upload_kbit integer NOT NULL DEFAULT 0 CHECK (default_upload_kbit >= 0),
        private_key_enc text NOT NULL,
        public_key varchar(44) NOT NULL,
        extra jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT uq_interfaces_host_name UNIQUE (host_id, name),
        CONSTRAINT uq_interfaces_host_port UNIQUE (host_id, listen_port),
        CONSTRAINT ex_interfaces_host_subnet EXCLUDE USING gist (host_id WITH =, subnet inet_ops WITH &&)
      )`);
    await q.query(`CREATE INDEX ix_interfaces_created ON interfaces (created_at, id)`);

    await q.query(`
      CREATE TABLE peers (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        interface_id uuid NOT NULL REFERENCES interfaces(id) ON DELETE CASCADE,
        host_id uuid NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
        name varchar(64) NOT NULL,
        address inet NOT NULL,
        public_key varchar(44) NOT NULL,
        private_key_enc text,
        preshared_key_enc text,
        extra_allowed_ips text[] NOT NULL DEFAULT '{}',
        download_kbit integer CHECK (download_kbit >= 0),
        upload_kbit integer CHECK (upload_kbit >= 0),
        suspended_reason varchar(16),
        suspended_message varchar(200),
        suspended_at timestamptz(3),
        expires_at timestamptz(3),
        quota_bytes bigint CHECK (quota_bytes >= 0),
        external_id varchar(128),
        metadata jsonb NOT NULL DEFAULT '{}',
        rx_bytes bigint NOT NULL DEFAULT 0,
        tx_bytes bigint NOT NULL DEFAULT 0,
        last_handshake_at timestamptz(3),
        endpoint varchar(64),
        stats_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT uq_peers_interface_address UNIQUE (interface_id, address),
        CONSTRAINT uq_peers_interface_public_key UNIQUE (interface_id, public_key),
        CONSTRAINT uq_peers_interface_name UNIQUE (interface_id, name)
      )`);
    await q.query(`CREATE INDEX ix_peers_created ON peers (created_at, id)`);
    await q.query(`CREATE INDEX ix_peers_interface_created ON peers (interface_id, created_at, id)`);
    await q.query(`CREATE INDEX ix_peers_host_created ON peers (host_id, created_at, id)`);
    await q.query(`CREATE INDEX ix_peers_external_id ON peers (external_id) WHERE external_id IS NOT NULL`);
    await q.query(`CREATE INDEX ix_peers_expires ON peers (expires_at) WHERE expires_at IS NOT NULL AND suspended_reason IS NULL`);

    await q.query(`
      CREATE TABLE port_forwards (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        host_id uuid NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
        interface_id uuid NOT NULL REFERENCES interfaces(id) ON DELETE CASCADE,
        peer_id uuid NOT NULL REFERENCES peers(id) ON DELETE CASCADE,
        protocol varchar(3) NOT NULL CHECK (protocol IN ('tcp', 'udp')),
        port integer NOT NULL CHECK (port BETWEEN 1 AND 65535),
        target_port integer NOT NULL CHECK (target_port BETWEEN 1 AND 65535),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT uq_port_forwards_host_port UNIQUE (host_id, protocol, port)
      )`);
    await q.query(`CREATE INDEX ix_port_forwards_interface ON port_forwards (interface_id, created_at, id)`);
    await q.query(`CREATE INDEX ix_port_forwards_peer ON port_forwards (peer_id)`);

    // What agents report: the rules and classes a host really runs, and per-peer traffic by hour.
    await q.query(`
      CREATE TABLE dataplane_reports (
        interface_id uuid PRIMARY KEY REFERENCES interfaces(id) ON DELETE CASCADE,
        host_id uuid NOT NULL REFERENCES hosts(id) ON DELETE CASCADE,
        revision bigint NOT NULL,
        report jsonb NOT NULL,
        reported_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE peer_usage (
        peer_id uuid NOT NULL REFERENCES peers(id) ON DELETE CASCADE,
        hour timestamptz NOT NULL,
        rx_bytes bigint NOT NULL DEFAULT 0,
        tx_bytes bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (peer_id, hour)
      )`);

    await q.query(`
      CREATE TABLE api_keys (
        id varchar(16) PRIMARY KEY,
        name varchar(64) NOT NULL,
        role varchar(16) NOT NULL CHECK (role IN ('admin', 'operator', 'readonly')),
        secret_hash char(64) NOT NULL,
        expires_at timestamptz(3),
        allowed_cidrs text[] NOT NULL DEFAULT '{}',
        created_by varchar(16),
        last_used_at timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        CONSTRAINT uq_api_keys_name UNIQUE (name)
      )`);

    await q.query(`
      CREATE TABLE audit_events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        actor_key_id varchar(16),
        actor_name varchar(64),
        source_ip varchar(64),
        action varchar(64) NOT NULL,
        resource_type varchar(32) NOT NULL,
        resource_id varchar(64),
        host_id uuid,
        revision bigint,
        details jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX ix_audit_events_created ON audit_events (created_at, id)`);

    await q.query(`
      CREATE TABLE idempotency_keys (
        credential_id varchar(16) NOT NULL,
        key varchar(255) NOT NULL,
        request_hash char(64) NOT NULL,
        status_code integer,
        response_body jsonb,
        response_headers jsonb,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (credential_id, key)
      )`);
    await q.query(`CREATE INDEX ix_idempotency_keys_created ON idempotency_keys (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of ['idempotency_keys', 'audit_events', 'api_keys', 'peer_usage', 'dataplane_reports', 'port_forwards', 'peers', 'interfaces', 'enrollment_tokens', 'host_changes', 'hosts']) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
