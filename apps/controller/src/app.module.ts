import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_INTERCEPTOR } from '@nestjs/core';
import { ApiErrorFilter } from './common/api-error.filter';
import { JsonLogger } from './common/json-logger';
import type { AppConfig } from './config/app-config';
import { ConfigModule } from './config/config.module';
import { databaseModule } from './database/database.module';
import { CryptoModule } from './infra/crypto.module';
import { RedisModule } from './infra/redis.module';
import { AccessModule } from './modules/access/access.module';
import { AgentSyncModule } from './modules/agent-sync/agent-sync.module';
import { AuditModule } from './modules/audit/audit.module';
import { CompatPuqModule } from './modules/compat-puq/compat-puq.module';
import { CompatWgModule } from './modules/compat-wg/compat-wg.module';
import { HealthModule } from './modules/health/health.module';
import { HostsModule } from './modules/hosts/hosts.module';
import { IdempotencyInterceptor } from './modules/idempotency/idempotency.interceptor';
import { IdempotencyModule } from './modules/idempotency/idempotency.module';
import { InterfacesModule } from './modules/interfaces/interfaces.module';
import { MaintenanceModule } from './modules/maintenance/maintenance.module';
import { PeersModule } from './modules/peers/peers.module';
import { PkiModule } from './modules/pki/pki.module';
import { PortForwardsModule } from './modules/port-forwards/port-forwards.module';
import { RevisionInterceptor } from './modules/revisions/revision.interceptor';
import { RevisionsModule } from './modules/revisions/revisions.module';
import { StatsModule } from './modules/stats/stats.module';

@Module({})
export class AppModule {
  static register(config: AppConfig, logger: JsonLogger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        databaseModule(config),
        RedisModule,
        CryptoModule,
        BullModule.forRoot({ connection: { url: config.redis.url, maxRetriesPerRequest: null }, prefix: `${config.redis.prefix}:bull` }),
        RevisionsModule,
        PkiModule,
        AccessModule,
        HostsModule,
        InterfacesModule,
        PeersModule,
        PortForwardsModule,
        StatsModule,
        AuditModule,
        CompatWgModule,
        IdempotencyModule,
        HealthModule,
        AgentSyncModule,
        MaintenanceModule.register(config.workers.enabled),
        CompatPuqModule,
      ],
      providers: [
        { provide: JsonLogger, useValue: logger },
        { provide: APP_FILTER, useClass: ApiErrorFilter },
        // Registration order is nesting order: idempotency stores the body the revision step produced.
        { provide: APP_INTERCEPTOR, useExisting: IdempotencyInterceptor },
        { provide: APP_INTERCEPTOR, useExisting: RevisionInterceptor },
      ],
      exports: [JsonLogger],
      global: true,
    };
  }
}
