import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, MaxLength } from 'class-validator';
import { IsWireguardKey } from '../../common/validators';
import { CreateInterfaceDto, DeleteInterfaceQuery, InterfaceDto, InterfaceListQuery } from '../interfaces/interfaces.dto';
import { CreatePeerDto, PeerDto, PeerListQuery } from '../peers/peers.dto';
import { WG_API_VERSIONS } from './compat-wg.translate';

const VERSION_DOC = { enum: WG_API_VERSIONS, description: 'API version: latest or 1.0.0 (checked by CompatWgInterceptor)' };

// `version` is declared on each query DTO only so that query validation lets it through.
export class WgPeerListQuery extends PeerListQuery {
  @ApiPropertyOptional(VERSION_DOC) @IsOptional() @IsString() @MaxLength(32) version?: string;
}

export class WgInterfaceListQuery extends InterfaceListQuery {
  @ApiPropertyOptional(VERSION_DOC) @IsOptional() @IsString() @MaxLength(32) version?: string;
}

/** `?force=true`, and `?wait=applied&timeout=` as on every native write (checked by RevisionInterceptor). */
export class WgDeleteInterfaceQuery extends DeleteInterfaceQuery {
  @ApiPropertyOptional(VERSION_DOC) @IsOptional() @IsString() @MaxLength(32) version?: string;
}

/** The native peer body plus the interface to create it on (default: the default host's first interface). */
export class WgCreatePeerDto extends CreatePeerDto {
  @ApiPropertyOptional({ description: "Default: the default host's first interface" }) @IsOptional() @IsUUID() interfaceId?: string;
}

/** The native interface body; a given publicKey must belong to the given privateKey. */
export class WgCreateInterfaceDto extends CreateInterfaceDto {
  @ApiPropertyOptional({ description: 'Checked against privateKey' }) @IsOptional() @IsWireguardKey() publicKey?: string;
}

export class WgCreatedPeerDto extends PeerDto {
  @ApiProperty({ nullable: true, type: String, description: 'The generated private key; null when the client supplied the public key' }) privateKey!: string | null;
}

export class WgAddedToTunnelDto {
  @ApiProperty({ example: true }) success!: true;
  @ApiProperty() message!: string;
  @ApiProperty({ type: WgCreatedPeerDto }) peer!: WgCreatedPeerDto;
}

export class WgTunnelDto extends InterfaceDto {
  @ApiProperty({ type: [PeerDto] }) peers!: PeerDto[];
}
