import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from 'pg';
import { dropDatabase, TEST_SERVER_URL, urlFor } from '../testing/pg-admin';
import { migrate, readMigrations } from './migrate';

const runId = process.env.VIRTCAP_TEST_RUN_ID;
const dbName = `virtcap_t_${runId}_migrate`;
const url = urlFor(dbName);
const dir = resolve('prisma/migrations');

async function sql<T extends object>(q: string, u = url): Promise<T[]> {
  const c = new Client({ connectionString: u });
  await c.connect();
  try {
    return (await c.query<T>(q)).rows;
  } finally {
    await c.end();
  }
}

describe(migrate.name, () => {
  beforeAll(async () => {
    await sql(`CREATE DATABASE "${dbName}"`, TEST_SERVER_URL);
  });
  afterAll(async () => {
    await dropDatabase(dbName);
  });

  it('applies every migration once, even when two runs race, and nothing the second time', async () => {
    const all = (await readMigrations(dir)).map((m) => m.name);
    const [a, b] = await Promise.all([migrate(url, dir), migrate(url, dir)]);
    // Serialised by the advisory lock: one run applied everything, the other found it done.
    expect([a.applied.length, b.applied.length].sort()).toEqual([0, all.length]);
    const again = await migrate(url, dir);
    expect(again).toEqual({ applied: [], skipped: all });
    const rows = await sql<{ migration_name: string; checksum: string; applied_steps_count: number; finished: boolean }>(
      'SELECT migration_name, checksum, applied_steps_count, finished_at IS NOT NULL AS finished FROM "_prisma_migrations" ORDER BY migration_name',
    );
    const files = await readMigrations(dir);
    expect(rows).toEqual(files.map((f) => ({ migration_name: f.name, checksum: f.checksum, applied_steps_count: 1, finished: true })));
    expect(rows[0].checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it('rolls back a failing migration and names it', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'virtcap-mig-'));
    for (const [name, body] of [
      ['20000101000000_ok', 'CREATE TABLE t_ok (id int);'],
      ['20000102000000_bad', 'CREATE TABLE t_half (id int); SELECT no_such_function();'],
    ]) {
      mkdirSync(join(tmp, name));
      writeFileSync(join(tmp, name, 'migration.sql'), body);
    }
    const other = `virtcap_t_${runId}_migfail`;
    await sql(`CREATE DATABASE "${other}"`, TEST_SERVER_URL);
    try {
      await expect(migrate(urlFor(other), tmp)).rejects.toThrow('migration 20000102000000_bad failed: function no_such_function() does not exist');
      const tables = await sql<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE tablename LIKE 't_%' ORDER BY 1", urlFor(other));
      expect(tables.map((t) => t.tablename)).toEqual(['t_ok']);
      const rows = await sql<{ migration_name: string }>('SELECT migration_name FROM "_prisma_migrations"', urlFor(other));
      expect(rows.map((r) => r.migration_name)).toEqual(['20000101000000_ok']);
    } finally {
      await dropDatabase(other);
    }
  });
});
