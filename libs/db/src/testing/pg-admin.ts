import { Client } from 'pg';

/**
 * Test databases on the real PostgreSQL server: `test/global-setup.ts` migrates one template per run
 * (`VIRTCAP_TEST_TEMPLATE_DB`); each test file clones its own database from it and drops it afterwards.
 */
export const TEST_SERVER_URL = process.env.VIRTCAP_TEST_PG_URL || 'postgresql://postgres@127.0.0.1:5432/postgres';

export function urlFor(dbName: string): string {
  const u = new URL(TEST_SERVER_URL);
  u.pathname = `/${dbName}`;
  return u.toString();
}

export async function admin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: TEST_SERVER_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Drops a database, closing whatever connections are left on it. */
export async function dropDatabase(name: string): Promise<void> {
  await admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

/** Names of databases whose name starts with `prefix` (leftovers of a run). */
export async function listDatabases(prefix: string): Promise<string[]> {
  return admin(async (c) => {
    const { rows } = await c.query<{ datname: string }>('SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [prefix]);
    return rows.map((r) => r.datname);
  });
}
