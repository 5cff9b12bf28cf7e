import { applyDecorators, Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Req, UseFilters } from '@nestjs/common';
import { ApiConsumes, ApiCookieAuth, ApiTags } from '@nestjs/swagger';
import { CredentialCookie } from '../access/access.decorators';
import { CurrentActor, type Actor, type AuthenticatedRequest } from '../access/principal';
import { refusal } from '../access/role-policy';
import { PuqAccountsService } from './puq-accounts.service';
import { ok, PuqError } from './puq-envelope';
import { PUQ_TEXT } from './puq-errors';
import { PuqExceptionFilter } from './puq-exception.filter';
import { PuqServersService } from './puq-servers.service';

// The PUQVPNCP v1 surface (seed 002 and COMPAT-APIS.md §1). Handlers only pick the service call;
// translation lives in the services, and every answer is the {error, msg, status} envelope.

/** Whether the calling key may write (admin, operator): what PUT would require of it. */
function mayWrite(request: AuthenticatedRequest): boolean {
  return request.principal !== undefined && refusal(request.principal.role, 'PUT', undefined) === null;
}

/** Cookie `access_hash=<API key>` (a Bearer header works too); errors as the PUQ envelope, always 200. */
const PuqSurface = (): ClassDecorator =>
  applyDecorators(CredentialCookie('access_hash'), UseFilters(PuqExceptionFilter), ApiTags('compat-puq'), ApiCookieAuth('access_hash'), ApiConsumes('application/x-www-form-urlencoded', 'application/json'));

@PuqSurface()
@Controller('api/v1/wireguard')
export class PuqWireguardController {
  constructor(
    private readonly servers: PuqServersService,
    private readonly accounts: PuqAccountsService,
  ) {}

  // Fixed paths first: "info" and "online" are not server names.
  @Get('info')
  async info() {
    return ok(await this.servers.info());
  }

  @Get('online')
  async online() {
    return ok(await this.accounts.online());
  }

  @Get()
  async list(@Req() request: AuthenticatedRequest) {
    return ok(await this.servers.list(mayWrite(request)));
  }

  @Post()
  @HttpCode(200)
  async create(@Body() body: unknown, @CurrentActor() actor: Actor) {
    return ok(await this.servers.create(body, actor));
  }

  @Get(':name')
  async get(@Param('name') name: string, @Req() request: AuthenticatedRequest) {
    return ok(await this.servers.get(name, mayWrite(request)));
  }

  @Put(':name')
  async update(@Param('name') name: string, @Body() body: unknown, @CurrentActor() actor: Actor) {
    return ok(await this.servers.update(name, body, actor));
  }

  @Delete(':name')
  async remove(@Param('name') name: string, @CurrentActor() actor: Actor) {
    return ok(await this.servers.remove(name, actor));
  }

  @Get(':name/peers')
  async peers(@Param('name') name: string) {
    return ok(await this.accounts.list(name));
  }

  @Get(':name/port_forward')
  async forwards(@Param('name') name: string) {
    return ok(await this.servers.forwardsOf(name));
  }

  @Post(':name/port_forwarding')
  @HttpCode(200)
  async addForward(@Param('name') name: string, @Body() body: unknown, @CurrentActor() actor: Actor) {
    return ok(await this.servers.addForward(name, body, actor));
  }

  @Delete(':name/port_forwarding/:dstPort/:protocol')
  async removeForward(@Param('name') name: string, @Param('dstPort') dstPort: string, @Param('protocol') protocol: string, @CurrentActor() actor: Actor) {
    return ok(await this.servers.removeForward(name, dstPort, protocol, actor));
  }

  @Get(':name/firewall_nat_rules')
  async natRules(@Param('name') name: string) {
    return ok(await this.servers.natRules(name));
  }

  @Get(':name/firewall_filter_rules')
  async filterRules(@Param('name') name: string) {
    return ok(await this.servers.filterRules(name));
  }

  @Get(':name/traffic_control')
  async trafficControl(@Param('name') name: string) {
    return ok(await this.servers.trafficControl(name));
  }

  @Get(':name/dump')
  async dump(@Param('name') name: string) {
    return ok(await this.servers.dump(name));
  }

  @Get(':name/available_ips')
  async availableIps(@Param('name') name: string) {
    return ok(await this.servers.availableIps(name));
  }

  @Put(':name/set_bandwidth')
  async setBandwidth(@Param('name') name: string, @CurrentActor() actor: Actor) {
    return ok(await this.servers.applyDefaultBandwidth(name, actor));
  }

  /** The seed documents PUT but its example sends GET; a GET here is still a write (readonly keys are refused). */
  @Get(':name/set_bandwidth')
  async setBandwidthByGet(@Param('name') name: string, @Req() request: AuthenticatedRequest, @CurrentActor() actor: Actor) {
    if (!mayWrite(request)) throw new PuqError(PUQ_TEXT.notAuthorized);
    return ok(await this.servers.applyDefaultBandwidth(name, actor));
  }
}

@PuqSurface()
@Controller('api/v1/port_forward')
export class PuqPortForwardController {
  constructor(private readonly servers: PuqServersService) {}

  @Post()
  @HttpCode(200)
  async add(@Body() body: unknown, @CurrentActor() actor: Actor) {
    return ok(await this.servers.addForward(undefined, body, actor));
  }

  @Delete(':dstPort/:protocol')
  async remove(@Param('dstPort') dstPort: string, @Param('protocol') protocol: string, @CurrentActor() actor: Actor) {
    return ok(await this.servers.removeForward(undefined, dstPort, protocol, actor));
  }
}

@PuqSurface()
@Controller('api/v1/account')
export class PuqAccountController {
  constructor(private readonly accounts: PuqAccountsService) {}

  @Get()
  async list() {
    return ok(await this.accounts.list());
  }

  @Post()
  @HttpCode(200)
  async create(@Body() body: unknown, @CurrentActor() actor: Actor) {
    return ok(await this.accounts.create(body, actor));
  }

  @Get(':name')
  async get(@Param('name') name: string) {
    return ok(await this.accounts.get(name));
  }

  @Put(':name')
  async update(@Param('name') name: string, @Body() body: unknown, @CurrentActor() actor: Actor) {
    return ok(await this.accounts.update(name, body, actor));
  }

  @Delete(':name')
  async remove(@Param('name') name: string, @CurrentActor() actor: Actor) {
    return ok(await this.accounts.remove(name, actor));
  }

  @Get(':name/config_text')
  async configText(@Param('name') name: string) {
    return ok(await this.accounts.configText(name));
  }

  @Get(':name/config_qr')
  async configQr(@Param('name') name: string) {
    return ok(await this.accounts.configQr(name));
  }
}

@PuqSurface()
@Controller('api/v1/system')
export class PuqSystemController {
  constructor(private readonly accounts: PuqAccountsService) {}

  @Get('status')
  async status() {
    return ok(await this.accounts.status());
  }
}
