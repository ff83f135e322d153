import { z } from 'zod';

/**
 * The whole server configuration, parsed once from the environment with working local defaults
 * (DESIGN.md "Configuration"). No other file reads `process.env` for server settings.
 */
const duration = z
  .string()
  .regex(/^\d+(ms|s|m|h|d)$/, 'a duration such as 500ms, 30s, 15m, 2h or 1d')
  .transform((s) => parseDuration(s));

export const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).default('postgresql://postgres@127.0.0.1:5432/virtcap'),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
  /** Key prefix for every BullMQ key; tests use one per run. Wrap in {braces} for Redis Cluster. */
  VIRTCAP_QUEUE_PREFIX: z.string().min(1).max(64).regex(/^[A-Za-z0-9_{}:.-]+$/).default('virtcap'),
  VIRTCAP_ENROLL_SECRET: z.string().min(16, 'must be at least 16 characters'),
  VIRTCAP_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters'),
  VIRTCAP_ALERT_WEBHOOK_URL: z.url().optional(),
  /** HMAC-SHA256 key for the `X-Virtcap-Signature` header on webhook deliveries. */
  VIRTCAP_ALERT_WEBHOOK_SECRET: z.string().min(16).optional(),
  /** Alertmanager base URL; alerts are POSTed to `<url>/api/v2/alerts`. */
  VIRTCAP_ALERTMANAGER_URL: z.url().optional(),
  HOST: z.string().default('0.0.0.0'),
  PORT: z.coerce.number().int().min(1).max(65535).default(8080),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Largest accepted snapshot body, after gzip decompression. */
  VIRTCAP_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(4 * 1024 * 1024),
  /** Snapshots per host per minute before 429. */
  VIRTCAP_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(30),
  /** How long a revoked token may keep working from the API's cache. */
  VIRTCAP_TOKEN_CACHE_TTL: duration.prefault('5s'),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16),
  /** A host not seen for this long raises a `host_stale` alert. */
  VIRTCAP_STALE_AFTER: duration.prefault('3h'),
  /** Jobs that fail this many times (transient errors) go to the dead-letter queue. */
  VIRTCAP_JOB_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(8),
});

export type Env = z.infer<typeof EnvSchema>;

/** Milliseconds in a duration string such as `30s` or `2h`. */
export function parseDuration(s: string): number {
  const m = /^(\d+)(ms|s|m|h|d)$/.exec(s);
  if (!m) throw new Error(`not a duration: ${s}`);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 'ms' | 's' | 'm' | 'h' | 'd'];
  return Number(m[1]) * unit;
}

/** Thrown at boot when the environment is wrong; the message names every bad variable. */
export class ConfigError extends Error {}

/** Parse an environment (default: `process.env`). Throws {@link ConfigError} naming each bad variable. */
export function parseEnv(source: Record<string, string | undefined> = process.env): Env {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  const result = EnvSchema.safeParse(cleaned);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}

let cached: Env | undefined;
/** The process's configuration, parsed on first use. */
export const getEnv = (): Env => (cached ??= parseEnv());
/** Tests only: forget the cached configuration. */
export const clearEnvCache = (): void => {
  cached = undefined;
};
