import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { bigintAsNumber } from '../../database/column-transformers';
import type { JsonObject } from '../../common/json';

export type HostKind = 'linux' | 'routeros';
export type HostStatus = 'pending' | 'online' | 'offline';

/** RouterOS connection settings; the password is sealed with the master key. */
export interface RouterOsSettings {
  apiUrl: string;
  username: string;
  passwordEnc: string;
  verifyTls: boolean;
  timeoutMs: number;
  concurrency: number;
}

@Entity('hosts')
export class HostEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ type: 'varchar' }) name!: string;
  @Column({ type: 'varchar' }) kind!: HostKind;
  @Column({ name: 'public_address', type: 'varchar', nullable: true }) publicAddress!: string | null;
  @Column({ name: 'is_default', type: 'boolean' }) isDefault!: boolean;
  @Column({ type: 'jsonb' }) labels!: Record<string, string>;
  @Column({ type: 'jsonb', nullable: true }) routeros!: RouterOsSettings | null;
  @Column({ type: 'varchar' }) status!: HostStatus;
  @Column({ name: 'last_seen_at', type: 'timestamptz', nullable: true }) lastSeenAt!: Date | null;
  @Column({ name: 'desired_revision', type: 'bigint', transformer: bigintAsNumber }) desiredRevision!: number;
  @Column({ name: 'applied_revision', type: 'bigint', transformer: bigintAsNumber }) appliedRevision!: number;
  @Column({ name: 'applied_at', type: 'timestamptz', nullable: true }) appliedAt!: Date | null;
  @Column({ name: 'last_error', type: 'text', nullable: true }) lastError!: string | null;
  @Column({ name: 'agent_version', type: 'varchar', nullable: true }) agentVersion!: string | null;
  @Column({ type: 'jsonb' }) facts!: JsonObject;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 }) createdAt!: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
