import { promises as fs } from 'node:fs';
import { z } from 'zod';
import { LabelsSchema } from '../../../../libs/contracts/src';
import { parseDuration } from '../duration';

/** Default location of the configuration file (`--config` changes it). */
export const DEFAULT_CONFIG_FILE = '/etc/virtcap/agent.json';

const duration = z.union([z.number().int().nonnegative(), z.string()]).transform((v, ctx) => {
  const ms = typeof v === 'number' ? v : parseDuration(v);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `not a duration: ${String(v)} (use e.g. 30s, 10m, 1h or milliseconds)` });
    return z.NEVER;
  }
  return ms;
});

/**
 * The agent's configuration: `/etc/virtcap/agent.json` (camelCase keys below), then command-line flags,
 * which win. Durations are milliseconds or strings like `30s`, `1h`.
 */
export const AgentConfigSchema = z
  .object({
    server: z.url().optional(),
    caFile: z.string().min(1).optional(),
    stateDir: z.string().min(1).default('/var/lib/virtcap'),
    sysroot: z.string().min(1).default('/'),
    labels: LabelsSchema.default({}),
    hostname: z.string().min(1).max(253).optional(),
    machineId: z.string().min(1).max(128).optional(),
    timeouts: z
      .object({ command: duration.default(30_000), request: duration.default(30_000) })
      .strict()
      .prefault({}),
    spool: z
      .object({ maxEntries: z.number().int().min(1).default(500), maxBytes: z.number().int().min(1024).default(256 * 1024 * 1024) })
      .strict()
      .prefault({}),
    retry: z
      .object({
        maxAttempts: z.number().int().min(1).max(100).default(5),
        baseDelay: duration.default(2_000),
        maxDelay: duration.default(120_000),
        maxRetryAfter: duration.default(600_000),
      })
      .strict()
      .prefault({}),
    interval: duration.default(3_600_000),
    jitter: duration.default(600_000),
  })
  .strict();

export type AgentConfig = z.infer<typeof AgentConfigSchema>;
export type AgentConfigInput = z.input<typeof AgentConfigSchema>;

/** Parse `k=v,k2=v2` (the `--labels` flag). */
export function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of text.split(',')) {
    if (!pair.trim()) continue;
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`label "${pair}" is not key=value`);
    labels[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return labels;
}

/** Flags that map to configuration keys. */
export interface ConfigFlags {
  server?: string;
  caFile?: string;
  stateDir?: string;
  sysroot?: string;
  labels?: string;
  hostname?: string;
  machineId?: string;
  commandTimeout?: string;
  requestTimeout?: string;
  spoolMaxEntries?: string;
  spoolMaxBytes?: string;
  interval?: string;
  jitter?: string;
}

const int = (name: string, v: string) => {
  if (!/^\d+$/.test(v)) throw new Error(`--${name} must be a whole number, got "${v}"`);
  return Number(v);
};

/**
 * Load and validate the configuration. A missing file is fine when it is the default path (defaults
 * apply); a missing `--config` file, bad JSON or a bad value is an error with the reason.
 */
export async function loadConfig(configFile: string | undefined, flags: ConfigFlags): Promise<AgentConfig> {
  const file = configFile ?? DEFAULT_CONFIG_FILE;
  let fromFile: Record<string, unknown> = {};
  try {
    fromFile = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (!(code === 'ENOENT' && configFile === undefined)) throw new Error(`config ${file}: ${(e as Error).message}`, { cause: e });
  }
  const merged: Record<string, unknown> = { ...fromFile };
  const nested = (key: string) => (merged[key] = { ...((merged[key] as object | undefined) ?? {}) }) as Record<string, unknown>;
  if (flags.server !== undefined) merged.server = flags.server;
  if (flags.caFile !== undefined) merged.caFile = flags.caFile;
  if (flags.stateDir !== undefined) merged.stateDir = flags.stateDir;
  if (flags.sysroot !== undefined) merged.sysroot = flags.sysroot;
  if (flags.hostname !== undefined) merged.hostname = flags.hostname;
  if (flags.machineId !== undefined) merged.machineId = flags.machineId;
  if (flags.labels !== undefined) merged.labels = { ...((merged.labels as object | undefined) ?? {}), ...parseLabels(flags.labels) };
  if (flags.commandTimeout !== undefined) nested('timeouts').command = flags.commandTimeout;
  if (flags.requestTimeout !== undefined) nested('timeouts').request = flags.requestTimeout;
  if (flags.spoolMaxEntries !== undefined) nested('spool').maxEntries = int('spool-max-entries', flags.spoolMaxEntries);
  if (flags.spoolMaxBytes !== undefined) nested('spool').maxBytes = int('spool-max-bytes', flags.spoolMaxBytes);
  if (flags.interval !== undefined) merged.interval = flags.interval;
  if (flags.jitter !== undefined) merged.jitter = flags.jitter;
  const parsed = AgentConfigSchema.safeParse(merged);
  if (!parsed.success) {
    throw new Error(`configuration invalid: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}
