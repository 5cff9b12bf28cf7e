import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { IsDnsServer, IsEndpoint, IsInterfaceName, IsIpv4Address, IsIpv4Cidr, IsOmittable, IsWireguardKey } from '../../common/validators';

/** 10 Gbit/s: more than any single WireGuard interface carries; larger values are typos. */
export const MAX_KBIT = 10_000_000;

export class BandwidthDto {
  @ApiProperty({ description: 'host → peer, kbit/s, 0 = unlimited' }) @IsInt() @Min(0) @Max(MAX_KBIT) downloadKbit!: number;
  @ApiProperty({ description: 'peer → host, kbit/s, 0 = unlimited' }) @IsInt() @Min(0) @Max(MAX_KBIT) uploadKbit!: number;
}

export class NatDto {
  @ApiProperty() @IsBoolean() enabled!: boolean;
  @ApiPropertyOptional({ description: 'SNAT source; default: masquerade to the host address' }) @IsOptional() @IsIpv4Address() snatAddress?: string;
}

class InterfaceSettingsDto {
  @ApiPropertyOptional({ maxLength: 64 }) @IsOptional() @IsString() @MaxLength(64) displayName?: string;
  @ApiPropertyOptional({ example: 'vpn.example.com:51820', description: 'What clients dial; default: the host publicAddress and listenPort' })
  @IsOptional()
  @IsEndpoint()
  @MaxLength(261)
  endpoint?: string;
  @ApiPropertyOptional({ type: [String], example: ['1.1.1.1'] }) @IsOmittable() @IsArray() @ArrayMaxSize(4) @IsDnsServer({ each: true }) dns?: string[];
  @ApiPropertyOptional({ minimum: 1280, maximum: 9000 }) @IsOptional() @IsInt() @Min(1280) @Max(9000) mtu?: number;
  @ApiPropertyOptional({ minimum: 0, maximum: 65535 }) @IsOptional() @IsInt() @Min(0) @Max(65535) persistentKeepalive?: number;
  @ApiPropertyOptional({ type: NatDto }) @IsOmittable() @ValidateNested() @Type(() => NatDto) nat?: NatDto;
  @ApiPropertyOptional({ description: 'Whether peers may reach each other' }) @IsOmittable() @IsBoolean() internalTraffic?: boolean;
  @ApiPropertyOptional({ type: BandwidthDto }) @IsOmittable() @ValidateNested() @Type(() => BandwidthDto) defaultBandwidth?: BandwidthDto;
  @ApiPropertyOptional({ example: 'wg0' }) @IsOmittable() @IsInterfaceName() name?: string;
  @ApiPropertyOptional({ example: '10.8.0.1/24', description: "The interface's own address and subnet" }) @IsOmittable() @IsIpv4Cidr() address?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 65535 }) @IsOmittable() @IsInt() @Min(1) @Max(65535) listenPort?: number;
}

export class CreateInterfaceDto extends InterfaceSettingsDto {
  @ApiPropertyOptional({ description: 'Default: the default host' }) @IsOptional() @IsUUID() hostId?: string;
  @ApiPropertyOptional({ writeOnly: true, description: 'Default: a generated key pair' }) @IsOptional() @IsWireguardKey() privateKey?: string;
}

export class UpdateInterfaceDto extends InterfaceSettingsDto {}

export class InterfaceStatsDto {
  @ApiProperty() peers!: number;
  @ApiProperty() peersOnline!: number;
  @ApiProperty() rxBytes!: number;
  @ApiProperty() txBytes!: number;
}

export class InterfaceDto {
  @ApiProperty() id!: string;
  @ApiProperty() hostId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true, type: String }) displayName!: string | null;
  @ApiProperty() address!: string;
  @ApiProperty() listenPort!: number;
  @ApiProperty() publicKey!: string;
  @ApiProperty({ nullable: true, type: String }) endpoint!: string | null;
  @ApiProperty({ type: [String] }) dns!: string[];
  @ApiProperty({ nullable: true, type: Number }) mtu!: number | null;
  @ApiProperty({ nullable: true, type: Number }) persistentKeepalive!: number | null;
  @ApiProperty({ type: NatDto }) nat!: { enabled: boolean; snatAddress: string | null };
  @ApiProperty() internalTraffic!: boolean;
  @ApiProperty({ type: BandwidthDto }) defaultBandwidth!: BandwidthDto;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
  @ApiPropertyOptional({ type: InterfaceStatsDto, description: 'Live counters (single-interface reads)' }) stats?: InterfaceStatsDto;
}

export class AvailableIpsQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 50 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000) limit?: number;
}

export class InterfaceListQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 500 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) cursor?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() hostId?: string;
}

export class DeleteInterfaceQuery {
  @ApiPropertyOptional({ description: 'Also delete its peers and port forwards' }) @IsOptional() @IsString() @MaxLength(5) force?: string;
  // A delete changes the host's desired state, so it takes ?wait=applied like every such write;
  // the values themselves are checked by the RevisionInterceptor.
  @ApiPropertyOptional({ enum: ['applied'] }) @IsOptional() @IsString() @MaxLength(16) wait?: string;
  @ApiPropertyOptional({ example: '10s' }) @IsOptional() @IsString() @MaxLength(16) timeout?: string;
}

export class ItemsDto {
  @ApiProperty({ type: [String] }) items!: string[];
}
