import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../state/atomic-write';

/** Xen prints this banner first; without it the ring buffer has wrapped (evidence-spec §2). */
export function hasXenBanner(text: string): boolean {
  return text.includes('Xen version ');
}

export interface DmesgChoice {
  text: string;
  source: 'fresh' | 'cache';
  note?: string;
}

const safeBootId = (bootId: string) => bootId.replace(/[^A-Za-z0-9-]/g, '_');

/**
 * Keep one copy of `xl dmesg` per boot in `<stateDir>/xl-dmesg/<bootId>.txt`. The Xen console ring
 * wraps, so the copy taken soon after boot is the one with the banner and the HVM/IOMMU lines:
 * when the cached copy for this boot has the banner and the fresh one does not, the cached one wins.
 * Copies for other boots are removed. Cache failures are notes, never errors.
 */
export async function chooseXlDmesg(stateDir: string, bootId: string | undefined, fresh: string): Promise<DmesgChoice> {
  if (!bootId) return { text: fresh, source: 'fresh', note: 'xl dmesg not cached: boot id unknown' };
  const dir = path.join(stateDir, 'xl-dmesg');
  const file = path.join(dir, `${safeBootId(bootId)}.txt`);
  let cached: string | undefined;
  try {
    cached = await fs.readFile(file, 'utf8');
  } catch {
    // No copy for this boot yet.
  }
  if (cached !== undefined && hasXenBanner(cached) && !hasXenBanner(fresh)) {
    return { text: cached, source: 'cache', note: 'xl dmesg ring buffer has wrapped; using the copy cached earlier in this boot' };
  }
  let note: string | undefined;
  if (hasXenBanner(fresh)) {
    try {
      await fs.mkdir(dir, { recursive: true, mode: 0o700 });
      await writeFileAtomic(file, fresh, 0o600);
      for (const name of await fs.readdir(dir)) {
        if (name !== path.basename(file) && name.endsWith('.txt')) await fs.rm(path.join(dir, name), { force: true });
      }
    } catch (e) {
      note = `xl dmesg cache not written: ${(e as Error).message}`;
    }
  }
  return { text: fresh, source: 'fresh', ...(note ? { note } : {}) };
}
