import type { FastifyInstance, FastifyRequest } from 'fastify';
import { gunzip } from 'node:zlib';

type Done = (err: Error | null, body?: unknown) => void;

function httpError(statusCode: number, code: string, message: string): Error & { statusCode: number; code: string } {
  return Object.assign(new Error(message), { statusCode, code });
}

/**
 * Replaces Fastify's JSON parser with one that also accepts `Content-Encoding: gzip`: the compressed body
 * is limited by Fastify's `bodyLimit`, and the decompressed output by the same limit (zlib
 * `maxOutputLength`), so a zip bomb is refused with 413 naming the limit instead of filling memory; a
 * truncated or corrupt gzip stream is 400. Other encodings are 415. The JSON itself is parsed by Fastify's
 * default parser (prototype-poisoning protection included). Other content types stay 415.
 */
export function registerJsonParser(fastify: FastifyInstance, limit: number): void {
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: limit }, (req: FastifyRequest, body: Buffer | string, done: Done) => {
    const encoding = String(req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (encoding === 'identity' || encoding === '') return parseJson(req, body as string, done);
    if (encoding !== 'gzip' && encoding !== 'x-gzip') {
      return done(httpError(415, 'unsupported_media_type', `Content-Encoding ${encoding} is not supported; send identity or gzip`));
    }
    gunzip(body as Buffer, { maxOutputLength: limit }, (err, out) => {
      if (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ERR_BUFFER_TOO_LARGE') return done(httpError(413, 'payload_too_large', `decompressed body exceeds the limit of ${limit} bytes`));
        return done(httpError(400, 'invalid_gzip', `the gzip body could not be decompressed: ${err.message}`));
      }
      parseJson(req, out.toString('utf8'), done);
    });
  });
}
