import type { Pool } from 'pg';
import type { IngestStatsDelta, SnapshotWriteRepository } from '../../../../../libs/db/src/repositories/snapshot-write.repository';

type Counter = 'changed' | 'unchanged' | 'outOfOrder' | 'deadLettered' | 'duplicate';

/**
 * Per-minute `ingest_stats` counters summed in memory and flushed about once a second in one upsert
 * per minute, instead of every job updating the same hot row inside its transaction.
 */
export class IngestStatsBuffer {
  private minutes = new Map<number, IngestStatsDelta>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly repo: SnapshotWriteRepository,
    private readonly flushMs = 1000,
  ) {}

  /** Count one job outcome at `at` (duplicates count as processed only). */
  add(what: Counter, at: Date = new Date()): void {
    const minute = Math.floor(at.getTime() / 60_000) * 60_000;
    let d = this.minutes.get(minute);
    if (!d) this.minutes.set(minute, (d = { minute: new Date(minute), processed: 0, changed: 0, unchanged: 0, outOfOrder: 0, deadLettered: 0 }));
    if (what !== 'deadLettered') d.processed++;
    if (what !== 'duplicate') d[what]++;
    // unref: pending counters never keep a process alive; the worker flushes them on shutdown.
    this.timer ??= setTimeout(() => void this.flush().catch(() => undefined /* kept in memory, retried next flush */), this.flushMs).unref();
  }

  /** Write the sums; on failure they are merged back and retried on the next flush. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const batch = [...this.minutes.values()];
    this.minutes.clear();
    try {
      for (const d of batch) await this.repo.addIngestStats(this.pool, d);
    } catch (e) {
      for (const d of batch) {
        const cur = this.minutes.get(d.minute.getTime());
        if (!cur) this.minutes.set(d.minute.getTime(), d);
        else for (const k of ['processed', 'changed', 'unchanged', 'outOfOrder', 'deadLettered'] as const) cur[k] += d[k];
      }
      this.timer ??= setTimeout(() => void this.flush().catch(() => undefined /* retried again */), this.flushMs).unref();
      throw e;
    }
  }
}
