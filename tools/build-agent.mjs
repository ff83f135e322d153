#!/usr/bin/env node
// Bundle the host agent into one dependency-free file for dom0s (Debian's dom0 has Node 18):
//   dist/agent/virtcap-agent.cjs   (node tools/build-agent.mjs [--minify])
import { build } from 'esbuild';
import { chmodSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outfile = join(root, 'dist/agent/virtcap-agent.cjs');
// Minified by default (about a third of the size); --no-minify keeps it readable for debugging on a host.
const minify = !process.argv.includes('--no-minify');

// zod re-exports all ~50 error-message locales (`z.locales`); the agent only uses English messages, which zod
// installs from locales/en.js itself. Keeping only `en` takes ~300 KiB out of the bundle.
const englishOnlyZodLocales = {
  name: 'zod-english-only',
  setup(b) {
    b.onResolve({ filter: /\/locales\/index\.js$/ }, (args) =>
      /[\\/]zod[\\/]/.test(args.importer) ? { path: join(dirname(args.importer), args.path), namespace: 'zod-locales' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'zod-locales' }, (args) => ({
      contents: `export { default as en } from ${JSON.stringify(join(dirname(args.path), 'en.js'))};`,
      resolveDir: dirname(args.path),
    }));
  },
};

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
  write: false,
  plugins: [englishOnlyZodLocales],
  logLevel: 'warning',
  // Node built-ins stay external (platform node); zod and our libs are bundled in.
});
// Write to a temp file and rename, so a concurrent build (parallel test workers) never exposes a partial file.
mkdirSync(dirname(outfile), { recursive: true });
const tmp = `${outfile}.${process.pid}.tmp`;
writeFileSync(tmp, result.outputFiles[0].contents);
chmodSync(tmp, 0o755);
renameSync(tmp, outfile);
const external = Object.values(result.metafile.outputs)
  .flatMap((o) => o.imports ?? [])
  .filter((i) => i.external && !i.path.startsWith('node:'));
if (external.length) {
  console.error(`build-agent: the bundle imports non-built-in modules: ${external.map((i) => i.path).join(', ')}`);
  process.exit(1);
}
console.log(`build-agent: ${outfile} (${Math.round(statSync(outfile).size / 1024)} KiB${minify ? ', minified' : ''})`);
