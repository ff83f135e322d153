import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Snapshot } from '../../../../libs/contracts/src';
import type { AgentConfig } from '../config/agent-config';
import type { Logger } from '../log';
import { drainSpool, type DrainResult } from '../run/drain-spool';
import { deliverSnapshot } from '../send/deliver';
import { Spool } from '../spool/spool';
import { loadToken } from '../state/token-store';

export const spoolDir = (cfg: AgentConfig) => path.join(cfg.stateDir, 'spool');

/**
 * Put the new snapshot (if any) in the spool first, so a crash or an unreachable server loses
 * nothing, then replay the spool oldest first. Returns the exit code: 0 when everything was sent or
 * safely kept for later, 1 when the agent cannot send at all (no server, not enrolled, token rejected).
 */
export async function spoolAndSend(
  cfg: AgentConfig,
  snapshot: Snapshot | undefined,
  log: Logger,
  signal?: AbortSignal,
): Promise<{ code: number; result?: DrainResult }> {
  const spool = new Spool(spoolDir(cfg), { maxEntries: cfg.spool.maxEntries, maxBytes: cfg.spool.maxBytes }, log);
  if (snapshot) {
    await spool.add(snapshot);
    log.info(`snapshot ${snapshot.snapshotId} spooled`);
  }
  const token = await loadToken(cfg.stateDir);
  const server = cfg.server ?? token?.server;
  if (!server) {
    log.error('no server configured (--server or "server" in the config file); snapshot kept in the spool');
    return { code: 1 };
  }
  if (!token) {
    log.error(`not enrolled: no token in ${cfg.stateDir}; run "virtcap-agent enroll --server URL --secret S"`);
    return { code: 1 };
  }
  const ca = cfg.caFile ? await fs.readFile(cfg.caFile) : undefined;
  const result = await drainSpool(
    spool,
    (body, id) =>
      deliverSnapshot(body, id, {
        server,
        token: token.token,
        ...(ca ? { ca } : {}),
        requestTimeoutMs: cfg.timeouts.request,
        maxAttempts: cfg.retry.maxAttempts,
        baseDelayMs: cfg.retry.baseDelay,
        maxDelayMs: cfg.retry.maxDelay,
        maxRetryAfterMs: cfg.retry.maxRetryAfter,
        log,
        ...(signal ? { signal } : {}),
      }),
    log,
  );
  return { code: result.stoppedBecause === 'unauthorized' ? 1 : 0, result };
}
