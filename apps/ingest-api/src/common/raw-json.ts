/**
 * Bytes remembered on a parsed body object, under a symbol (not enumerable: invisible to JSON.stringify,
 * zod and logging): `attach(value, bytes)` records them (non-objects are returned unchanged), `of(body)`
 * reads them back.
 */
function rawBytesSlot(name: string): { attach<T>(value: T, bytes: Uint8Array): T; of(body: unknown): Uint8Array | undefined } {
  const key = Symbol(name);
  return {
    attach<T>(value: T, bytes: Uint8Array): T {
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) Object.defineProperty(value, key, { value: bytes });
      return value;
    },
    of(body: unknown): Uint8Array | undefined {
      if (typeof body !== 'object' || body === null) return undefined;
      const raw = (body as Record<symbol, unknown>)[key];
      return raw instanceof Uint8Array ? raw : undefined;
    },
  };
}

/** The UTF-8 JSON bytes a body was parsed from: the snapshot ingest enqueues the body as it came instead of re-serializing it. */
const rawJson = rawBytesSlot('virtcap.rawJson');
/** The gzip bytes a body arrived as (next to its inflated JSON): the ingest enqueues the agent's compressed body (a quarter of the bytes through Redis). */
const rawGzip = rawBytesSlot('virtcap.rawGzip');

export const withRawJson = rawJson.attach;
export const rawJsonOf = rawJson.of;
export const withRawGzip = rawGzip.attach;
export const rawGzipOf = rawGzip.of;
