import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsDateString, IsIn, IsOptional, IsString, Matches } from 'class-validator';
import { IsCidr } from '../../common/validators';
import { ROLES, type Role } from './api-key.entity';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'whmcs-panel' })
  @IsString()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/, { message: 'name must be 1-64 letters, digits, spaces or . _ - starting with a letter or digit' })
  name!: string;
  @ApiProperty({ enum: ROLES }) @IsIn(ROLES) role!: Role;
  @ApiPropertyOptional({ example: '2027-01-01T00:00:00Z' }) @IsOptional() @IsDateString({ strict: true }) expiresAt?: string;
  @ApiPropertyOptional({ type: [String], example: ['203.0.113.0/24'], description: 'Source addresses the key works from (default: any)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(64)
  @IsCidr({ each: true })
  allowedCidrs?: string[];
}

export class ApiKeyDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: ROLES }) role!: Role;
  @ApiProperty({ nullable: true, type: String }) expiresAt!: string | null;
  @ApiProperty({ type: [String] }) allowedCidrs!: string[];
  @ApiProperty({ nullable: true, type: String }) lastUsedAt!: string | null;
  @ApiProperty() createdAt!: string;
}

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({ description: 'The full key; shown only now' }) key!: string;
}

export class TokenRequestDto {
  @ApiProperty({ example: 'client_credentials' }) @IsString() grant_type!: string;
  @ApiProperty({ description: 'The API key id' }) @IsString() client_id!: string;
  @ApiProperty({ description: "The API key's secret (or the whole key)" }) @IsString() client_secret!: string;
  @ApiPropertyOptional() @IsOptional() @IsString() scope?: string;
}

export class TokenResponseDto {
  @ApiProperty() access_token!: string;
  @ApiProperty({ example: 'Bearer' }) token_type!: 'Bearer';
  @ApiProperty() expires_in!: number;
}
