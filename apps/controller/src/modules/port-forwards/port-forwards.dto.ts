import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsInt, IsUUID, Max, Min } from 'class-validator';
import type { Protocol } from '@wgfleet/domain';

export class CreatePortForwardDto {
  @ApiProperty({ enum: ['tcp', 'udp'] }) @IsIn(['tcp', 'udp']) protocol!: Protocol;
  @ApiProperty({ minimum: 1, maximum: 65535, description: 'Public port on the host' }) @IsInt() @Min(1) @Max(65535) port!: number;
  @ApiProperty() @IsUUID() peerId!: string;
  @ApiProperty({ minimum: 1, maximum: 65535, description: 'Port on the peer' }) @IsInt() @Min(1) @Max(65535) targetPort!: number;
}

export class PortForwardDto {
  @ApiProperty() id!: string;
  @ApiProperty() hostId!: string;
  @ApiProperty() interfaceId!: string;
  @ApiProperty() peerId!: string;
  @ApiProperty({ description: "The peer's tunnel address the traffic goes to" }) peerAddress!: string;
  @ApiProperty({ enum: ['tcp', 'udp'] }) protocol!: Protocol;
  @ApiProperty() port!: number;
  @ApiProperty() targetPort!: number;
  @ApiProperty() createdAt!: string;
}
