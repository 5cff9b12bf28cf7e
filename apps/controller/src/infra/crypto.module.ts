import { Global, Module } from '@nestjs/common';
import { SecretBox } from '@wgfleet/domain';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';

export const SECRET_BOX = Symbol('SECRET_BOX');

/** Seals private keys, preshared keys and device passwords at rest under WGFLEET_MASTER_KEY. */
@Global()
@Module({
  providers: [{ provide: SECRET_BOX, inject: [APP_CONFIG], useFactory: (config: AppConfig) => new SecretBox(config.masterKey) }],
  exports: [SECRET_BOX],
})
export class CryptoModule {}
