import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { Protocol } from '@wgfleet/domain';

@Entity('port_forwards')
export class PortForwardEntity {
  @PrimaryGeneratedColumn('uuid') id!: string;
  @Column({ name: 'host_id', type: 'uuid' }) hostId!: string;
  @Column({ name: 'interface_id', type: 'uuid' }) interfaceId!: string;
  @Column({ name: 'peer_id', type: 'uuid' }) peerId!: string;
  @Column({ type: 'varchar' }) protocol!: Protocol;
  @Column({ type: 'integer' }) port!: number;
  @Column({ name: 'target_port', type: 'integer' }) targetPort!: number;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 }) createdAt!: Date;
}
