import { Body, Controller, Delete, Get, HttpCode, Param, ParseIntPipe, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { DeletedDto, ApiPage } from '../../common/openapi';
import { PageQuery } from '../../common/pagination';
import { ParseIdPipe } from '../../common/validation';
import { CurrentActor, type Actor } from '../access/principal';
import { CreateHostDto, EnrollmentTokenDto, HostDto, RevisionStatusDto, UpdateHostDto } from './hosts.dto';
import { HostsService } from './hosts.service';

const HostId = new ParseIdPipe('Host');

@ApiTags('hosts')
@ApiBearerAuth()
@Controller('api/v1/hosts')
export class HostsController {
  constructor(private readonly hosts: HostsService) {}

  @Post()
  @ApiCreatedResponse({ type: HostDto, description: 'Linux hosts come with a one-time enrollment token' })
  create(@Body() dto: CreateHostDto, @CurrentActor() actor: Actor) {
    return this.hosts.create(dto, actor);
  }

  @Get()
  @ApiPage(HostDto)
  list(@Query() page: PageQuery) {
    return this.hosts.list(page);
  }

  @Get(':id')
  @ApiOkResponse({ type: HostDto })
  get(@Param('id', HostId) id: string) {
    return this.hosts.get(id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: HostDto })
  update(@Param('id', HostId) id: string, @Body() dto: UpdateHostDto, @CurrentActor() actor: Actor) {
    return this.hosts.update(id, dto, actor);
  }

  @Delete(':id')
  @ApiOkResponse({ type: DeletedDto })
  remove(@Param('id', HostId) id: string, @CurrentActor() actor: Actor) {
    return this.hosts.remove(id, actor);
  }

  @Post(':id/enrollment-tokens')
  @HttpCode(201)
  @ApiCreatedResponse({ type: EnrollmentTokenDto })
  createEnrollmentToken(@Param('id', HostId) id: string, @CurrentActor() actor: Actor) {
    return this.hosts.createEnrollmentToken(id, actor);
  }

  @Get(':id/revisions/:revision')
  @ApiOkResponse({ type: RevisionStatusDto })
  revision(@Param('id', HostId) id: string, @Param('revision', new ParseIntPipe({ errorHttpStatusCode: 404 })) revision: number) {
    return this.hosts.revisionStatus(id, revision);
  }
}
