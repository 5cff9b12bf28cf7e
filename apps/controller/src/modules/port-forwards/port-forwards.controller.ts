import { Body, Controller, Delete, Get, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiPage, DeletedDto } from '../../common/openapi';
import { PageQuery } from '../../common/pagination';
import { ParseIdPipe } from '../../common/validation';
import { CurrentActor, type Actor } from '../access/principal';
import { CreatePortForwardDto, PortForwardDto } from './port-forwards.dto';
import { PortForwardsService } from './port-forwards.service';

@ApiTags('port-forwards')
@ApiBearerAuth()
@Controller('api/v1')
export class PortForwardsController {
  constructor(private readonly forwards: PortForwardsService) {}

  @Post('interfaces/:id/port-forwards')
  @ApiCreatedResponse({ type: PortForwardDto })
  create(@Param('id', new ParseIdPipe('Interface')) interfaceId: string, @Body() dto: CreatePortForwardDto, @CurrentActor() actor: Actor) {
    return this.forwards.create(interfaceId, dto, actor);
  }

  @Get('interfaces/:id/port-forwards')
  @ApiPage(PortForwardDto)
  list(@Param('id', new ParseIdPipe('Interface')) interfaceId: string, @Query() page: PageQuery) {
    return this.forwards.list(interfaceId, page);
  }

  @Delete('port-forwards/:id')
  @ApiOkResponse({ type: DeletedDto })
  remove(@Param('id', new ParseIdPipe('Port forward')) id: string, @CurrentActor() actor: Actor) {
    return this.forwards.remove(id, actor);
  }
}
