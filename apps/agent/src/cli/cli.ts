import * as os from 'node:os';
import { ChildProcessRunner, type CommandRunner } from '../collect/command-runner';
import { writeEvidenceDir } from '../collect/evidence-dir';
import { RootedHostFiles } from '../collect/host-files';
import { collectLive, readMachineId } from '../collect/live-collector';
import { loadConfig, type AgentConfig, type ConfigFlags } from '../config/agent-config';
import { errorMessage, stderrLogger, type Logger } from '../log';
import { runDaemon } from '../run/daemon';
import type { SnapshotInterpreter } from '../snapshot/build-snapshot';
import { renderTextReport } from '../snapshot/text-report';
import { parseArgs, type ParsedArgs } from './args';
import { enroll } from './enroll';
import { gatherSnapshot } from './gather';
import { HELP } from './help';
import { spoolAndSend } from './send-cycle';

const BOOLEANS = ['help', 'dry-run', 'once', 'quiet'] as const;
const VALUES = [
  'config', 'server', 'ca-file', 'state-dir', 'sysroot', 'labels', 'hostname', 'machine-id',
  'command-timeout', 'request-timeout', 'spool-max-entries', 'spool-max-bytes',
  'evidence-dir', 'format', 'secret', 'interval', 'jitter', 'out',
] as const;

export interface CliEnv {
  interpreter: SnapshotInterpreter;
  stdout: (text: string) => void;
  log?: Logger;
  runner?: CommandRunner;
  /** Aborted on SIGTERM/SIGINT by main.ts. */
  signal?: AbortSignal;
}

function configFlags(a: ParsedArgs): ConfigFlags {
  const f = (name: string) => (typeof a.flags[name] === 'string' ? (a.flags[name] as string) : undefined);
  const pairs: [keyof ConfigFlags, string][] = [
    ['server', 'server'], ['caFile', 'ca-file'], ['stateDir', 'state-dir'], ['sysroot', 'sysroot'], ['labels', 'labels'],
    ['hostname', 'hostname'], ['machineId', 'machine-id'], ['commandTimeout', 'command-timeout'], ['requestTimeout', 'request-timeout'],
    ['spoolMaxEntries', 'spool-max-entries'], ['spoolMaxBytes', 'spool-max-bytes'], ['interval', 'interval'], ['jitter', 'jitter'],
  ];
  const out: ConfigFlags = {};
  for (const [key, flag] of pairs) {
    const v = f(flag);
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/** The `virtcap-agent` command line. Returns the exit code: 0 ok, 1 failed, 2 usage error. */
export async function runCli(argv: string[], env: CliEnv): Promise<number> {
  const a = parseArgs(argv, { booleans: BOOLEANS, values: VALUES });
  const log = env.log ?? stderrLogger(!a.flags.quiet);
  const command = a.command;
  if (!command || command === 'help') {
    env.stdout(HELP.main + '\n');
    return command || a.flags.help ? 0 : 2;
  }
  if (!HELP[command] || command === 'main') {
    log.error(`unknown command "${command}"\n${HELP.main}`);
    return 2;
  }
  if (a.flags.help) {
    env.stdout(HELP[command] + '\n');
    return 0;
  }
  if (a.errors.length || a.positionals.length) {
    log.error([...a.errors, ...a.positionals.map((p) => `unexpected argument "${p}"`)].join('; ') + `\n(see virtcap-agent ${command} --help)`);
    return 2;
  }
  let cfg: AgentConfig;
  try {
    cfg = await loadConfig(typeof a.flags.config === 'string' ? a.flags.config : undefined, configFlags(a));
  } catch (e) {
    log.error(errorMessage(e));
    return 2;
  }
  const runner = env.runner ?? new ChildProcessRunner();
  const evidenceDir = typeof a.flags['evidence-dir'] === 'string' ? a.flags['evidence-dir'] : undefined;

  const cycle = async (signal?: AbortSignal): Promise<number> => {
    const built = await gatherSnapshot(cfg, evidenceDir, { runner, interpreter: env.interpreter });
    if (!built.ok) log.error(`snapshot not valid, not sent: ${built.issues.join('; ')}`);
    const sent = await spoolAndSend(cfg, built.ok ? built.snapshot : undefined, log, signal);
    return built.ok ? sent.code : 1;
  };

  try {
    switch (command) {
      case 'collect': {
        const format = a.flags.format ?? 'json';
        if (format !== 'json' && format !== 'text') {
          log.error('--format must be json or text');
          return 2;
        }
        if (!a.flags['dry-run']) return await cycle(env.signal);
        const built = await gatherSnapshot(cfg, evidenceDir, { runner, interpreter: env.interpreter });
        if (!built.ok) {
          log.error(`snapshot not valid: ${built.issues.join('; ')}`);
          env.stdout(JSON.stringify(built.draft, null, 2) + '\n');
          return 1;
        }
        env.stdout(format === 'text' ? renderTextReport(built.snapshot) : JSON.stringify(built.snapshot, null, 2) + '\n');
        return 0;
      }
      case 'enroll': {
        if (typeof a.flags.secret !== 'string') {
          log.error('enroll needs --secret S (see virtcap-agent enroll --help)');
          return 2;
        }
        const files = new RootedHostFiles(cfg.sysroot);
        const machineId = cfg.machineId ?? (await readMachineId(files));
        if (!machineId) {
          log.error('no machine id: /etc/machine-id is missing; pass --machine-id');
          return 1;
        }
        return await enroll(cfg, { secret: a.flags.secret, hostname: cfg.hostname ?? os.hostname(), machineId }, log);
      }
      case 'run': {
        if (a.flags.once) return await cycle(env.signal);
        const signal = env.signal ?? new AbortController().signal;
        await runDaemon({ intervalMs: cfg.interval, jitterMs: cfg.jitter, cycle: (s) => cycle(s), signal, log });
        return 0;
      }
      case 'capture': {
        if (typeof a.flags.out !== 'string') {
          log.error('capture needs --out DIR');
          return 2;
        }
        const live = await collectLive({ runner, files: new RootedHostFiles(cfg.sysroot), timeoutMs: cfg.timeouts.command });
        const written = await writeEvidenceDir(a.flags.out, live.bundle, live.collection, live.bootId);
        const missing = live.collection.runs.filter((r) => r.outcome !== 'ok' && r.outcome !== 'skipped');
        env.stdout(`wrote ${written.length} evidence files to ${a.flags.out}` + (missing.length ? `; no evidence from: ${missing.map((r) => `${r.name} (${r.outcome})`).join(', ')}` : '') + '\n');
        return 0;
      }
    }
  } catch (e) {
    log.error(`${command} failed: ${errorMessage(e)}`);
    return 1;
  }
  return 2;
}
