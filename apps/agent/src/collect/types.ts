/** Raw evidence keyed by evidence-directory path (DESIGN.md): text as strings, ACPI tables as bytes. */
export type { EvidenceBundle } from '../../../../libs/evidence/src/host-facts/types';

/** What happened to one collector; recorded in the snapshot under `facts.collection`. */
export interface CollectorRun {
  /** Evidence path it fills (`xl-info.txt`, `acpi/RMAD`, `dmi/`, `sysfs/pci/`) or the command's role. */
  name: string;
  kind: 'command' | 'file' | 'directory';
  /** The command line or host path. */
  target: string;
  outcome: 'ok' | 'exit-nonzero' | 'timeout' | 'not-found' | 'output-too-large' | 'error' | 'missing' | 'denied' | 'skipped';
  exitCode?: number | null;
  durationMs?: number;
  error?: string;
  /** What was read, e.g. `12 devices, 30 files` or `used the copy cached at boot`. */
  detail?: string;
}

/** How a bundle was gathered: live host or evidence directory, each collector's outcome, notes. */
export interface Collection {
  mode: 'live' | 'evidence-dir';
  runs: CollectorRun[];
  notes: string[];
}

/** Text evidence is UTF-8; `acpi/<SIG>` and `acpi/<SIG>.dat` are raw table bytes. */
export function isBinaryEvidencePath(key: string): boolean {
  return key.startsWith('acpi/') && !key.endsWith('.txt');
}
