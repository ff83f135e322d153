import type { Pool } from 'pg';
import type { SnapshotWriteRepository, UnchangedTouch } from '../../../../../libs/db/src/repositories/snapshot-write.repository';

interface Pending {
  touch: UnchangedTouch;
  resolve: (applied: boolean) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit for unchanged snapshots: when no batch is in flight the pending touches go at once (next
 * tick); while one is in flight, arrivals gather and go together when it finishes (at most `windowMs`
 * later, or at `maxBatch`). Each batch moves its hosts' `last_seen_at` in ONE guarded statement (one round trip). Each caller awaits its own answer: true when its host was
 * moved, false when the guard refused (state changed meanwhile: take the locked path). Several reports of
 * one host in a batch collapse to the newest; an older one shares its answer only when it carries the same
 * evidence (or content) hash, otherwise it is refused and takes the locked path (out of order).
 */
export class UnchangedBatcher {
  private pending: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private inFlight = new Set<Promise<void>>();

  constructor(
    private readonly pool: Pool,
    private readonly repo: SnapshotWriteRepository,
    private readonly windowMs: number,
    private readonly maxBatch = 500,
  ) {}

  /** Queue one touch; resolves once the batch containing it committed. */
  touch(t: UnchangedTouch): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.pending.push({ touch: t, resolve, reject });
      if (this.pending.length >= this.maxBatch) this.flushNow();
      else if (this.inFlight.size === 0) this.immediate ??= setImmediate(() => this.flushNow());
      else this.timer ??= setTimeout(() => this.flushNow(), this.windowMs);
    });
  }

  /** Flush what is pending and wait for every batch in flight (shutdown). */
  async drain(): Promise<void> {
    this.flushNow();
    await Promise.all([...this.inFlight]);
  }

  private flushNow(): void {
    if (this.timer) clearTimeout(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    const p = this.run(batch).finally(() => {
      this.inFlight.delete(p);
      if (this.pending.length > 0 && this.inFlight.size === 0) this.flushNow();
    });
    this.inFlight.add(p);
  }

  private async run(batch: Pending[]): Promise<void> {
    const newest = new Map<string, UnchangedTouch>();
    for (const { touch } of batch) {
      const cur = newest.get(touch.hostId);
      if (!cur || Date.parse(touch.collectedAt) > Date.parse(cur.collectedAt)) newest.set(touch.hostId, touch);
    }
    try {
      // One statement, its own transaction: one round trip per batch.
      const moved = await this.repo.touchUnchanged(this.pool, [...newest.values()]);
      for (const p of batch) p.resolve(moved.has(p.touch.hostId) && sameContent(p.touch, newest.get(p.touch.hostId)!));
    } catch (e) {
      for (const p of batch) p.reject(e);
    }
  }
}

/** Whether two touches of one host report the same content (same evidence hash, or same derived content hash). */
function sameContent(a: UnchangedTouch, b: UnchangedTouch): boolean {
  return a === b || a.evidenceHash === b.evidenceHash || (a.contentHash !== null && a.contentHash === b.contentHash);
}
