import { resolve } from 'node:path';
import { ensureDatabase, migrate } from './migrate';

// `npm run db:migrate`: creates the database if needed and applies pending migrations.
// Reads only DATABASE_URL, so it runs before the API's secrets exist.
async function main(): Promise<void> {
  const url = process.env.DATABASE_URL || 'postgresql://postgres@127.0.0.1:5432/virtcap';
  const dir = resolve(process.env.VIRTCAP_MIGRATIONS_DIR || 'prisma/migrations');
  if (await ensureDatabase(url)) console.log(`created database ${new URL(url).pathname.slice(1)}`);
  const { applied, skipped } = await migrate(url, dir, (l) => console.log(l));
  console.log(`migrations: ${applied.length} applied, ${skipped.length} already applied`);
}

main().catch((e: unknown) => {
  console.error(`db:migrate failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
