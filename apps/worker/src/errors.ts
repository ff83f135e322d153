/** Why a job can never succeed: it goes to the dead-letter queue at once, without retries. */
export type PoisonReason = 'schema' | 'missing_host' | 'parser';

/** A job that retrying cannot fix (bad payload, host not enrolled, a parser or rule bug). */
export class PoisonJobError extends Error {
  constructor(
    readonly reason: PoisonReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${reason}: ${message}`, options);
    this.name = 'PoisonJobError';
  }
}
