import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AGENT, execFileP } from '../e2e/stack';
import { expectedSummary, readResult, REQUIRED_CONFIGS, statuses, verdictSummary, XENLAB_EXPECTATIONS, XenlabResult } from './expectations';

// Runs in the default `npm test` (no VM): the evidence directories and snapshots that the agent produced inside
// real Xen 4.17 dom0s (committed from a `bash test/xenlab/run.sh` run, see test/fixtures/xenlab/README.md) are
// replayed through the current agent bundle, so a parser or rule change that breaks a real dom0 fails here.
const FIXTURES = 'test/fixtures/xenlab';
const configs = existsSync(FIXTURES) ? readdirSync(FIXTURES).filter((c) => c in XENLAB_EXPECTATIONS && existsSync(join(FIXTURES, c, 'snapshot.json'))) : [];

describe('xenlab fixtures: real Xen 4.17 dom0 captures replayed through the agent bundle', () => {
  it('has the captures of the required configurations', () => {
    expect(configs).toEqual(expect.arrayContaining(REQUIRED_CONFIGS));
  });

  describe.each(configs)('%s', (cfg) => {
    const e = XENLAB_EXPECTATIONS[cfg]!;
    const dir = join(FIXTURES, cfg);
    const dom0 = readResult(dir, cfg, { snapshot: 'snapshot.json', report: 'report.txt', node: 'node-version.txt' });

    it('was produced by the agent on Debian node 18 with the verdicts true of that machine', () => {
      expect(dom0.nodeVersion).toMatch(/^v18\./);
      expect(verdictSummary(dom0.snapshot.verdicts, e)).toEqual(expectedSummary(e));
      for (const re of e.reportLines) expect(dom0.report).toMatch(re);
    });

    it('replays today to the same verdicts (collect --evidence-dir on the committed capture)', async () => {
      const { stdout } = await execFileP(process.execPath, [AGENT, 'collect', '--evidence-dir', join(dir, 'evidence'), '--dry-run', '--hostname', 'h', '--machine-id', 'm', '--quiet'], { maxBuffer: 64 << 20 });
      const replay = JSON.parse(stdout) as XenlabResult['snapshot'];
      expect(verdictSummary(replay.verdicts, e)).toEqual(expectedSummary(e));
      expect(statuses(replay.verdicts)).toEqual(statuses(dom0.snapshot.verdicts));
      const text = (await execFileP(process.execPath, [AGENT, 'collect', '--evidence-dir', join(dir, 'evidence'), '--dry-run', '--format', 'text', '--quiet'])).stdout;
      for (const re of e.reportLines) expect(text).toMatch(re);
      expect(readFileSync(join(dir, 'evidence', 'xl-info.txt'), 'utf8')).toMatch(/^xen_version\s*: 4\.17\./m);
    });
  });
});
