import { describe, expect, it } from '@jest/globals';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ChildProcessRunner } from './command-runner';

// Running, as opposed to gone or a zombie waiting for a reaper (state Z in /proc/<pid>/stat).
const alive = async (pid: number) => {
  try {
    const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
};

describe(ChildProcessRunner.name, () => {
  const runner = new ChildProcessRunner();

  it('captures stdout and exit code 0', async () => {
    const c = await runner.run('sh', ['-c', 'echo "xen_major : 4"; echo oops >&2'], 5000);
    expect([c.outcome, c.exitCode, c.stdout, c.stderr]).toEqual(['ok', 0, 'xen_major : 4\n', 'oops\n']);
  });

  it('keeps the output of a non-zero exit and says which code', async () => {
    const c = await runner.run('sh', ['-c', 'echo partial; exit 3'], 5000);
    expect([c.outcome, c.exitCode, c.stdout, c.error]).toEqual(['exit-nonzero', 3, 'partial\n', 'exit code 3']);
  });

  it('kills a command that outlives its timeout, with its whole process group, and records "timeout"', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'virtcap-runner-'));
    const pidFile = path.join(dir, 'pid');
    const started = Date.now();
    const c = await runner.run('sh', ['-c', `sleep 30 & echo $! > ${pidFile}; sleep 30; echo never`], 300);
    expect(Date.now() - started).toBeLessThan(3000);
    expect([c.outcome, c.exitCode, c.stdout]).toEqual(['timeout', null, '']);
    expect(c.error).toBe('timeout after 300 ms (killed)');
    const grandchild = Number(await fs.readFile(pidFile, 'utf8'));
    await new Promise((r) => setTimeout(r, 200));
    expect(await alive(grandchild)).toBe(false);
  });

  it('a missing tool is "not-found", never an exception', async () => {
    const c = await runner.run('virtcap-no-such-tool', ['info'], 5000);
    expect([c.outcome, c.exitCode, c.error]).toEqual(['not-found', null, 'virtcap-no-such-tool: command not found']);
  });

  it('stops a command whose output exceeds maxBuffer', async () => {
    const c = await new ChildProcessRunner({ maxBuffer: 4096 }).run('yes', [], 5000);
    expect(c.outcome).toBe('output-too-large');
  });
});
