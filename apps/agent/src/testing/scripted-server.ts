import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** What the scripted API answers to the n-th request (0-based): a status, or `destroy` to drop the connection unanswered. */
export type Reply = { status: number; headers?: Record<string, string>; body?: unknown } | { destroy: true };

export interface ReceivedRequest {
  n: number;
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  json: unknown;
  at: number;
}

/**
 * A real HTTP server on 127.0.0.1 standing in for the ingest API in tests, with scripted behaviour:
 * it decodes the (gzip) body, records every request, then replies as the script says.
 */
export class ScriptedServer {
  readonly requests: ReceivedRequest[] = [];
  private server?: http.Server;
  port = 0;

  constructor(private readonly script: (req: ReceivedRequest) => Reply) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** snapshotIds the server answered 2xx to, in order. */
  accepted: string[] = [];

  async start(port = 0): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        let raw = Buffer.concat(chunks);
        let json: unknown;
        try {
          if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw);
          json = JSON.parse(raw.toString('utf8'));
        } catch {
          json = undefined;
        }
        const r: ReceivedRequest = { n: this.requests.length, method: req.method ?? '', url: req.url ?? '', headers: req.headers, json, at: Date.now() };
        this.requests.push(r);
        const reply = this.script(r);
        if ('destroy' in reply) {
          req.socket.destroy();
          return;
        }
        if (reply.status >= 200 && reply.status < 300 && json && typeof json === 'object' && 'snapshotId' in json) {
          this.accepted.push(String((json as { snapshotId: unknown }).snapshotId));
        }
        res.writeHead(reply.status, { 'Content-Type': 'application/json', ...reply.headers });
        res.end(reply.body === undefined ? '' : JSON.stringify(reply.body));
      });
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections?.();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = undefined;
  }
}

/** A port nothing listens on (so connecting is refused): bound, then released. */
export async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}
