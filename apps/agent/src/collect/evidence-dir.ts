import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../state/atomic-write';
import { isBinaryEvidencePath, type Collection, type CollectorRun, type EvidenceBundle } from './types';

/** Files in an evidence directory that are notes about it, not evidence (fixture provenance, our own record). */
const IGNORED = (name: string) => name.startsWith('.') || name === 'SOURCES.txt' || name.endsWith('.source.txt');

/** The name of the collection record `capture` writes next to the evidence (a dot file, so it is not evidence). */
export const COLLECTION_FILE = '.virtcap-collection.json';

/** Optional file in an evidence directory giving the boot id of the captured host. */
export const BOOT_ID_FILE = 'boot_id';

async function walk(root: string, rel: string, out: string[], depth: number): Promise<void> {
  if (depth > 8) return;
  const entries = await fs.readdir(path.join(root, rel), { withFileTypes: true });
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (IGNORED(e.name)) continue;
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) await walk(root, r, out, depth + 1);
    else if (e.isFile()) out.push(r);
  }
}

export interface EvidenceDirRead {
  bundle: EvidenceBundle;
  collection: Collection;
  bootId?: string;
}

/**
 * Read an evidence directory (DESIGN.md contract) instead of the live host. Every file is optional;
 * `acpi/<SIG>` and `acpi/<SIG>.dat` are read as bytes, everything else as UTF-8 text. An unreadable
 * directory gives an empty bundle and a note, never an exception.
 */
export async function readEvidenceDir(dir: string): Promise<EvidenceDirRead> {
  const bundle: EvidenceBundle = {};
  const runs: CollectorRun[] = [];
  const notes: string[] = [];
  const keys: string[] = [];
  try {
    await walk(dir, '', keys, 0);
  } catch (e) {
    notes.push(`evidence directory ${dir} not readable: ${(e as Error).message}`);
  }
  let bootId: string | undefined;
  for (const key of keys) {
    const file = path.join(dir, ...key.split('/'));
    try {
      const bytes = await fs.readFile(file);
      if (key === BOOT_ID_FILE) {
        bootId = bytes.toString('utf8').trim() || undefined;
        continue;
      }
      bundle[key] = isBinaryEvidencePath(key) ? new Uint8Array(bytes) : bytes.toString('utf8');
      runs.push({ name: key, kind: 'file', target: file, outcome: 'ok' });
    } catch (e) {
      runs.push({ name: key, kind: 'file', target: file, outcome: 'error', error: (e as Error).message });
    }
  }
  return { bundle, collection: { mode: 'evidence-dir', runs, notes }, ...(bootId ? { bootId } : {}) };
}

/** Write a bundle in the evidence-directory layout (`capture --out DIR`), plus the collection record. */
export async function writeEvidenceDir(dir: string, bundle: EvidenceBundle, collection: Collection, bootId?: string): Promise<string[]> {
  const written: string[] = [];
  await fs.mkdir(dir, { recursive: true });
  for (const [key, value] of Object.entries(bundle)) {
    if (key.split('/').some((part) => part === '..' || part === '')) continue;
    const file = path.join(dir, ...key.split('/'));
    await fs.mkdir(path.dirname(file), { recursive: true });
    await writeFileAtomic(file, value);
    written.push(key);
  }
  if (bootId) await writeFileAtomic(path.join(dir, BOOT_ID_FILE), `${bootId}\n`);
  await writeFileAtomic(path.join(dir, COLLECTION_FILE), JSON.stringify(collection, null, 2) + '\n');
  return written;
}
