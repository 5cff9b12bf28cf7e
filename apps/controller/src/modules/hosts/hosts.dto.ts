import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, IsUrl, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { IsHostAddress, IsLabels, IsOmittable } from '../../common/validators';
import type { HostKind, HostStatus } from './host.entity';
import type { JsonObject } from '../../common/json';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

export class RouterOsSettingsDto {
  @ApiProperty({ example: 'https://192.0.2.1/rest' }) @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true }) @MaxLength(300) apiUrl!: string;
  @ApiProperty() @IsString() @MaxLength(64) username!: string;
  @ApiProperty({ writeOnly: true }) @IsString() @MaxLength(128) password!: string;
  @ApiPropertyOptional({ default: true }) @IsOptional() @IsBoolean() verifyTls?: boolean;
  @ApiPropertyOptional({ default: 30000 }) @IsOptional() @IsInt() @Min(1000) @Max(120000) timeoutMs?: number;
  @ApiPropertyOptional({ default: 5 }) @IsOptional() @IsInt() @Min(1) @Max(32) concurrency?: number;
}

export class CreateHostDto {
  @ApiProperty({ example: 'vpn-fra-1' }) @IsString() @Matches(NAME, { message: 'name must be 1-63 letters, digits, . _ - starting with a letter or digit' }) name!: string;
  @ApiProperty({ enum: ['linux', 'routeros'] }) @IsIn(['linux', 'routeros']) kind!: HostKind;
  @ApiPropertyOptional({ example: '203.0.113.10', description: 'Public address peers connect to, and the SNAT source' }) @IsOptional() @IsHostAddress() @MaxLength(253) publicAddress?: string;
  @ApiPropertyOptional() @IsOmittable() @IsBoolean() isDefault?: boolean;
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } }) @IsOmittable() @IsLabels() labels?: Record<string, string>;
  @ApiPropertyOptional({ type: RouterOsSettingsDto }) @IsOmittable() @ValidateNested() @Type(() => RouterOsSettingsDto) routeros?: RouterOsSettingsDto;
}

export class UpdateHostDto {
  @ApiPropertyOptional() @IsOmittable() @IsString() @Matches(NAME, { message: 'name must be 1-63 letters, digits, . _ - starting with a letter or digit' }) name?: string;
  @ApiPropertyOptional({ nullable: true, type: String, description: 'null clears it' }) @IsOptional() @IsHostAddress() @MaxLength(253) publicAddress?: string | null;
  @ApiPropertyOptional() @IsOmittable() @IsBoolean() isDefault?: boolean;
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } }) @IsOmittable() @IsLabels() labels?: Record<string, string>;
  @ApiPropertyOptional({ type: RouterOsSettingsDto }) @IsOmittable() @ValidateNested() @Type(() => RouterOsSettingsDto) routeros?: RouterOsSettingsDto;
}

export class EnrollmentTokenDto {
  @ApiProperty({ description: 'Shown once; only its hash is stored' }) token!: string;
  @ApiProperty() expiresAt!: string;
}

export class RouterOsSettingsView {
  @ApiProperty() apiUrl!: string;
  @ApiProperty() username!: string;
  @ApiProperty() verifyTls!: boolean;
  @ApiProperty() timeoutMs!: number;
  @ApiProperty() concurrency!: number;
}

export class HostDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ['linux', 'routeros'] }) kind!: HostKind;
  @ApiProperty({ nullable: true, type: String }) publicAddress!: string | null;
  @ApiProperty() isDefault!: boolean;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) labels!: Record<string, string>;
  @ApiProperty({ nullable: true, type: RouterOsSettingsView }) routeros!: RouterOsSettingsView | null;
  @ApiProperty({ enum: ['pending', 'online', 'offline'] }) status!: HostStatus;
  @ApiProperty({ nullable: true, type: String }) lastSeenAt!: string | null;
  @ApiProperty() desiredRevision!: number;
  @ApiProperty() appliedRevision!: number;
  @ApiProperty({ nullable: true, type: String }) lastError!: string | null;
  @ApiProperty({ nullable: true, type: String }) agentVersion!: string | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) facts!: JsonObject;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
  @ApiPropertyOptional({ type: EnrollmentTokenDto }) enrollmentToken?: EnrollmentTokenDto;
}

export class RevisionStatusDto {
  @ApiProperty() revision!: number;
  @ApiProperty() applied!: boolean;
  @ApiProperty({ nullable: true, type: String }) appliedAt!: string | null;
  @ApiProperty({ nullable: true, type: String }) error!: string | null;
}
