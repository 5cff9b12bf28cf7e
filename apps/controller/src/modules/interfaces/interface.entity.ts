import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { JsonObject } from '../../common/json';

@Entity('interfaces')
export class InterfaceEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'host_id', type: 'uuid' }) hostId!: string;
  /** Kernel name, e.g. wg0. */
  @Column({ type: 'varchar' }) name!: string;
  @Column({ name: 'display_name', type: 'varchar', nullable: true }) displayName!: string | null;
  /** Interface address with prefix, e.g. 10.8.0.1/24. */
  @Column({ type: 'inet' }) address!: string;
  @Column({ name: 'listen_port', type: 'integer' }) listenPort!: number;
  @Column({ type: 'varchar', nullable: true }) endpoint!: string | null;
  @Column({ type: 'text', array: true }) dns!: string[];
  @Column({ type: 'integer', nullable: true }) mtu!: number | null;
  @Column({ name: 'persistent_keepalive', type: 'integer', nullable: true }) persistentKeepalive!: number | null;
  @Column({ name: 'nat_enabled', type: 'boolean' }) natEnabled!: boolean;
  @Column({ name: 'snat_address', type: 'inet', nullable: true }) snatAddress!: string | null;
  @Column({ name: 'internal_traffic', type: 'boolean' }) internalTraffic!: boolean;
  @Column({ name: 'default_download_kbit', type: 'integer' }) defaultDownloadKbit!: number;
  @Column({ name: 'default_upload_kbit', type: 'integer' }) defaultUploadKbit!: number;
  @Column({ name: 'private_key_enc', type: 'text' }) privateKeyEnc!: string;
  @Column({ name: 'public_key', type: 'varchar' }) publicKey!: string;
  /** Values kept for compatibility surfaces (e.g. PUQ's ikev2 flag), echoed back, not interpreted. */
  @Column({ type: 'jsonb' }) extra!: JsonObject;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 }) createdAt!: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}
