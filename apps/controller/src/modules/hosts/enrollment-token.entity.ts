import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** A one-time host enrollment token; only its SHA-256 is stored. */
@Entity('enrollment_tokens')
export class EnrollmentTokenEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'host_id', type: 'uuid' }) hostId!: string;
  @Column({ name: 'token_hash', type: 'char' }) tokenHash!: string;
  @Column({ name: 'expires_at', type: 'timestamptz' }) expiresAt!: Date;
  @Column({ name: 'used_at', type: 'timestamptz', nullable: true }) usedAt!: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 }) createdAt!: Date;
}
