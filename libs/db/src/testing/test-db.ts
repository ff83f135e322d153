import { randomBytes } from 'node:crypto';
import { Db } from '../db';
import { admin, dropDatabase, urlFor } from './pg-admin';

export * from './pg-admin';

export interface TestDatabase {
  name: string;
  url: string;
  db: Db;
  drop(): Promise<void>;
}

/** A fresh migrated database cloned from the run's template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const template = process.env.VIRTCAP_TEST_TEMPLATE_DB;
  const runId = process.env.VIRTCAP_TEST_RUN_ID;
  if (!template || !runId) throw new Error('no template database: run tests through jest (test/global-setup.ts)');
  const name = `virtcap_t_${runId}_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`));
  const url = urlFor(name);
  const db = new Db(url, { max: 5, applicationName: 'virtcap-test' });
  return {
    name,
    url,
    db,
    drop: async () => {
      await db.close();
      await dropDatabase(name);
    },
  };
}

