import { DataSource } from 'typeorm';
import { ENTITIES } from './entities';
import { InitialSchema1763800000000 } from './migrations/1763800000000-initial-schema';
import { PeerAddressHint1763800000001 } from './migrations/1763800000001-peer-address-hint';
import { AgentSync1763900000000 } from './migrations/1763900000000-agent-sync';
import { PreviousCertSerial1764000000000 } from './migrations/1764000000000-previous-cert-serial';

export const MIGRATIONS = [InitialSchema1763800000000, PeerAddressHint1763800000001, AgentSync1763900000000, PreviousCertSerial1764000000000];

/** The one way the controller (and its migration command) reaches Postgres; schema comes only from migrations. */
export function createDataSource(url: string, poolSize: number): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    synchronize: false,
    migrationsRun: false,
    migrationsTransactionMode: 'all',
    extra: { max: poolSize, connectionTimeoutMillis: 5000 },
    logging: false,
  });
}
