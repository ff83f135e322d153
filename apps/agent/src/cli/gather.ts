import * as os from 'node:os';
import type { AgentConfig } from '../config/agent-config';
import type { CommandRunner } from '../collect/command-runner';
import { readEvidenceDir } from '../collect/evidence-dir';
import { RootedHostFiles } from '../collect/host-files';
import { collectLive, readMachineId } from '../collect/live-collector';
import { buildSnapshot, type BuiltSnapshot, type SnapshotInterpreter } from '../snapshot/build-snapshot';

export interface GatherDeps {
  runner: CommandRunner;
  interpreter: SnapshotInterpreter;
}

/** Collect from the live host or an evidence directory and build the validated snapshot. */
export async function gatherSnapshot(cfg: AgentConfig, evidenceDir: string | undefined, deps: GatherDeps): Promise<BuiltSnapshot> {
  const files = new RootedHostFiles(cfg.sysroot);
  const source = evidenceDir
    ? await readEvidenceDir(evidenceDir)
    : await collectLive({ runner: deps.runner, files, timeoutMs: cfg.timeouts.command, stateDir: cfg.stateDir });
  const machineId = cfg.machineId ?? (await readMachineId(files)) ?? 'unknown';
  return buildSnapshot({
    bundle: source.bundle,
    collection: source.collection,
    ...(source.bootId ? { bootId: source.bootId } : {}),
    host: { hostname: cfg.hostname ?? os.hostname(), machineId, labels: cfg.labels },
    interpreter: deps.interpreter,
  });
}
