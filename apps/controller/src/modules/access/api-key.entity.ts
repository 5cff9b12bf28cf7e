import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export type Role = 'admin' | 'operator' | 'readonly';
export const ROLES: Role[] = ['admin', 'operator', 'readonly'];

@Entity('api_keys')
export class ApiKeyEntity {
  /** The public part of the key string wgf_<id>_<secret>. */
  @PrimaryColumn({ type: 'varchar' }) id!: string;
  @Column({ type: 'varchar' }) name!: string;
  @Column({ type: 'varchar' }) role!: Role;
  @Column({ name: 'secret_hash', type: 'char' }) secretHash!: string;
  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true }) expiresAt!: Date | null;
  @Column({ name: 'allowed_cidrs', type: 'text', array: true }) allowedCidrs!: string[];
  @Column({ name: 'created_by', type: 'varchar', nullable: true }) createdBy!: string | null;
  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true }) lastUsedAt!: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 }) createdAt!: Date;
}
