import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { createTestDatabase, TestDatabase } from '../testing/test-db';
import { diffSchemas, introspect } from './introspect';
import { readPrismaSchema } from './prisma-schema';

const schemaSrc = readFileSync('prisma/schema.prisma', 'utf8');

describe('schema.prisma matches the migrated database', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.drop();
  });

  it('has the same tables, columns, types, nullability, keys and indexes', async () => {
    const expected = readPrismaSchema(schemaSrc);
    expect(expected.length).toBeGreaterThanOrEqual(14);
    expect(diffSchemas(expected, await introspect(t.db.pool))).toEqual([]);
  });

  it('notices a column added to schema.prisma without a migration', async () => {
    const drifted = schemaSrc.replace('  hostname          String\n', '  hostname          String\n  rackPosition      Int? @map("rack_position")\n');
    expect(drifted).not.toBe(schemaSrc);
    expect(diffSchemas(readPrismaSchema(drifted), await introspect(t.db.pool))).toEqual([
      'column hosts.rack_position is in schema.prisma but not in the database',
    ]);
  });

  it('notices an index, a type change and a nullability change', async () => {
    const drifted = schemaSrc
      .replace('  @@index([hostname])\n', '')
      .replace('  xenVersion        String?   @map("xen_version")', '  xenVersion        String    @map("xen_version")')
      .replace('  attempts    Int       @default(0)', '  attempts    BigInt    @default(0)');
    expect(diffSchemas(readPrismaSchema(drifted), await introspect(t.db.pool))).toEqual([
      'column hosts.xen_version: schema.prisma says NOT NULL, database disagrees',
      'index hosts btree(hostname) is in the database but not in schema.prisma',
      'column notification_deliveries.attempts: schema.prisma says bigint, database has integer',
    ]);
  });
});
