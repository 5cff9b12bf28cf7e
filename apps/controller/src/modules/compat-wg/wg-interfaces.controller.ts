import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiPage, DeletedDto } from '../../common/openapi';
import { ParseIdPipe } from '../../common/validation';
import { CurrentActor, type Actor } from '../access/principal';
import { InterfaceDto, UpdateInterfaceDto } from '../interfaces/interfaces.dto';
import { InterfacesService } from '../interfaces/interfaces.service';
import { WgCreateInterfaceDto, WgDeleteInterfaceQuery, WgInterfaceListQuery, WgTunnelDto } from './compat-wg.dto';
import { CompatWgInterceptor } from './compat-wg.interceptor';
import { CompatWgService } from './compat-wg.service';
import { tunnelDetail, type WgTunnel } from './compat-wg.translate';

const InterfaceId = new ParseIdPipe('Interface');

/** The generic WireGuard API's interfaces ("tunnels" in the seed's examples): `/wg/interfaces…`, plus `GET /tunnels/{id}`. */
@ApiTags('wireguard-api (compatibility)')
@ApiBearerAuth()
@UseInterceptors(CompatWgInterceptor)
@Controller()
export class WgInterfacesController {
  constructor(
    private readonly interfaces: InterfacesService,
    private readonly compat: CompatWgService,
  ) {}

  @Get('wg/interfaces')
  @ApiPage(InterfaceDto)
  list(@Query() query: WgInterfaceListQuery) {
    return this.interfaces.list(query);
  }

  @Get(['wg/interfaces/:id', 'wg/tunnels/:id', 'tunnels/:id'])
  @ApiOkResponse({ type: WgTunnelDto })
  async get(@Param('id', InterfaceId) id: string): Promise<WgTunnel> {
    const iface = await this.interfaces.get(id);
    return tunnelDetail(iface, await this.compat.peersOf(id));
  }

  @Post('wg/interfaces/create')
  @ApiCreatedResponse({ type: InterfaceDto })
  create(@Body() body: WgCreateInterfaceDto, @CurrentActor() actor: Actor) {
    const { publicKey, ...dto } = body;
    return this.interfaces.create(dto, actor, publicKey ? { publicKey } : {});
  }

  @Post('wg/interfaces/:id/edit')
  @HttpCode(200)
  @ApiOkResponse({ type: InterfaceDto })
  editPost(@Param('id', InterfaceId) id: string, @Body() dto: UpdateInterfaceDto, @CurrentActor() actor: Actor) {
    return this.interfaces.update(id, dto, actor);
  }

  @Put('wg/interfaces/:id/edit')
  @ApiOkResponse({ type: InterfaceDto })
  editPut(@Param('id', InterfaceId) id: string, @Body() dto: UpdateInterfaceDto, @CurrentActor() actor: Actor) {
    return this.interfaces.update(id, dto, actor);
  }

  @Patch('wg/interfaces/:id/edit')
  @ApiOkResponse({ type: InterfaceDto })
  editPatch(@Param('id', InterfaceId) id: string, @Body() dto: UpdateInterfaceDto, @CurrentActor() actor: Actor) {
    return this.interfaces.update(id, dto, actor);
  }

  @Post('wg/interfaces/:id/remove')
  @HttpCode(200)
  @ApiOkResponse({ type: DeletedDto })
  removePost(@Param('id', InterfaceId) id: string, @Query() query: WgDeleteInterfaceQuery, @CurrentActor() actor: Actor) {
    return this.interfaces.remove(id, query.force === 'true', actor);
  }

  @Delete('wg/interfaces/:id/remove')
  @ApiOkResponse({ type: DeletedDto })
  removeDelete(@Param('id', InterfaceId) id: string, @Query() query: WgDeleteInterfaceQuery, @CurrentActor() actor: Actor) {
    return this.interfaces.remove(id, query.force === 'true', actor);
  }
}
