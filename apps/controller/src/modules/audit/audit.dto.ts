import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min } from 'class-validator';
import type { JsonObject } from '../../common/json';

export class AuditQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 500 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(200) cursor?: string;
  @ApiPropertyOptional({ example: 'peer' }) @IsOptional() @IsString() @MaxLength(32) resourceType?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(64) resourceId?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() hostId?: string;
  @ApiPropertyOptional({ example: 'peer.create' }) @IsOptional() @IsString() @MaxLength(64) action?: string;
}

export class AuditEventDto {
  @ApiProperty() id!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty({ description: 'Who: the API key id and name (or "system")' }) actor!: { keyId: string | null; name: string | null };
  @ApiProperty({ nullable: true, type: String, description: 'From where' }) sourceIp!: string | null;
  @ApiProperty({ example: 'peer.create' }) action!: string;
  @ApiProperty() resourceType!: string;
  @ApiProperty({ nullable: true, type: String }) resourceId!: string | null;
  @ApiProperty({ nullable: true, type: String }) hostId!: string | null;
  @ApiProperty({ nullable: true, type: Number }) revision!: number | null;
  @ApiProperty({ type: 'object', additionalProperties: true }) details!: JsonObject;
}
