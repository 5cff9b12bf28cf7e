import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { bigintAsNumber } from '../../database/column-transformers';
import type { JsonObject } from '../../common/json';

@Entity('audit_events')
export class AuditEventEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'actor_key_id', type: 'varchar', nullable: true }) actorKeyId!: string | null;
  @Column({ name: 'actor_name', type: 'varchar', nullable: true }) actorName!: string | null;
  @Column({ name: 'source_ip', type: 'varchar', nullable: true }) sourceIp!: string | null;
  @Column({ type: 'varchar' }) action!: string;
  @Column({ name: 'resource_type', type: 'varchar' }) resourceType!: string;
  @Column({ name: 'resource_id', type: 'varchar', nullable: true }) resourceId!: string | null;
  @Column({ name: 'host_id', type: 'uuid', nullable: true }) hostId!: string | null;
  @Column({ type: 'bigint', nullable: true, transformer: bigintAsNumber }) revision!: number | null;
  @Column({ type: 'jsonb' }) details!: JsonObject;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 }) createdAt!: Date;
}
