import { dropDatabase, listDatabases } from '../libs/db/src/testing/pg-admin';
import { deleteKeysByPrefix } from '../libs/queue/src/testing/test-redis';

// Removes whatever the run left behind: cloned databases, the template, and Redis keys of the run.
export default async function globalTeardown(): Promise<void> {
  const runId = process.env.VIRTCAP_TEST_RUN_ID;
  if (!runId) return;
  for (const name of await listDatabases(`virtcap_t_${runId}_`)) await dropDatabase(name);
  await dropDatabase(`virtcap_tpl_${runId}`);
  await deleteKeysByPrefix(`virtcap_test_${runId}`);
}
