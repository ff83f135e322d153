import { raw2NextJobData, RedisQueueBackend } from 'bullmq';

type Backend = {
  queue: { client: Promise<unknown> };
  execCommand(client: unknown, name: string, args: unknown[]): Promise<unknown>;
  finishedErrors(e: { code: number; jobId: string; command: string; state: string }): Error;
};

let applied: boolean | undefined;

/**
 * BullMQ 6.7's `RedisQueueBackend#moveToFinished` checks its Lua reply with `result < 0`. The reply is
 * usually the NEXT job (BullMQ fetches it while finishing one: an array holding that job's whole data), and
 * `array < 0` converts the array to a string, i.e. joins the next job's payload into a new string just to
 * compare it with 0. With our `snapshot.batch` jobs (~100–130 KB) that was 19–24% of the worker's CPU in
 * bench:worker's profile (self time of moveToFinished), and worse per byte as jobs grow.
 *
 * This replaces the method with the same logic, testing `typeof result === 'number'` first. It is applied
 * only when the installed method is the one we read (its source contains the `result < 0` test and the
 * `raw2NextJobData` call); otherwise BullMQ is left as it is and this returns false. Idempotent.
 */
export function applyBullmqFixes(): boolean {
  if (applied !== undefined) return applied;
  const proto = RedisQueueBackend.prototype as unknown as Backend & { moveToFinished: (jobId: string, args: unknown[]) => Promise<unknown> };
  const source = proto.moveToFinished.toString();
  applied = /result\s*<\s*0/.test(source) && source.includes('raw2NextJobData') && source.includes("'moveToFinished'");
  if (!applied) return false;
  proto.moveToFinished = async function (this: Backend, jobId: string, args: unknown[]): Promise<unknown> {
    const client = await this.queue.client;
    const result = await this.execCommand(client, 'moveToFinished', args);
    if (typeof result === 'number' && result < 0) {
      throw this.finishedErrors({ code: result, jobId, command: 'moveToFinished', state: 'active' });
    }
    return typeof result !== 'undefined' ? raw2NextJobData(result as unknown[]) : undefined; // as BullMQ does
  };
  return true;
}
