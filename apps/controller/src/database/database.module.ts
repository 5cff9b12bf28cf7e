import { type DynamicModule } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { AppConfig } from '../config/app-config';
import { createDataSource } from './data-source';

/** TypeORM over the one DataSource definition; migrations are run by the migrate command, never synchronize. */
export function databaseModule(config: AppConfig): DynamicModule {
  return TypeOrmModule.forRootAsync({
    useFactory: () => ({ type: 'postgres' as const }),
    dataSourceFactory: async () => createDataSource(config.database.url, config.database.poolSize).initialize(),
  });
}
