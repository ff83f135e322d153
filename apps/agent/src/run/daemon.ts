import { sleep } from '../duration';
import type { Logger } from '../log';

export interface DaemonOptions {
  intervalMs: number;
  jitterMs: number;
  /** One collect-and-send cycle; errors are logged and the loop goes on. */
  cycle: (signal: AbortSignal) => Promise<unknown>;
  signal: AbortSignal;
  log: Logger;
  random?: () => number;
}

/**
 * `run --interval 1h --jitter 10m`: one cycle now, then one every interval plus a random delay of up to
 * `jitter` (so a fleet does not report in lockstep). Aborting the signal (SIGTERM) ends the wait at once;
 * a cycle in flight sees the same signal and stops between steps. The spool keeps whatever was not sent.
 */
export async function runDaemon(opts: DaemonOptions): Promise<number> {
  const random = opts.random ?? Math.random;
  let cycles = 0;
  while (!opts.signal.aborted) {
    try {
      await opts.cycle(opts.signal);
    } catch (e) {
      opts.log.error(`cycle failed: ${(e as Error).message}`);
    }
    cycles++;
    const wait = opts.intervalMs + Math.round(random() * opts.jitterMs);
    opts.log.info(`next run in ${Math.round(wait / 1000)} s`);
    if (!(await sleep(wait, opts.signal))) break;
  }
  opts.log.info('stopped');
  return cycles;
}
