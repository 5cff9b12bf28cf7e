import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiPage, DeletedDto } from '../../common/openapi';
import { ParseIdPipe } from '../../common/validation';
import { CurrentActor, type Actor } from '../access/principal';
import { AvailableIpsQuery, CreateInterfaceDto, DeleteInterfaceQuery, InterfaceDto, InterfaceListQuery, ItemsDto, UpdateInterfaceDto } from './interfaces.dto';
import { InterfacesService } from './interfaces.service';

const InterfaceId = new ParseIdPipe('Interface');

@ApiTags('interfaces')
@ApiBearerAuth()
@Controller('api/v1/interfaces')
export class InterfacesController {
  constructor(private readonly interfaces: InterfacesService) {}

  @Post()
  @ApiCreatedResponse({ type: InterfaceDto })
  create(@Body() dto: CreateInterfaceDto, @CurrentActor() actor: Actor) {
    return this.interfaces.create(dto, actor);
  }

  @Get()
  @ApiPage(InterfaceDto)
  list(@Query() query: InterfaceListQuery) {
    return this.interfaces.list(query);
  }

  @Get(':id')
  @ApiOkResponse({ type: InterfaceDto })
  get(@Param('id', InterfaceId) id: string) {
    return this.interfaces.get(id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: InterfaceDto })
  update(@Param('id', InterfaceId) id: string, @Body() dto: UpdateInterfaceDto, @CurrentActor() actor: Actor) {
    return this.interfaces.update(id, dto, actor);
  }

  @Delete(':id')
  @ApiOkResponse({ type: DeletedDto })
  remove(@Param('id', InterfaceId) id: string, @Query() query: DeleteInterfaceQuery, @CurrentActor() actor: Actor) {
    return this.interfaces.remove(id, query.force === 'true', actor);
  }

  @Get(':id/available-ips')
  @ApiOkResponse({ type: ItemsDto })
  availableIps(@Param('id', InterfaceId) id: string, @Query() query: AvailableIpsQuery) {
    return this.interfaces.availableIps(id, query.limit ?? 50);
  }

  @Post(':id/apply-default-bandwidth')
  @HttpCode(200)
  applyDefaultBandwidth(@Param('id', InterfaceId) id: string, @CurrentActor() actor: Actor) {
    return this.interfaces.applyDefaultBandwidth(id, actor);
  }
}
