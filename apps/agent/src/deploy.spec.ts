import { beforeAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadConfig } from './config/agent-config';

// deploy/agent/install.sh into a scratch prefix, twice (it must be idempotent), then the installed wrapper runs.
beforeAll(() => {
  execFileSync(process.execPath, ['tools/build-agent.mjs'], { stdio: 'pipe' });
}, 60_000);

describe('deploy/agent/install.sh', () => {
  it('installs the bundle, a wrapper and the units; running it again changes nothing', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'virtcap-install-'));
    const env = { ...process.env, PREFIX: `${root}/usr/local`, UNITDIR: `${root}/etc/systemd/system`, CONFDIR: `${root}/etc/virtcap`, NO_SYSTEMCTL: '1' };
    const list = async () => {
      const out: string[] = [];
      const walk = async (d: string): Promise<void> => {
        for (const e of await fs.readdir(d, { withFileTypes: true })) {
          const p = path.join(d, e.name);
          if (e.isDirectory()) await walk(p);
          else out.push(`${path.relative(root, p)} ${((await fs.stat(p)).mode & 0o777).toString(8)} ${(await fs.readFile(p)).length}`);
        }
      };
      await walk(root);
      return out.sort();
    };
    const first = execFileSync('sh', ['deploy/agent/install.sh'], { env, encoding: 'utf8' });
    expect(first).toContain('installed');
    const afterFirst = await list();
    execFileSync('sh', ['deploy/agent/install.sh'], { env, encoding: 'utf8' });
    expect(await list()).toEqual(afterFirst);
    expect(afterFirst.map((l) => l.split(' ').slice(0, 2).join(' '))).toEqual([
      'etc/systemd/system/virtcap-agent.service 644',
      'etc/systemd/system/virtcap-agent.timer 644',
      'etc/virtcap/agent.example.json 644',
      'usr/local/lib/virtcap/virtcap-agent.cjs 644',
      'usr/local/sbin/virtcap-agent 755',
    ]);
    const unit = await fs.readFile(`${root}/etc/systemd/system/virtcap-agent.service`, 'utf8');
    expect(unit).toContain(`ExecStart=${root}/usr/local/sbin/virtcap-agent run --once`);
    const help = execFileSync(`${root}/usr/local/sbin/virtcap-agent`, ['run', '--help'], { encoding: 'utf8' });
    expect(help.startsWith('Usage: virtcap-agent run --once')).toBe(true);
  });

  it('the example configuration is valid for the agent', async () => {
    const cfg = await loadConfig('deploy/agent/agent.example.json', {});
    expect(cfg).toMatchObject({ server: 'https://virtcap.example.net', interval: 3_600_000, jitter: 600_000 });
    expect(cfg.retry).toEqual({ maxAttempts: 5, baseDelay: 2000, maxDelay: 120_000, maxRetryAfter: 600_000 });
  });
});
