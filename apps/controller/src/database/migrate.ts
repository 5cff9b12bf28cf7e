import { createDataSource } from './data-source';

/** Applies pending migrations (each in its transaction) and returns their names. */
export async function runMigrations(url: string): Promise<string[]> {
  const dataSource = await createDataSource(url, 2).initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    return applied.map((m) => m.name);
  } finally {
    await dataSource.destroy();
  }
}
