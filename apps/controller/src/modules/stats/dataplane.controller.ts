import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ParseIdPipe } from '../../common/validation';
import { DataplaneService } from './dataplane.service';
import { DataplaneDto } from './stats.dto';

@ApiTags('interfaces')
@ApiBearerAuth()
@Controller('api/v1/interfaces')
export class DataplaneController {
  constructor(private readonly dataplane: DataplaneService) {}

  @Get(':id/dataplane')
  @ApiOkResponse({ type: DataplaneDto })
  get(@Param('id', new ParseIdPipe('Interface')) id: string) {
    return this.dataplane.forInterface(id);
  }
}
