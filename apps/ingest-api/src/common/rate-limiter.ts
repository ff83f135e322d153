/** The answer of {@link TokenBucketLimiter.take}: allowed, or refused with seconds until the next token. */
export type RateDecision = { ok: true } | { ok: false; retryAfterSec: number };

/**
 * Per-key token bucket held in process: `perMinute` tokens of capacity, refilled continuously at
 * `perMinute` per minute. Each API replica limits on its own (N replicas allow up to N× the rate), which
 * is fine for its purpose — stopping a runaway agent — and costs no Redis round trip per request.
 */
export class TokenBucketLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly ratePerMs: number;

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 200_000,
  ) {
    this.ratePerMs = perMinute / 60_000;
  }

  take(key: string): RateDecision {
    const t = this.now();
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= this.maxKeys) this.prune(t);
      b = { tokens: this.perMinute, at: t };
      this.buckets.set(key, b);
    } else {
      b.tokens = Math.min(this.perMinute, b.tokens + (t - b.at) * this.ratePerMs);
      b.at = t;
    }
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSec: Math.max(1, Math.ceil((1 - b.tokens) / this.ratePerMs / 1000)) };
  }

  /** Forgets buckets that have refilled completely (they behave exactly like a new bucket). */
  private prune(t: number): void {
    for (const [k, b] of this.buckets) if (b.tokens + (t - b.at) * this.ratePerMs >= this.perMinute) this.buckets.delete(k);
  }
}
