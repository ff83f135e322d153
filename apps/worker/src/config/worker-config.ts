import { z } from 'zod';

/**
 * Worker-only settings not (yet) in libs/config: parsed once here with the same rules (fail at boot).
 * TODO(lead): move into libs/config EnvSchema.
 */
const WorkerConfigSchema = z.object({
  /** Port of the Prometheus `/metrics` endpoint; 0 = do not listen. */
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  /** First retry delay of a notification; doubles each attempt. */
  WORKER_NOTIFY_BACKOFF_MS: z.coerce.number().int().min(1).default(1000),
  /** How long unchanged snapshots are gathered before one batched `last_seen_at` update. */
  WORKER_BATCH_WINDOW_MS: z.coerce.number().int().min(0).max(5000).default(50),
  /** Base URL of the API, for Alertmanager's `generatorURL`. */
  WORKER_PUBLIC_URL: z.url().default('http://127.0.0.1:8080'),
});
export type WorkerConfig = z.infer<typeof WorkerConfigSchema>;

/** Parse the worker settings from an environment (default `process.env`). */
export function parseWorkerConfig(source: Record<string, string | undefined> = process.env): WorkerConfig {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ''));
  return WorkerConfigSchema.parse(cleaned);
}

/** Nest injection token of the {@link WorkerConfig}. */
export const WORKER_CONFIG = Symbol('WORKER_CONFIG');
