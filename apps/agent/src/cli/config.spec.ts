import { describe, expect, it } from '@jest/globals';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig, parseLabels } from '../config/agent-config';
import { AGENT_VERSION } from '../version';
import { parseArgs } from './args';

const known = { booleans: ['dry-run', 'help'], values: ['server', 'labels'] };

describe(parseArgs.name, () => {
  it('reads the command, --flag value, --flag=value and booleans', () => {
    expect(parseArgs(['collect', '--dry-run', '--server', 'https://a', '--labels=dc=fra1,x=y'], known)).toEqual({
      command: 'collect',
      flags: { 'dry-run': true, server: 'https://a', labels: 'dc=fra1,x=y' },
      positionals: [],
      errors: [],
    });
  });
  it('reports unknown flags, missing values and values given to booleans', () => {
    expect(parseArgs(['run', '--serve', 'x', '--server', '--dry-run=1'], known)).toMatchObject({
      positionals: ['x'],
      errors: ['unknown option --serve', '--server needs a value', '--dry-run takes no value'],
    });
    expect(parseArgs(['run', '--server'], known).errors).toEqual(['--server needs a value']);
    expect(parseArgs(['-h'], known).flags).toEqual({ help: true });
  });
});

describe(loadConfig.name, () => {
  it('defaults apply when the default config file does not exist', async () => {
    const cfg = await loadConfig(undefined, {});
    expect(cfg).toMatchObject({ stateDir: '/var/lib/virtcap', sysroot: '/', labels: {}, interval: 3_600_000, jitter: 600_000 });
    expect(cfg.spool).toEqual({ maxEntries: 500, maxBytes: 268_435_456 });
    expect(cfg.timeouts).toEqual({ command: 30_000, request: 30_000 });
  });

  it('reads the file, then flags win (labels merge, flag values win per key)', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'virtcap-config-'));
    const file = path.join(dir, 'agent.json');
    await fs.writeFile(
      file,
      JSON.stringify({ server: 'https://file.example', stateDir: '/srv/v', labels: { dc: 'ams1', role: 'xen' }, timeouts: { command: '2m' }, spool: { maxEntries: 20 } }),
    );
    const cfg = await loadConfig(file, { server: 'https://flag.example', labels: 'dc=fra1', requestTimeout: '5s', spoolMaxBytes: '1048576', interval: '30m' });
    expect(cfg).toMatchObject({ server: 'https://flag.example', stateDir: '/srv/v', labels: { dc: 'fra1', role: 'xen' }, interval: 1_800_000 });
    expect(cfg.timeouts).toEqual({ command: 120_000, request: 5_000 });
    expect(cfg.spool).toEqual({ maxEntries: 20, maxBytes: 1_048_576 });
  });

  it('fails with the reason on a missing --config file, bad JSON, unknown keys or bad values', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'virtcap-config-'));
    await expect(loadConfig(path.join(dir, 'none.json'), {})).rejects.toThrow(/^config .*none\.json: ENOENT/);
    await fs.writeFile(path.join(dir, 'bad.json'), '{ nope');
    await expect(loadConfig(path.join(dir, 'bad.json'), {})).rejects.toThrow(/^config .*bad\.json: /);
    await fs.writeFile(path.join(dir, 'typo.json'), JSON.stringify({ sever: 'https://x' }));
    await expect(loadConfig(path.join(dir, 'typo.json'), {})).rejects.toThrow(/configuration invalid: .*sever/);
    await expect(loadConfig(undefined, { interval: 'hourly' })).rejects.toThrow('interval: not a duration: hourly');
    await expect(loadConfig(undefined, { server: 'not a url' })).rejects.toThrow(/configuration invalid: server/);
    await expect(loadConfig(undefined, { spoolMaxEntries: 'ten' })).rejects.toThrow('--spool-max-entries must be a whole number');
  });
});

describe(parseLabels.name, () => {
  it('parses k=v pairs and rejects a pair without =', () => {
    expect(parseLabels('dc=fra1, rack = r7 ,empty=')).toEqual({ dc: 'fra1', rack: 'r7', empty: '' });
    expect(() => parseLabels('dc')).toThrow('label "dc" is not key=value');
  });
});

describe('AGENT_VERSION', () => {
  it('matches package.json', async () => {
    expect(AGENT_VERSION).toBe(JSON.parse(await fs.readFile('package.json', 'utf8')).version);
  });
});
