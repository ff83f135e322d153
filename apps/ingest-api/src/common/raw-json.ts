const RAW_JSON = Symbol('virtcap.rawJson');

/**
 * Remembers the JSON text an object was parsed from, on the object itself under a symbol (not
 * enumerable: invisible to JSON.stringify, zod and logging), so the snapshot ingest can enqueue the body
 * as it came instead of re-serializing it. Non-objects are returned unchanged.
 */
export function withRawJson<T>(value: T, text: string): T {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) Object.defineProperty(value, RAW_JSON, { value: text });
  return value;
}

/** The JSON text `body` was parsed from, if the body parser recorded it. */
export function rawJsonOf(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const text = (body as { [RAW_JSON]?: unknown })[RAW_JSON];
  return typeof text === 'string' ? text : undefined;
}
