#!/usr/bin/env node
// Bundle the host agent into one dependency-free file for dom0s (Debian's dom0 has Node 18):
//   dist/agent/virtcap-agent.cjs   (node tools/build-agent.mjs [--minify])
import { build } from 'esbuild';
import { chmodSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'dist/agent/virtcap-agent.cjs');
const minify = process.argv.includes('--minify') || process.env.VIRTCAP_AGENT_MINIFY === '1';

const result = await build({
  entryPoints: [join(root, 'apps/agent/src/main.ts')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'cjs',
  banner: { js: '#!/usr/bin/env node' },
  minify,
  legalComments: minify ? 'none' : 'eof',
  sourcemap: false,
  metafile: true,
  logLevel: 'warning',
  // Node built-ins stay external (platform node); zod and our libs are bundled in.
});
chmodSync(outfile, 0o755);
const external = Object.values(result.metafile.outputs)
  .flatMap((o) => o.imports ?? [])
  .filter((i) => i.external && !i.path.startsWith('node:'));
if (external.length) {
  console.error(`build-agent: the bundle imports non-built-in modules: ${external.map((i) => i.path).join(', ')}`);
  process.exit(1);
}
console.log(`build-agent: ${outfile} (${Math.round(statSync(outfile).size / 1024)} KiB${minify ? ', minified' : ''})`);
