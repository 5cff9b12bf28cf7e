import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { bigintAsNumber } from '../../database/column-transformers';
import type { JsonObject } from '../../common/json';

export type SuspensionReason = 'manual' | 'disabled' | 'expired' | 'quota';

@Entity('peers')
export class PeerEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'interface_id', type: 'uuid' }) interfaceId!: string;
  @Column({ name: 'host_id', type: 'uuid' }) hostId!: string;
  @Column({ type: 'varchar' }) name!: string;
  /** Tunnel address without prefix (stored as a /32 inet). */
  @Column({ type: 'inet' }) address!: string;
  @Column({ name: 'public_key', type: 'varchar' }) publicKey!: string;
  @Column({ name: 'private_key_enc', type: 'text', nullable: true }) privateKeyEnc!: string | null;
  @Column({ name: 'preshared_key_enc', type: 'text', nullable: true }) presharedKeyEnc!: string | null;
  /** Networks routed to the peer besides its own address. */
  @Column({ name: 'extra_allowed_ips', type: 'text', array: true }) extraAllowedIps!: string[];
  /** null = the interface default. */
  @Column({ name: 'download_kbit', type: 'integer', nullable: true }) downloadKbit!: number | null;
  @Column({ name: 'upload_kbit', type: 'integer', nullable: true }) uploadKbit!: number | null;
  @Column({ name: 'suspended_reason', type: 'varchar', nullable: true }) suspendedReason!: SuspensionReason | null;
  @Column({ name: 'suspended_message', type: 'varchar', nullable: true }) suspendedMessage!: string | null;
  @Column({ name: 'suspended_at', type: 'timestamptz', nullable: true }) suspendedAt!: Date | null;
  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true }) expiresAt!: Date | null;
  @Column({ name: 'quota_bytes', type: 'bigint', nullable: true, transformer: bigintAsNumber }) quotaBytes!: number | null;
  @Column({ name: 'external_id', type: 'varchar', nullable: true }) externalId!: string | null;
  @Column({ type: 'jsonb' }) metadata!: JsonObject;
  @Column({ name: 'rx_bytes', type: 'bigint', transformer: bigintAsNumber }) rxBytes!: number;
  @Column({ name: 'tx_bytes', type: 'bigint', transformer: bigintAsNumber }) txBytes!: number;
  @Column({ name: 'last_handshake_at', type: 'timestamptz', nullable: true }) lastHandshakeAt!: Date | null;
  @Column({ type: 'varchar', nullable: true }) endpoint!: string | null;
  @Column({ name: 'stats_at', type: 'timestamptz', nullable: true }) statsAt!: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 }) createdAt!: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
