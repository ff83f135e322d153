import 'reflect-metadata';
import { ConfigError, getEnv } from '../../../libs/config/src';
import { createApiApp } from './bootstrap';

async function main(): Promise<void> {
  const env = getEnv();
  const app = await createApiApp();
  await app.listen(env.PORT, env.HOST);
  console.log(`virtcap ingest API listening on http://${env.HOST}:${env.PORT}`);
}

main().catch((e: unknown) => {
  console.error(e instanceof ConfigError ? e.message : e);
  process.exit(1);
});
