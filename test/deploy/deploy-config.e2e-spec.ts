import { describe, expect, it } from '@jest/globals';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { EnvSchema } from '../../libs/config/src/env';

// Docker does not run on our machines: this checks what can be checked without it — every environment
// name, port, command and mounted path in compose and Kubernetes agrees with the app's configuration
// schema and with the files in the repository.
const root = resolve('.');
const configKeys = new Set(Object.keys(EnvSchema.shape));
// Settings read outside libs/config on purpose: the worker's metrics port, Grafana's own variables.
const otherKnown = new Set(['WORKER_METRICS_PORT', 'VIRTCAP_GRAFANA_DB_PASSWORD', 'GF_SECURITY_ADMIN_PASSWORD', 'GF_USERS_ALLOW_SIGN_UP']);
const entrypoints = ['dist/apps/ingest-api/src/main.js', 'dist/apps/worker/src/main.js', 'dist/libs/db/src/migrate/cli.js', 'dist/tools/sim/main.js'];
const sourceOf = (js: string) => js.replace(/^dist\//, '').replace(/\.js$/, '.ts');

const compose = parse(readFileSync('deploy/docker-compose.yml', 'utf8'), { merge: true }) as {
  services: Record<string, { environment?: Record<string, string>; command?: string[]; volumes?: string[]; image?: string; depends_on?: Record<string, unknown> }>;
};

describe('deploy/docker-compose.yml', () => {
  it('passes only variables the apps know', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      if (['postgres', 'redis', 'grafana-role'].includes(name)) continue;
      for (const key of Object.keys(svc.environment ?? {})) {
        expect({ service: name, key, known: configKeys.has(key) || otherKnown.has(key) }).toEqual({ service: name, key, known: true });
      }
    }
  });

  it('runs entrypoints that the build produces', () => {
    for (const svc of Object.values(compose.services)) {
      const script = svc.command?.find((c) => c.startsWith('dist/'));
      if (!script) continue;
      expect(entrypoints).toContain(script);
      expect(existsSync(sourceOf(script))).toBe(true);
    }
  });

  it('mounts Grafana provisioning and dashboards that exist', () => {
    for (const v of compose.services.grafana!.volumes ?? []) {
      const host = v.split(':')[0]!;
      const p = resolve('deploy', host);
      expect({ path: p, exists: existsSync(p) }).toEqual({ path: p, exists: true });
    }
    expect(readdirSync('deploy/grafana/dashboards').filter((f) => f.endsWith('.json')).length).toBeGreaterThanOrEqual(5);
  });

  it('keeps Redis durable (AOF on) so queued jobs survive a restart', () => {
    expect(compose.services.redis!.command).toEqual(expect.arrayContaining(['--appendonly', 'yes']));
  });

  it('commits no secret: the env example holds placeholders only', () => {
    const env = readFileSync('deploy/.env.example', 'utf8');
    for (const line of env.split('\n').filter((l) => l.includes('=') && !l.startsWith('#'))) {
      const value = line.slice(line.indexOf('=') + 1);
      expect(value === '' || value.startsWith('change-me')).toBe(true);
    }
  });
});

describe('deploy/k8s', () => {
  const kust = parse(readFileSync('deploy/k8s/kustomization.yaml', 'utf8')) as {
    resources: string[];
    configMapGenerator: { name: string; files: string[] }[];
  };
  const docs = kust.resources.flatMap((r) => parseAllDocuments(readFileSync(join('deploy/k8s', r), 'utf8')).map((d) => d.toJS() as Record<string, any>));

  it('every manifest validates against the Kubernetes OpenAPI schemas (kubernetes-models)', async () => {
    const docsWithSecret = [...docs, parse(readFileSync('deploy/k8s/secret.example.yaml', 'utf8')) as Record<string, any>];
    for (const d of docsWithSecret) {
      const group = d.apiVersion.includes('/') ? d.apiVersion : `v1`;
      const mod = (await import(`kubernetes-models/${group}/${d.kind}`)) as Record<string, new (o: unknown) => { validate(): void }>;
      const Model = mod[d.kind]!;
      let error = '';
      try {
        new Model(d).validate();
      } catch (e) {
        error = (e as Error).message;
      }
      expect({ kind: d.kind, name: d.metadata.name, error }).toEqual({ kind: d.kind, name: d.metadata.name, error: '' });
    }
    // The validator is real: a wrong type is refused.
    const { Deployment } = (await import('kubernetes-models/apps/v1/Deployment')) as { Deployment: new (o: unknown) => { validate(): void } };
    const broken = JSON.parse(JSON.stringify(docs.find((d) => d.kind === 'Deployment')));
    broken.spec.template.spec.containers[0].ports = [{ containerPort: 'http' }];
    expect(() => new Deployment(broken).validate()).toThrow(/containerPort must be integer/);
  });

  it('references files that exist', () => {
    for (const g of kust.configMapGenerator) for (const f of g.files) expect({ file: f, exists: existsSync(join('deploy/k8s', f)) }).toEqual({ file: f, exists: true });
  });

  it('every manifest has apiVersion, kind and metadata.name', () => {
    for (const d of docs) {
      expect(typeof d.apiVersion).toBe('string');
      expect(typeof d.kind).toBe('string');
      expect(typeof d.metadata?.name).toBe('string');
    }
    expect(docs.map((d) => d.kind).sort()).toEqual(
      ['ConfigMap', 'Deployment', 'Deployment', 'Deployment', 'HorizontalPodAutoscaler', 'Job', 'Namespace', 'PodDisruptionBudget', 'PodDisruptionBudget', 'Service', 'Service'].sort(),
    );
  });

  it('ConfigMap and Secret keys are configuration the apps know', () => {
    const cm = docs.find((d) => d.kind === 'ConfigMap')!;
    for (const k of Object.keys(cm.data)) expect({ k, known: configKeys.has(k) }).toEqual({ k, known: true });
    const secret = parse(readFileSync('deploy/k8s/secret.example.yaml', 'utf8')) as { stringData: Record<string, string> };
    for (const k of Object.keys(secret.stringData)) expect({ k, known: configKeys.has(k) || otherKnown.has(k) }).toEqual({ k, known: true });
  });

  it('API probes hit /readyz and /healthz; containers run as non-root; commands are built entrypoints', () => {
    for (const d of docs.filter((x) => x.kind === 'Deployment' || x.kind === 'Job')) {
      const spec = d.spec.template.spec;
      expect(spec.securityContext.runAsNonRoot).toBe(true);
      for (const c of spec.containers) if (c.command) expect(entrypoints).toContain(c.command[1]);
    }
    const api = docs.find((d) => d.kind === 'Deployment' && d.metadata.name === 'virtcap-api')!.spec.template.spec.containers[0];
    expect(api.readinessProbe.httpGet.path).toBe('/readyz');
    expect(api.livenessProbe.httpGet.path).toBe('/healthz');
  });

  it('the Dockerfile builds the same entrypoints and runs as a non-root user', () => {
    const df = readFileSync('deploy/docker/Dockerfile', 'utf8');
    expect(df).toMatch(/^USER virtcap$/m);
    expect(df).toContain('npm ci');
    expect(df).toContain('npm prune --omit=dev');
    expect(dirname('deploy/docker/Dockerfile')).toBe('deploy/docker');
  });
});
