import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { SnapshotSchema, snapshotWireJson, type Snapshot } from '../../../../libs/contracts/src';
import type { Logger } from '../log';
import { syncDir, writeFileAtomic } from '../state/atomic-write';

export interface SpoolLimits {
  /** Most snapshots kept; the oldest is dropped (with a log line) beyond this. */
  maxEntries: number;
  /** Most bytes (compressed) kept; the oldest are dropped beyond this. */
  maxBytes: number;
}

/** One spooled snapshot: `<collectedAt ms>-<seq>-<snapshotId>.json.gz`, so names sort oldest first. */
export interface SpoolEntry {
  name: string;
  file: string;
  bytes: number;
}

export type SpoolRead = { ok: true; snapshotId: string; body: Buffer } | { ok: false; reason: string };

const ENTRY = /^\d{14}-\d{6}-[0-9a-f-]{36}\.json\.gz$/;
let sequence = 0;

/**
 * Snapshots waiting to be sent, one gzip file per snapshot holding the exact request body.
 * Writes are atomic (temp file, fsync, rename), so a crash never leaves a half-written entry;
 * whatever is unreadable at replay is moved to `corrupt/` with a message. Entries the server
 * refused for good go to `rejected/` with the reason next to them: nothing is dropped silently.
 */
export class Spool {
  readonly rejectedDir: string;
  readonly corruptDir: string;

  constructor(
    readonly dir: string,
    private readonly limits: SpoolLimits,
    private readonly log: Logger,
  ) {
    this.rejectedDir = path.join(dir, 'rejected');
    this.corruptDir = path.join(dir, 'corrupt');
  }

  async add(snapshot: Snapshot): Promise<SpoolEntry> {
    await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
    const at = Date.parse(snapshot.collectedAt);
    sequence = (sequence + 1) % 1_000_000;
    const name = `${String(Number.isNaN(at) ? Date.now() : at).padStart(14, '0')}-${String(sequence).padStart(6, '0')}-${snapshot.snapshotId}.json.gz`;
    const body = gzipSync(Buffer.from(snapshotWireJson(snapshot), 'utf8'));
    const file = path.join(this.dir, name);
    await writeFileAtomic(file, body, 0o600);
    await this.enforceLimits();
    return { name, file, bytes: body.length };
  }

  /** Entries oldest first. Temp files left by a crash are removed here. */
  async list(): Promise<SpoolEntry[]> {
    let names: string[];
    try {
      names = await fs.readdir(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const entries: SpoolEntry[] = [];
    for (const name of names.sort()) {
      const file = path.join(this.dir, name);
      if (name.startsWith('.tmp-')) {
        await fs.rm(file, { force: true });
        continue;
      }
      const st = await fs.stat(file).catch(() => undefined);
      if (!st?.isFile()) continue;
      if (!ENTRY.test(name)) {
        await this.quarantine({ name, file, bytes: st.size }, 'not a spool entry name');
        continue;
      }
      entries.push({ name, file, bytes: st.size });
    }
    return entries;
  }

  /** The request body of an entry, after checking that it decompresses and is a valid snapshot. */
  async read(entry: SpoolEntry): Promise<SpoolRead> {
    try {
      const body = await fs.readFile(entry.file);
      const parsed = SnapshotSchema.safeParse(JSON.parse(gunzipSync(body).toString('utf8')));
      if (!parsed.success) return { ok: false, reason: `not a valid snapshot: ${parsed.error.issues[0]?.message ?? 'schema mismatch'}` };
      return { ok: true, snapshotId: parsed.data.snapshotId, body };
    } catch (e) {
      return { ok: false, reason: (e as Error).message };
    }
  }

  async remove(entry: SpoolEntry): Promise<void> {
    await fs.rm(entry.file, { force: true });
    await syncDir(this.dir);
  }

  /** The server will never take it: keep it in `rejected/` with the reason, for a person to look at. */
  async reject(entry: SpoolEntry, reason: string): Promise<void> {
    await this.moveAside(this.rejectedDir, entry, reason);
    this.log.error(`snapshot ${entry.name} rejected by the server and moved to ${this.rejectedDir}: ${reason}`);
  }

  /** Unreadable entry: moved to `corrupt/` with the reason and skipped. */
  async quarantine(entry: SpoolEntry, reason: string): Promise<void> {
    await this.moveAside(this.corruptDir, entry, reason);
    this.log.warn(`spool entry ${entry.name} is corrupt (${reason}); moved to ${this.corruptDir} and skipped`);
  }

  private async moveAside(dir: string, entry: SpoolEntry, reason: string): Promise<void> {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    await fs.rename(entry.file, path.join(dir, entry.name));
    await writeFileAtomic(path.join(dir, `${entry.name}.reason.txt`), `${new Date().toISOString()} ${reason}\n`, 0o600);
    await syncDir(this.dir);
  }

  /** Drop the oldest entries, each with a log line, until both bounds hold. */
  async enforceLimits(): Promise<SpoolEntry[]> {
    const entries = await this.list();
    let bytes = entries.reduce((n, e) => n + e.bytes, 0);
    const dropped: SpoolEntry[] = [];
    while (entries.length > 0 && (entries.length > this.limits.maxEntries || bytes > this.limits.maxBytes)) {
      const oldest = entries.shift()!;
      await fs.rm(oldest.file, { force: true });
      bytes -= oldest.bytes;
      dropped.push(oldest);
      this.log.warn(
        `spool full (limit ${this.limits.maxEntries} snapshots, ${this.limits.maxBytes} bytes): dropped oldest snapshot ${oldest.name}`,
      );
    }
    if (dropped.length) await syncDir(this.dir);
    return dropped;
  }
}
