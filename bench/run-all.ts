import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

// `npm run bench`: every bench:* script in turn, each printing its ratio against a baseline measured in
// the same run. (The fleet soak of issue 10 is not written yet.)
const root = resolve(__dirname, '../..');
const benches = ['parse', 'agent', 'ingest', 'worker', 'queries'];
let failed = 0;
for (const b of benches) {
  const script = join(root, 'dist/bench', `${b}.js`);
  console.log(`\n=== bench:${b} ===`);
  if (!existsSync(script)) {
    console.log(`(missing ${script}: run npm run build)`);
    failed++;
    continue;
  }
  const r = spawnSync(process.execPath, [script], { stdio: 'inherit', cwd: root });
  if (r.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);
