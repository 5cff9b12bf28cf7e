import { Body, Controller, Delete, Get, Header, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiError } from '../../common/api-error';
import { ApiPage, DeletedDto } from '../../common/openapi';
import { PageQuery } from '../../common/pagination';
import { Public, RequireRole } from './access.decorators';
import { ApiKeyDto, CreateApiKeyDto, CreatedApiKeyDto, TokenRequestDto, TokenResponseDto } from './api-keys.dto';
import { ApiKeysService } from './api-keys.service';
import { CredentialsService } from './credentials.service';
import { CurrentActor, type Actor, type AuthenticatedRequest } from './principal';

@ApiTags('access')
@ApiBearerAuth()
@RequireRole('admin')
@Controller('api/v1/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  create(@Body() dto: CreateApiKeyDto, @CurrentActor() actor: Actor) {
    return this.keys.create(dto, actor);
  }

  @Get()
  @ApiPage(ApiKeyDto)
  list(@Query() page: PageQuery) {
    return this.keys.list(page);
  }

  @Delete(':id')
  @ApiOkResponse({ type: DeletedDto })
  remove(@Param('id') id: string, @CurrentActor() actor: Actor) {
    if (!/^[0-9a-f]{16}$/.test(id)) throw ApiError.notFound('API key');
    return this.keys.remove(id, actor);
  }
}

@ApiTags('access')
@Controller('oauth')
export class OAuthController {
  constructor(private readonly credentials: CredentialsService) {}

  /** OAuth 2.0 client credentials grant: an API key's id and secret buy a short-lived bearer token. */
  @Public()
  @Post('token')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store') // RFC 6749 §5.1: responses carrying tokens must not be cached
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiOkResponse({ type: TokenResponseDto })
  async token(@Body() dto: TokenRequestDto, @Req() request: AuthenticatedRequest): Promise<TokenResponseDto> {
    if (dto.grant_type !== 'client_credentials') throw new ApiError(400, 'UNSUPPORTED_GRANT_TYPE', 'grant_type must be client_credentials', [{ field: 'grant_type', message: 'unsupported' }]);
    const { token, expiresIn } = await this.credentials.issueAccessToken(dto.client_id, dto.client_secret, request.ip ?? null);
    return { access_token: token, token_type: 'Bearer', expires_in: expiresIn };
  }
}
