import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { migrate } from '../libs/db/src/migrate/migrate';
import { dropDatabase, TEST_SERVER_URL, urlFor } from '../libs/db/src/testing/pg-admin';
import { Client } from 'pg';

// Once per run: a migrated template database that each test file clones (libs/db/src/testing), and a
// run id that names every database and Redis key prefix the run creates, so teardown can remove them.
export default async function globalSetup(): Promise<void> {
  if (process.env.VIRTCAP_TEST_RUN_ID) return; // the other project of the same run already did this
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const template = `virtcap_tpl_${runId}`;
  const c = new Client({ connectionString: TEST_SERVER_URL });
  await c.connect();
  try {
    await c.query(`CREATE DATABASE "${template}"`);
  } finally {
    await c.end();
  }
  try {
    await migrate(urlFor(template), resolve('prisma/migrations'));
  } catch (e) {
    await dropDatabase(template);
    throw e;
  }
  process.env.VIRTCAP_TEST_RUN_ID = runId;
  process.env.VIRTCAP_TEST_TEMPLATE_DB = template;
}
