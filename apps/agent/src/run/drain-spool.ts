import type { Logger } from '../log';
import type { DeliveryOutcome } from '../send/deliver';
import type { Spool } from '../spool/spool';

/** Sends one request body; in production {@link deliverSnapshot} bound to the configuration. */
export type Deliver = (gzBody: Buffer, snapshotId: string) => Promise<DeliveryOutcome>;

export interface DrainResult {
  sent: string[];
  rejected: string[];
  corrupt: string[];
  remaining: number;
  /** Why the drain stopped early: server unavailable or token rejected. */
  stoppedBecause?: 'unavailable' | 'unauthorized';
}

/**
 * Replay the spool oldest first. A 2xx removes the entry; a permanent 4xx moves it to `rejected/`;
 * a corrupt entry is moved aside and skipped; 401 or an unreachable server stops the drain and
 * keeps everything that is left, in order, for the next run.
 */
export async function drainSpool(spool: Spool, deliver: Deliver, log: Logger): Promise<DrainResult> {
  const result: DrainResult = { sent: [], rejected: [], corrupt: [], remaining: 0 };
  const entries = await spool.list();
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]!;
    const read = await spool.read(entry);
    if (!read.ok) {
      await spool.quarantine(entry, read.reason);
      result.corrupt.push(entry.name);
      continue;
    }
    const outcome = await deliver(read.body, read.snapshotId);
    if (outcome.kind === 'accepted') {
      await spool.remove(entry);
      result.sent.push(read.snapshotId);
      log.info(`snapshot ${read.snapshotId} delivered (${outcome.status})`);
    } else if (outcome.kind === 'rejected') {
      await spool.reject(entry, outcome.reason);
      result.rejected.push(read.snapshotId);
    } else {
      result.remaining = entries.length - i;
      result.stoppedBecause = outcome.kind;
      if (outcome.kind === 'unauthorized') {
        log.error(`the server rejected this host's token (${outcome.reason}); ${result.remaining} snapshot(s) kept in ${spool.dir}. Re-enroll: virtcap-agent enroll --server URL --secret S`);
      } else {
        log.warn(`server unavailable (${outcome.reason}); ${result.remaining} snapshot(s) kept in ${spool.dir} for the next run`);
      }
      break;
    }
  }
  return result;
}
