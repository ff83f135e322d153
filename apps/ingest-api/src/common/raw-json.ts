const RAW_JSON = Symbol('virtcap.rawJson');

/**
 * Remembers the UTF-8 bytes an object was parsed from, on the object itself under a symbol (not
 * enumerable: invisible to JSON.stringify, zod and logging), so the snapshot ingest can enqueue the body
 * as it came instead of re-serializing it. Non-objects are returned unchanged.
 */
export function withRawJson<T>(value: T, raw: Uint8Array): T {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) Object.defineProperty(value, RAW_JSON, { value: raw });
  return value;
}

/** The JSON bytes `body` was parsed from, if the body parser recorded them. */
export function rawJsonOf(body: unknown): Uint8Array | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const raw = (body as { [RAW_JSON]?: unknown })[RAW_JSON];
  return raw instanceof Uint8Array ? raw : undefined;
}

const RAW_GZIP = Symbol('virtcap.rawGzip');

/**
 * Remembers the gzip bytes a body arrived as (next to {@link withRawJson}'s inflated text), so the ingest
 * can enqueue the agent's compressed body (a quarter of the bytes through Redis) instead of the JSON.
 */
export function withRawGzip<T>(value: T, gzip: Uint8Array): T {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) Object.defineProperty(value, RAW_GZIP, { value: gzip });
  return value;
}

/** The gzip bytes `body` arrived as, if it came compressed. */
export function rawGzipOf(body: unknown): Uint8Array | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const raw = (body as { [RAW_GZIP]?: unknown })[RAW_GZIP];
  return raw instanceof Uint8Array ? raw : undefined;
}
