import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { admin, dropDatabase, urlFor } from '../../libs/db/src/testing/pg-admin';
import { deleteKeysByPrefix, testQueuePrefix } from '../../libs/queue/src/testing/test-redis';
import { execFileP, freePort, Proc, startProcess, waitFor } from '../e2e/stack';

// The production entrypoints exactly as the image runs them (deploy/docker/Dockerfile): a folder with
// package.json + lock installed by `npm ci --omit=dev`, built output only, NODE_ENV=production; the
// migration command, the API and the worker against the local PostgreSQL and Redis; an agent bundle
// reporting through it.
const runId = process.env.VIRTCAP_TEST_RUN_ID;
const dbName = `virtcap_t_${runId}_prod`;
const app = mkdtempSync(join(tmpdir(), 'virtcap-prod-'));
const prefix = testQueuePrefix();
const secrets = { enroll: randomBytes(18).toString('base64url'), admin: randomBytes(18).toString('base64url') };
let api: Proc | undefined;
let worker: Proc | undefined;

describe('production entrypoints from an npm ci --omit=dev install', () => {
  beforeAll(async () => {
    for (const f of ['package.json', 'package-lock.json', '.npmrc']) cpSync(f, join(app, f));
    cpSync('dist', join(app, 'dist'), { recursive: true });
    cpSync('prisma/migrations', join(app, 'prisma/migrations'), { recursive: true });
    await execFileP('npm', ['ci', '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: app, timeout: 170_000 });
    await admin((c) => c.query(`CREATE DATABASE "${dbName}"`));
  }, 180_000);

  afterAll(async () => {
    await api?.stop();
    await worker?.stop();
    await dropDatabase(dbName);
    await deleteKeysByPrefix(prefix);
    rmSync(app, { recursive: true, force: true });
  });

  it('has no dev dependency installed', () => {
    expect(existsSync(join(app, 'node_modules/@nestjs/core'))).toBe(true);
    // typescript and prisma stay: they are peer dependencies of @prisma/client and @nestjs/swagger.
    for (const dev of ['jest', '@nestjs/cli', '@nestjs/testing', 'esbuild', 'autocannon', 'fast-check', '@swc/core']) expect({ dev, installed: existsSync(join(app, 'node_modules', dev)) }).toEqual({ dev, installed: false });
  });

  it('migrates, serves, ingests and normalizes, then stops cleanly on SIGTERM', async () => {
    const env = {
      NODE_ENV: 'production',
      DATABASE_URL: urlFor(dbName),
      REDIS_URL: 'redis://127.0.0.1:6379',
      VIRTCAP_QUEUE_PREFIX: prefix,
      VIRTCAP_ENROLL_SECRET: secrets.enroll,
      VIRTCAP_ADMIN_TOKEN: secrets.admin,
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
      WORKER_METRICS_PORT: String(await freePort()),
      LOG_LEVEL: 'warn',
    };
    const migrate = () => execFileP(process.execPath, ['dist/libs/db/src/migrate/cli.js'], { cwd: app, env: { PATH: process.env.PATH, DATABASE_URL: env.DATABASE_URL } });
    expect((await migrate()).stdout).toMatch(/migrations: [1-9]\d* applied, 0 already applied/);
    expect((await migrate()).stdout).toMatch(/migrations: 0 applied, [1-9]\d* already applied/);

    api = startProcess('dist/apps/ingest-api/src/main.js', env, { cwd: app, cleanEnv: true });
    worker = startProcess('dist/apps/worker/src/main.js', env, { cwd: app, cleanEnv: true });
    const base = `http://127.0.0.1:${env.PORT}`;
    await waitFor('readyz', async () => (await fetch(`${base}/readyz`)).ok, 30_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${api!.output()}`);
    });

    const agent = join(app, 'dist/agent/virtcap-agent.cjs');
    const state = join(app, 'agent-state');
    const common = ['--server', base, '--state-dir', state, '--hostname', 'prod-01', '--machine-id', 'prod00000000000000000000000000001', '--quiet'];
    await execFileP(process.execPath, [agent, 'enroll', '--secret', secrets.enroll, ...common], { cwd: app });
    await execFileP(process.execPath, [agent, 'run', '--once', '--evidence-dir', resolve('test/fixtures/evidence-dirs/intel-vtd-sriov'), ...common], { cwd: app });
    const hostId = (JSON.parse(readFileSync(join(state, 'token.json'), 'utf8')) as { hostId: string }).hostId;
    const row = await waitFor('the worker to store the snapshot', async () => {
      const res = await fetch(`${base}/v1/hosts/${hostId}`, { headers: { authorization: `Bearer ${secrets.admin}` } });
      const body = (await res.json()) as { host?: { verdicts?: { iommu?: { status?: string } } } };
      return body.host?.verdicts?.iommu?.status ? body.host : undefined;
    }).catch((e: Error) => {
      throw new Error(`${e.message}\nAPI:\n${api!.output().slice(-2000)}\nworker:\n${worker!.output().slice(-2000)}`);
    });
    expect(row.verdicts?.iommu?.status).toBe('yes');

    // SIGTERM ends both without an error exit (Nest closes the app, then re-raises the signal).
    await Promise.all([api.stop('SIGTERM'), worker.stop('SIGTERM')]);
    for (const p of [api, worker]) expect([{ code: 0, signal: null }, { code: null, signal: 'SIGTERM' }]).toContainEqual(await p.exit);
  }, 120_000);
});
