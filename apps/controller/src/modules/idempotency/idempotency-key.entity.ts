import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A POST's first response, replayed for retries with the same key and body for 24 h. */
@Entity('idempotency_keys')
export class IdempotencyKeyEntity {
  @PrimaryColumn({ name: 'credential_id', type: 'varchar' }) credentialId!: string;
  @PrimaryColumn({ type: 'varchar' }) key!: string;
  @Column({ name: 'request_hash', type: 'char' }) requestHash!: string;
  /** null while the first request is still running. */
  @Column({ name: 'status_code', type: 'integer', nullable: true }) statusCode!: number | null;
  @Column({ name: 'response_body', type: 'jsonb', nullable: true }) responseBody!: unknown;
  @Column({ name: 'response_headers', type: 'jsonb', nullable: true }) responseHeaders!: Record<string, string> | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 }) createdAt!: Date;
}
