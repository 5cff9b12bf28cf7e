import { JsonLogger } from './common/json-logger';
import { ConfigError, loadConfig } from './config/app-config';
import { createApp } from './create-app';
import { runMigrations } from './database/migrate';

async function main(): Promise<void> {
  const logger = new JsonLogger();
  let config;
  try {
    config = loadConfig(process.env);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`${e.message}\nSee .env.example for every variable.\n`);
      process.exit(78); // EX_CONFIG
    }
    throw e;
  }
  if (process.argv.includes('migrate')) {
    const applied = await runMigrations(config.database.url);
    logger.info('migrations applied', { migrations: applied });
    return;
  }
  const app = await createApp(config, logger);
  await app.listen(config.http.port, config.http.host);
  logger.info('wgfleet controller listening', { url: `${config.http.tls ? 'https' : 'http'}://${config.http.host}:${config.http.port}` });
}

main().catch((e: unknown) => {
  process.stderr.write(`wgfleet controller failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
