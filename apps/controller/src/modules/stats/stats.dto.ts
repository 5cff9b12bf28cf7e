import { ApiProperty } from '@nestjs/swagger';

export class DataplaneDto {
  @ApiProperty() interfaceId!: string;
  @ApiProperty() hostId!: string;
  @ApiProperty({ enum: ['pending', 'reported'], description: 'pending until the host has reported what it runs' }) state!: 'pending' | 'reported';
  @ApiProperty({ nullable: true, type: Number }) revision!: number | null;
  @ApiProperty({ nullable: true, type: String }) reportedAt!: string | null;
  @ApiProperty({ nullable: true, type: 'object', additionalProperties: true, description: 'WireGuard dump: interface and peers with counters' })
  wireguard!: unknown;
  @ApiProperty({ nullable: true, type: 'object', additionalProperties: true, description: 'NAT and filter rules with packet/byte counters' })
  nftables!: unknown;
  @ApiProperty({ nullable: true, type: 'object', additionalProperties: true, description: 'tc qdiscs and classes with statistics' })
  tc!: unknown;
}
