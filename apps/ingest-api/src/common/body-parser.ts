import type { FastifyInstance, FastifyRequest } from 'fastify';
import { gunzip } from 'node:zlib';
import { withRawGzip, withRawJson } from './raw-json';

type Done = (err: Error | null, body?: unknown) => void;

function httpError(statusCode: number, code: string, message: string): Error & { statusCode: number; code: string } {
  return Object.assign(new Error(message), { statusCode, code });
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence (only called on bodies that failed to decode). */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    const n = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (n === 0 || i + n > b.length) return i;
    try {
      strictUtf8.decode(b.subarray(i, i + n));
    } catch {
      return i; // overlong form, surrogate code point or bad continuation byte
    }
    i += n;
  }
  return b.length;
}

/**
 * Decodes and parses a JSON body. Strict UTF-8 (invalid bytes are 400 `invalid_utf8` with the byte offset,
 * instead of silently becoming U+FFFD and being stored as something else than what was sent); a syntax
 * error is 400 `invalid_json` with V8's position. `__proto__` keys become plain own properties under
 * `JSON.parse` (no pollution here); `parseBody` then refuses them, NULs and deep nesting with 422 naming
 * the path.
 */
export function parseJsonBody(body: Uint8Array): unknown {
  let text: string;
  try {
    text = strictUtf8.decode(body);
  } catch {
    throw httpError(400, 'invalid_utf8', `the body is not valid UTF-8: invalid byte sequence at byte offset ${firstInvalidUtf8(body)}`);
  }
  if (text.trim() === '') throw httpError(400, 'invalid_json', 'the body is empty; send a JSON object');
  try {
    return withRawJson(JSON.parse(text), body); // the snapshot ingest enqueues these bytes as they are
  } catch (e) {
    throw httpError(400, 'invalid_json', `the body is not valid JSON: ${(e as Error).message}`);
  }
}

/**
 * Replaces Fastify's JSON parser with one that also accepts `Content-Encoding: gzip`: the compressed body
 * is limited by Fastify's `bodyLimit`, and the decompressed output by the same limit (zlib
 * `maxOutputLength`), so a zip bomb is refused with 413 naming the limit instead of filling memory; a
 * truncated or corrupt gzip stream is 400. Other encodings are 415. Other content types stay 415.
 */
export function registerJsonParser(fastify: FastifyInstance, limit: number): void {
  const parse = (body: Uint8Array, done: Done) => {
    let value: unknown;
    try {
      value = parseJsonBody(body);
    } catch (e) {
      return done(e as Error);
    }
    done(null, value);
  };
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: limit }, (req: FastifyRequest, body: Buffer | string, done: Done) => {
    const buf = typeof body === 'string' ? Buffer.from(body) : body;
    const encoding = String(req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (encoding === 'identity' || encoding === '') return parse(buf, done);
    if (encoding !== 'gzip' && encoding !== 'x-gzip') {
      return done(httpError(415, 'unsupported_media_type', `Content-Encoding ${encoding} is not supported; send identity or gzip`));
    }
    gunzip(buf, { maxOutputLength: limit }, (err, out) => {
      if (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ERR_BUFFER_TOO_LARGE') return done(httpError(413, 'payload_too_large', `decompressed body exceeds the limit of ${limit} bytes`));
        return done(httpError(400, 'invalid_gzip', `the gzip body could not be decompressed: ${err.message}`));
      }
      let value: unknown;
      try {
        value = withRawGzip(parseJsonBody(out), buf); // the ingest enqueues the compressed body as it came
      } catch (e) {
        return done(e as Error);
      }
      done(null, value);
    });
  });
}
