import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsDateString, IsIn, IsInt, IsObject, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min, ValidateIf, ValidateNested } from 'class-validator';
import { IsCidr, IsIpv4Address, IsOmittable, IsWireguardKey } from '../../common/validators';
import { BandwidthDto } from '../interfaces/interfaces.dto';
import type { SuspensionReason } from './peer.entity';
import type { JsonObject } from '../../common/json';

const PEER_NAME = /^[A-Za-z0-9][A-Za-z0-9 ._@+-]{0,63}$/;
const NAME_MESSAGE = 'name must be 1-64 letters, digits, spaces or . _ @ + - starting with a letter or digit';
/** 2^50 bytes = 1 PiB: a quota larger than that is a typo. */
const MAX_QUOTA = 2 ** 50;

class PeerSettingsDto {
  @ApiPropertyOptional({ example: 'alice' }) @IsOmittable() @IsString() @Matches(PEER_NAME, { message: NAME_MESSAGE }) name?: string;
  @ApiPropertyOptional({ example: '10.8.0.7', description: 'Default: the next free address' }) @IsOmittable() @IsIpv4Address() address?: string;
  @ApiPropertyOptional({ description: 'Default: a generated key pair whose private key is kept (encrypted) for the config download' })
  @IsOmittable()
  @IsWireguardKey()
  publicKey?: string;
  @ApiPropertyOptional({ description: 'A key, "generate", or (on update) null to remove', nullable: true })
  @IsOptional()
  @ValidateIf((_, v) => v !== null && v !== 'generate')
  @IsWireguardKey()
  presharedKey?: string | null;
  @ApiPropertyOptional({ type: [String], description: 'Extra networks routed to the peer; its own address/32 is always included' })
  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(32)
  @IsCidr({ each: true })
  allowedIps?: string[];
  @ApiPropertyOptional({ type: BandwidthDto, nullable: true, description: 'Default (or null on update): the interface default' })
  @IsOptional()
  @ValidateNested()
  @Type(() => BandwidthDto)
  bandwidth?: BandwidthDto | null;
  @ApiPropertyOptional() @IsOmittable() @IsBoolean() enabled?: boolean;
  @ApiPropertyOptional({ nullable: true, example: '2026-12-31T23:59:59Z' }) @IsOptional() @ValidateIf((_, v) => v !== null) @IsDateString({ strict: true }) expiresAt?: string | null;
  @ApiPropertyOptional({ nullable: true, description: 'Bytes (rx+tx) before the peer is suspended' })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsInt()
  @Min(0)
  @Max(MAX_QUOTA)
  quotaBytes?: number | null;
  @ApiPropertyOptional({ nullable: true, maxLength: 128, description: "The panel's own id for this peer" })
  @IsOptional()
  @ValidateIf((_, v) => v !== null)
  @IsString()
  @MaxLength(128)
  externalId?: string | null;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) @IsOmittable() @IsObject() metadata?: JsonObject;
}

export class CreatePeerDto extends PeerSettingsDto {}
export class UpdatePeerDto extends PeerSettingsDto {}

export class SuspendPeerDto {
  @ApiPropertyOptional({ maxLength: 200, example: 'invoice #123 unpaid' }) @IsOptional() @IsString() @MaxLength(200) reason?: string;
}

export class PeerListQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 500 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) cursor?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() interfaceId?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() hostId?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(128) externalId?: string;
  @ApiPropertyOptional({ enum: ['true', 'false'] }) @IsOptional() @IsIn(['true', 'false']) enabled?: 'true' | 'false';
  @ApiPropertyOptional({ description: 'Name contains, or exact address' }) @IsOptional() @IsString() @MaxLength(64) q?: string;
}

export class UsageQuery {
  @ApiPropertyOptional() @IsOptional() @IsDateString({ strict: true }) from?: string;
  @ApiPropertyOptional() @IsOptional() @IsDateString({ strict: true }) to?: string;
  @ApiPropertyOptional({ enum: ['hour', 'day', 'month'], default: 'day' }) @IsOptional() @IsIn(['hour', 'day', 'month']) granularity?: 'hour' | 'day' | 'month';
}

export class PeerStatusDto {
  @ApiProperty() online!: boolean;
  @ApiProperty({ nullable: true, type: String }) lastHandshakeAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) endpoint!: string | null;
  @ApiProperty() rxBytes!: number;
  @ApiProperty() txBytes!: number;
}

export class SuspensionDto {
  @ApiProperty({ enum: ['manual', 'disabled', 'expired', 'quota'] }) reason!: SuspensionReason;
  @ApiProperty({ nullable: true, type: String }) message!: string | null;
  @ApiProperty() at!: string;
}

export class PeerDto {
  @ApiProperty() id!: string;
  @ApiProperty() interfaceId!: string;
  @ApiProperty() hostId!: string;
  @ApiProperty() name!: string;
  @ApiProperty() address!: string;
  @ApiProperty() publicKey!: string;
  @ApiProperty({ description: 'Whether wgfleet holds the private key (so the config is complete)' }) hasPrivateKey!: boolean;
  @ApiProperty() hasPresharedKey!: boolean;
  @ApiProperty({ type: [String] }) allowedIps!: string[];
  @ApiProperty({ type: BandwidthDto, description: 'Effective limits' }) bandwidth!: BandwidthDto;
  @ApiProperty({ description: 'Whether the limits are the interface default' }) bandwidthIsDefault!: boolean;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ nullable: true, type: SuspensionDto }) suspension!: SuspensionDto | null;
  @ApiProperty({ nullable: true, type: String }) expiresAt!: string | null;
  @ApiProperty({ nullable: true, type: Number }) quotaBytes!: number | null;
  @ApiProperty({ nullable: true, type: String }) externalId!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) metadata!: JsonObject;
  @ApiProperty({ type: PeerStatusDto }) status!: PeerStatusDto;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
}

export class UsageItemDto {
  @ApiProperty() start!: string;
  @ApiProperty() rxBytes!: number;
  @ApiProperty() txBytes!: number;
}
