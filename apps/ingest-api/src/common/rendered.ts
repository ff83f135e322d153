import type { FastifyReply } from 'fastify';

/** A service answer that carries response headers (e.g. a CSV export) besides the body. */
export interface Rendered<T> {
  headers: Record<string, string>;
  body: T | string;
}

/** Applies the headers and returns the body for Nest to send (used with `@Res({ passthrough: true })`). */
export function render<T>(reply: FastifyReply, r: Rendered<T>): T | string {
  for (const [k, v] of Object.entries(r.headers)) reply.header(k, v);
  return r.body;
}
