import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccessGuard } from './access.guard';
import { ApiKeyEntity } from './api-key.entity';
import { ApiKeysController, OAuthController } from './api-keys.controller';
import { ApiKeysService } from './api-keys.service';
import { CredentialsService } from './credentials.service';
import { RateLimiterService } from './rate-limiter.service';

@Module({
  imports: [TypeOrmModule.forFeature([ApiKeyEntity])],
  controllers: [ApiKeysController, OAuthController],
  providers: [ApiKeysService, CredentialsService, RateLimiterService, { provide: APP_GUARD, useClass: AccessGuard }],
  exports: [CredentialsService, RateLimiterService],
})
export class AccessModule {}
