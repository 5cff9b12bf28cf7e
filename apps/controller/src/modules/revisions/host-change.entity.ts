import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import { bigintAsNumber } from '../../database/column-transformers';

export type ChangedResource = 'host' | 'interface' | 'peer' | 'port-forward';

export interface ChangeRecord {
  resource: ChangedResource;
  id: string;
  op: 'upsert' | 'delete';
}

/** One revision of one host's desired state, and what changed in it. */
@Entity('host_changes')
export class HostChangeEntity {
  @PrimaryColumn({ name: 'host_id', type: 'uuid' }) hostId!: string;
  @PrimaryColumn({ type: 'bigint', transformer: bigintAsNumber }) revision!: number;
  @Column({ type: 'jsonb' }) changes!: ChangeRecord[];
  @Column({ type: 'varchar', nullable: true }) actor!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 }) createdAt!: Date;
  @Column({ name: 'applied_at', type: 'timestamptz', nullable: true }) appliedAt!: Date | null;
  @Column({ type: 'text', nullable: true }) error!: string | null;
}
