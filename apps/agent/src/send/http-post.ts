import * as http from 'node:http';
import * as https from 'node:https';

/** An HTTP answer, or the reason there was none (connection refused, TLS failure, timeout). */
export type PostResult =
  | { kind: 'response'; status: number; headers: http.IncomingHttpHeaders; body: string }
  | { kind: 'network-error'; error: string };

export interface PostOptions {
  headers: Record<string, string>;
  timeoutMs: number;
  /** PEM bundle trusted for https (the `caFile` setting); the system store when absent. */
  ca?: string | Buffer;
  signal?: AbortSignal;
}

const MAX_RESPONSE_BYTES = 1024 * 1024;

/** POST a body with node:http/node:https (no dependencies, Node 18). Never throws. */
export function post(url: string, body: Buffer, opts: PostOptions): Promise<PostResult> {
  return new Promise((resolve) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return resolve({ kind: 'network-error', error: `invalid URL ${url}` });
    }
    const isHttps = target.protocol === 'https:';
    if (!isHttps && target.protocol !== 'http:') return resolve({ kind: 'network-error', error: `unsupported protocol ${target.protocol}` });
    let done = false;
    const finish = (r: PostResult) => {
      if (!done) {
        done = true;
        opts.signal?.removeEventListener('abort', onAbort);
        resolve(r);
      }
    };
    const options: https.RequestOptions = {
      method: 'POST',
      headers: { ...opts.headers, 'Content-Length': String(body.length) },
      timeout: opts.timeoutMs,
      ...(isHttps && opts.ca ? { ca: opts.ca } : {}),
    };
    const req = (isHttps ? https : http).request(target, options, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= MAX_RESPONSE_BYTES) chunks.push(c);
      });
      res.on('end', () => finish({ kind: 'response', status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (e) => finish({ kind: 'network-error', error: e.message }));
    });
    const onAbort = () => {
      req.destroy(new Error('aborted'));
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${opts.timeoutMs} ms`)));
    req.on('error', (e: NodeJS.ErrnoException) => finish({ kind: 'network-error', error: e.code ? `${e.code}: ${e.message}` : e.message }));
    req.end(body);
  });
}
