import type { SecretBox } from '@wgfleet/domain';
import { DataSource } from 'typeorm';
import { SECRET_BOX } from '../src/infra/crypto.module';
import { PkiService } from '../src/modules/pki/pki.service';
import { createHost } from './fixtures';
import { queryDb, startTestApp, type TestApp } from './harness';

describe('the agents CA', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const pinOf = (token: string): string | undefined => /\.([0-9a-f]{64})$/.exec(token)?.[1];

  it('is shared by every replica, and stored with its private key sealed', async () => {
    const replica = await startTestApp({}, { shareWith: t });
    try {
      const here = await createHost(t);
      const there = await createHost(replica);
      expect(pinOf(there.enrollmentToken!.token)).toBe(pinOf(here.enrollmentToken!.token));
    } finally {
      await replica.close();
    }
    const rows = await queryDb<{ certificate_pem: string; private_key_enc: string }>(t.databaseUrl, `SELECT certificate_pem, private_key_enc FROM agent_ca`);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.certificate_pem).toContain('BEGIN CERTIFICATE');
    expect(rows[0]!.private_key_enc).not.toContain('PRIVATE KEY');
  });

  it('is created exactly once when replicas start together', async () => {
    await queryDb(t.databaseUrl, `DELETE FROM agent_ca`);
    const replicas = Array.from({ length: 4 }, () => new PkiService(t.app.get(DataSource), t.app.get<symbol, SecretBox>(SECRET_BOX), t.config));
    await Promise.all(replicas.map((r) => r.onModuleInit()));
    expect(new Set(replicas.map((r) => r.caFingerprint)).size).toBe(1);
    expect(await queryDb(t.databaseUrl, `SELECT 1 FROM agent_ca`)).toHaveLength(1);
  });
});
