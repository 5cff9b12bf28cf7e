import { Body, Controller, Delete, Get, Header, HttpCode, Param, Patch, Post, Query, StreamableFile } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ApiPage, DeletedDto } from '../../common/openapi';
import { ParseIdPipe } from '../../common/validation';
import { CurrentActor, type Actor } from '../access/principal';
import { UsageService } from '../stats/usage.service';
import { PeerConfigService } from './peer-config.service';
import { CreatePeerDto, PeerDto, PeerListQuery, SuspendPeerDto, UpdatePeerDto, UsageItemDto, UsageQuery } from './peers.dto';
import { PeersService } from './peers.service';

const PeerId = new ParseIdPipe('Peer');
const InterfaceId = new ParseIdPipe('Interface');

@ApiTags('peers')
@ApiBearerAuth()
@Controller('api/v1')
export class PeersController {
  constructor(
    private readonly peers: PeersService,
    private readonly configs: PeerConfigService,
    private readonly usage: UsageService,
  ) {}

  @Post('interfaces/:id/peers')
  @ApiCreatedResponse({ type: PeerDto })
  create(@Param('id', InterfaceId) interfaceId: string, @Body() dto: CreatePeerDto, @CurrentActor() actor: Actor) {
    return this.peers.create(interfaceId, dto, actor);
  }

  @Get('peers')
  @ApiPage(PeerDto)
  list(@Query() query: PeerListQuery) {
    return this.peers.list(query);
  }

  @Get('peers/:id')
  @ApiOkResponse({ type: PeerDto })
  get(@Param('id', PeerId) id: string) {
    return this.peers.get(id);
  }

  @Patch('peers/:id')
  @ApiOkResponse({ type: PeerDto })
  update(@Param('id', PeerId) id: string, @Body() dto: UpdatePeerDto, @CurrentActor() actor: Actor) {
    return this.peers.update(id, dto, actor);
  }

  @Delete('peers/:id')
  @ApiOkResponse({ type: DeletedDto })
  remove(@Param('id', PeerId) id: string, @CurrentActor() actor: Actor) {
    return this.peers.remove(id, actor);
  }

  @Post('peers/:id/suspend')
  @HttpCode(200)
  @ApiOkResponse({ type: PeerDto })
  suspend(@Param('id', PeerId) id: string, @Body() dto: SuspendPeerDto, @CurrentActor() actor: Actor) {
    return this.peers.suspend(id, 'manual', dto.reason ?? null, actor);
  }

  @Post('peers/:id/resume')
  @HttpCode(200)
  @ApiOkResponse({ type: PeerDto })
  resume(@Param('id', PeerId) id: string, @CurrentActor() actor: Actor) {
    return this.peers.resume(id, actor);
  }

  @Get('peers/:id/config')
  @Header('Content-Type', 'text/plain; charset=utf-8')
  @Header('Cache-Control', 'no-store')
  @ApiProduces('text/plain')
  config(@Param('id', PeerId) id: string) {
    return this.configs.configText(id);
  }

  @Get('peers/:id/config.png')
  @Header('Cache-Control', 'no-store')
  @ApiProduces('image/png')
  async configPng(@Param('id', PeerId) id: string): Promise<StreamableFile> {
    // StreamableFile sends the bytes as they are; a plain Buffer return would get a text charset.
    return new StreamableFile(await this.configs.qrPng(id), { type: 'image/png' });
  }

  @Get('peers/:id/config.svg')
  @Header('Content-Type', 'image/svg+xml')
  @Header('Cache-Control', 'no-store')
  @ApiProduces('image/svg+xml')
  configSvg(@Param('id', PeerId) id: string) {
    return this.configs.qrSvg(id);
  }

  @Get('peers/:id/usage')
  @ApiOkResponse({ type: UsageItemDto, isArray: true })
  usageOf(@Param('id', PeerId) id: string, @Query() query: UsageQuery) {
    return this.usage.peerUsage(id, query);
  }
}
