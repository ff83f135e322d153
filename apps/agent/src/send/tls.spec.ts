import { describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { memoryLogger } from '../log';
import { testSnapshot } from '../testing/snapshots';
import { deliverSnapshot } from './deliver';

// A real HTTPS server with a throw-away CA made by openssl: the agent trusts it only through the CA file.
describe('TLS with a CA file', () => {
  it('sends over https when given the CA, and refuses the same server without it', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'virtcap-tls-'));
    const f = (n: string) => path.join(dir, n);
    const ssl = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
    ssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '1', '-subj', '/CN=virtcap test CA']);
    ssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('srv.key'), '-out', f('srv.csr'), '-subj', '/CN=127.0.0.1']);
    await fs.writeFile(f('ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
    ssl(['x509', '-req', '-in', f('srv.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('srv.pem'), '-days', '1', '-extfile', f('ext.cnf')]);

    const received: string[] = [];
    const server = https.createServer({ key: await fs.readFile(f('srv.key')), cert: await fs.readFile(f('srv.pem')) }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push(JSON.parse(gunzipSync(Buffer.concat(chunks)).toString()).snapshotId);
        res.writeHead(202, { 'Content-Type': 'application/json' }).end('{"status":"queued"}');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const s = testSnapshot(1);
    const body = gzipSync(Buffer.from(JSON.stringify(s)));
    const cfg = { server: url, token: 't', requestTimeoutMs: 5000, maxAttempts: 1, baseDelayMs: 10, maxDelayMs: 10, maxRetryAfterMs: 10, log: memoryLogger() };
    try {
      const without = await deliverSnapshot(body, s.snapshotId, cfg);
      expect(without.kind).toBe('unavailable');
      expect(without.kind === 'unavailable' && without.reason).toMatch(/SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|self[- ]signed/);
      const withCa = await deliverSnapshot(body, s.snapshotId, { ...cfg, ca: await fs.readFile(f('ca.pem')) });
      expect(withCa).toEqual({ kind: 'accepted', status: 'queued' });
      expect(received).toEqual([s.snapshotId]);
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
