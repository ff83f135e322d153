import { promises as fs } from 'node:fs';
import { z } from 'zod';
import type { AgentConfig } from '../config/agent-config';
import type { Logger } from '../log';
import { post } from '../send/http-post';
import { saveToken } from '../state/token-store';

const EnrollResponse = z.object({ hostId: z.string().min(1), token: z.string().min(1) });

export interface EnrollInput {
  secret: string;
  hostname: string;
  machineId: string;
}

/** `POST {server}/v1/enroll {enrollSecret, hostname, machineId, labels}` → 201 `{hostId, token}`; the token is stored with mode 0600. */
export async function enroll(cfg: AgentConfig, input: EnrollInput, log: Logger): Promise<number> {
  if (!cfg.server) {
    log.error('enroll needs --server URL');
    return 2;
  }
  const ca = cfg.caFile ? await fs.readFile(cfg.caFile) : undefined;
  const body = Buffer.from(
    JSON.stringify({ enrollSecret: input.secret, hostname: input.hostname, machineId: input.machineId, labels: cfg.labels }),
  );
  const res = await post(`${cfg.server.replace(/\/+$/, '')}/v1/enroll`, body, {
    headers: { 'Content-Type': 'application/json' },
    timeoutMs: cfg.timeouts.request,
    ...(ca ? { ca } : {}),
  });
  if (res.kind === 'network-error') {
    log.error(`enroll failed: server unreachable (${res.error})`);
    return 1;
  }
  if (res.status !== 201 && res.status !== 200) {
    log.error(`enroll failed: HTTP ${res.status}${res.status === 401 ? ' (wrong enroll secret)' : ''}: ${res.body.slice(0, 300)}`);
    return 1;
  }
  let parsed: z.infer<typeof EnrollResponse>;
  try {
    parsed = EnrollResponse.parse(JSON.parse(res.body));
  } catch (e) {
    log.error(`enroll failed: unexpected answer from the server: ${(e as Error).message}`);
    return 1;
  }
  const file = await saveToken(cfg.stateDir, { ...parsed, server: cfg.server, enrolledAt: new Date().toISOString() });
  log.warn(`enrolled as host ${parsed.hostId}; token stored in ${file}`);
  return 0;
}
