/**
 * Agent cost benchmark: `npm run bench:agent` (→ `node dist/bench/agent.js [--runs=N]`), run from the project
 * root after `npm run build`. It runs the bundled agent on the largest evidence directory under
 * test/fixtures/evidence-dirs (`node dist/agent/virtcap-agent.cjs collect --evidence-dir DIR --dry-run`) and,
 * in the same run, `node -e 0` as the baseline (Node's own start-up), N times each, interleaved, and prints the
 * median wall time, CPU time (user+sys) and peak RSS of each, and the agent's cost above the baseline.
 *
 * CPU and RSS come from the child itself: a preload script (`node -r`) writes `process.resourceUsage()` to fd 3
 * when the child exits, so no `/usr/bin/time` is needed. The agent's stdout goes to /dev/null.
 */
import { spawn } from 'child_process';
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'fs';
import { cpus, tmpdir } from 'os';
import { join } from 'path';

interface Sample {
  wallMs: number;
  cpuMs: number;
  rssMiB: number;
}

const runs = Number(process.argv.find((a) => a.startsWith('--runs='))?.slice(7) ?? '15') || 15;
const root = process.cwd();
const bundle = join(root, 'dist/agent/virtcap-agent.cjs');
const dirs = join(root, 'test/fixtures/evidence-dirs');

function dirBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += dirBytes(p);
    else if (!e.name.endsWith('.source.txt') && e.name !== 'SOURCES.txt') total += statSync(p).size;
  }
  return total;
}

const largest = readdirSync(dirs)
  .map((name) => ({ name, bytes: dirBytes(join(dirs, name)) }))
  .sort((a, b) => b.bytes - a.bytes)[0]!;

const preload = join(mkdtempSync(join(tmpdir(), 'virtcap-bench-')), 'rusage.js');
writeFileSync(
  preload,
  `process.on('exit', () => { const u = process.resourceUsage(); require('fs').writeSync(3, JSON.stringify({ cpu: u.userCPUTime + u.systemCPUTime, rss: u.maxRSS })); });\n`,
);

function measure(args: string[]): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(process.execPath, ['-r', preload, ...args], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'] });
    let usage = '';
    let stderr = '';
    child.stdio[3]!.on('data', (c: Buffer) => (usage += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
      if (code !== 0) return reject(new Error(`${args.join(' ')} exited ${code}: ${stderr}`));
      const u = JSON.parse(usage) as { cpu: number; rss: number };
      resolve({ wallMs, cpuMs: u.cpu / 1000, rssMiB: u.rss / 1024 });
    });
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(): Promise<void> {
  const agentArgs = [bundle, 'collect', '--evidence-dir', join(dirs, largest.name), '--dry-run', '--hostname', 'bench', '--machine-id', 'bench'];
  const base: Sample[] = [];
  const agent: Sample[] = [];
  await measure(agentArgs); // warm the page cache
  for (let i = 0; i < runs; i++) {
    base.push(await measure(['-e', '0']));
    agent.push(await measure(agentArgs));
  }
  const row = (name: string, s: Sample[]) => ({ name, wall: median(s.map((x) => x.wallMs)), cpu: median(s.map((x) => x.cpuMs)), rss: median(s.map((x) => x.rssMiB)) });
  const b = row('node -e 0 (baseline)', base);
  const a = row(`virtcap-agent collect --evidence-dir ${largest.name} --dry-run`, agent);
  const f = (n: number) => n.toFixed(1);
  console.log(`Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} x${cpus().length}; bundle ${Math.round(statSync(bundle).size / 1024)} KiB; evidence dir ${largest.name} (${Math.round(largest.bytes / 1024)} KiB); median of ${runs} runs`);
  console.log('');
  console.log('| command | wall ms | CPU ms (user+sys) | peak RSS MiB |');
  console.log('|---|---:|---:|---:|');
  for (const r of [b, a]) console.log(`| \`${r.name}\` | ${f(r.wall)} | ${f(r.cpu)} | ${f(r.rss)} |`);
  console.log(`| agent above baseline | ${f(a.wall - b.wall)} | ${f(a.cpu - b.cpu)} | ${f(a.rss - b.rss)} |`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
