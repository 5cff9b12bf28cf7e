import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { generateKeyPair } from '@wgfleet/domain';
import { ApiPage, DeletedDto } from '../../common/openapi';
import { ParseIdPipe } from '../../common/validation';
import { CurrentActor, type Actor } from '../access/principal';
import { CreatePeerDto, PeerDto, UpdatePeerDto } from '../peers/peers.dto';
import { PeersService } from '../peers/peers.service';
import { WriteOutcome } from '../revisions/write-outcome';
import { WgAddedToTunnelDto, WgCreatedPeerDto, WgCreatePeerDto, WgPeerListQuery } from './compat-wg.dto';
import { CompatWgInterceptor } from './compat-wg.interceptor';
import { CompatWgService } from './compat-wg.service';
import { addedToTunnel, createdPeer, splitInterfaceId, withKeys, type WgCreatedPeer } from './compat-wg.translate';

const PeerId = new ParseIdPipe('Peer');
const InterfaceId = new ParseIdPipe('Interface');

/** The generic WireGuard API's peers (seed 001): `/wg/peers…`, plus the seed's `POST /peers` and `POST /tunnels/{id}/peers` examples. */
@ApiTags('wireguard-api (compatibility)')
@ApiBearerAuth()
@UseInterceptors(CompatWgInterceptor)
@Controller()
export class WgPeersController {
  constructor(
    private readonly peers: PeersService,
    private readonly compat: CompatWgService,
  ) {}

  @Get('wg/peers')
  @ApiPage(PeerDto)
  list(@Query() query: WgPeerListQuery) {
    return this.peers.list(query);
  }

  @Get('wg/peers/:id')
  @ApiOkResponse({ type: PeerDto })
  get(@Param('id', PeerId) id: string) {
    return this.peers.get(id);
  }

  @Post(['wg/peers/create', 'wg/peers', 'peers'])
  @ApiCreatedResponse({ type: WgCreatedPeerDto })
  async create(@Body() body: WgCreatePeerDto, @CurrentActor() actor: Actor): Promise<WriteOutcome<WgCreatedPeer>> {
    const { interfaceId, rest } = splitInterfaceId(body);
    return this.createOn(interfaceId ?? (await this.compat.defaultInterfaceId()), rest, actor);
  }

  @Post(['wg/tunnels/:id/peers', 'tunnels/:id/peers'])
  @ApiCreatedResponse({ type: WgAddedToTunnelDto })
  async addToTunnel(@Param('id', InterfaceId) interfaceId: string, @Body() body: CreatePeerDto, @CurrentActor() actor: Actor) {
    const outcome = await this.createOn(interfaceId, body, actor);
    return new WriteOutcome(addedToTunnel(outcome.body), outcome.hostId, outcome.revision);
  }

  @Post('wg/peers/:id/edit')
  @HttpCode(200)
  @ApiOkResponse({ type: PeerDto })
  editPost(@Param('id', PeerId) id: string, @Body() dto: UpdatePeerDto, @CurrentActor() actor: Actor) {
    return this.peers.update(id, dto, actor);
  }

  @Put('wg/peers/:id/edit')
  @ApiOkResponse({ type: PeerDto })
  editPut(@Param('id', PeerId) id: string, @Body() dto: UpdatePeerDto, @CurrentActor() actor: Actor) {
    return this.peers.update(id, dto, actor);
  }

  @Patch('wg/peers/:id/edit')
  @ApiOkResponse({ type: PeerDto })
  editPatch(@Param('id', PeerId) id: string, @Body() dto: UpdatePeerDto, @CurrentActor() actor: Actor) {
    return this.peers.update(id, dto, actor);
  }

  @Post('wg/peers/:id/remove')
  @HttpCode(200)
  @ApiOkResponse({ type: DeletedDto })
  removePost(@Param('id', PeerId) id: string, @CurrentActor() actor: Actor) {
    return this.peers.remove(id, actor);
  }

  @Delete('wg/peers/:id/remove')
  @ApiOkResponse({ type: DeletedDto })
  removeDelete(@Param('id', PeerId) id: string, @CurrentActor() actor: Actor) {
    return this.peers.remove(id, actor);
  }

  /** Native create; when wgfleet makes the key pair the response shows its private key, as the seed describes. */
  private async createOn(interfaceId: string, body: CreatePeerDto, actor: Actor): Promise<WriteOutcome<WgCreatedPeer>> {
    const { dto, privateKey } = withKeys(body, generateKeyPair);
    const outcome = await this.peers.create(interfaceId, dto, actor, privateKey ? { privateKey } : {});
    return new WriteOutcome(createdPeer(outcome.body, privateKey), outcome.hostId, outcome.revision);
  }
}
