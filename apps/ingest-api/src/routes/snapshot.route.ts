import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import { Principal, requireScope } from '../auth/principal';
import { sendApiError } from '../common/api-error.filter';
import { AuthService } from '../services/auth.service';
import { IngestReceipt, SnapshotIngestService } from '../services/snapshot-ingest.service';

export const SNAPSHOT_ROUTE = { method: 'POST', url: '/v1/snapshots' } as const;

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller, once the route (or Nest's AuthGuard) has checked the bearer token. */
    principal: Principal | null;
  }
}

export interface SnapshotRouteDeps {
  auth: AuthService;
  ingest: SnapshotIngestService;
  /** The application's pino logger (the request log writes one line per request through it). */
  log: PinoLogger;
  /** Named in 413 messages (as ApiErrorFilter does). */
  bodyLimit: number;
}

const identity = (x: unknown) => x;

/**
 * The hot route, `POST /v1/snapshots`, as plain Fastify: no Nest router, guard, pipes, interceptors or
 * exception filter per request. Behaviour is the Nest route's: the body is parsed by the app's content-type
 * parser (common/body-parser.ts: gzip, limits, 400/413/415) before the handler; the bearer token is checked
 * by {@link AuthService} (401) and must be a host token (403, AuthGuard's message); then
 * {@link SnapshotIngestService.accept} → 202 `{snapshotId, status}`. Every error is answered by the same
 * renderer as ApiErrorFilter. Request counts and latencies come from the app-wide onResponse hook
 * (configure-app.ts); the request log line is written here (nestjs-pino's middleware skips this route) and
 * costs one level check when `info` is off.
 */
export function snapshotRouteOptions(deps: SnapshotRouteDeps): Pick<RouteOptions, 'handler' | 'errorHandler' | 'onResponse'> {
  const { auth, ingest, bodyLimit } = deps;
  // The root logger's req/res serializers expect Node's request/response objects; the line built below is already plain data.
  const log = deps.log.child({}, { serializers: { req: identity, res: identity } });
  return {
    async handler(req: FastifyRequest, reply: FastifyReply): Promise<IngestReceipt> {
      const principal = await auth.authenticate(req.headers.authorization);
      requireScope('agent', principal);
      req.principal = principal;
      const receipt = await ingest.accept(principal, req.body);
      void reply.code(202);
      return receipt;
    },
    errorHandler(error: unknown, req: FastifyRequest, reply: FastifyReply): void {
      sendApiError(reply, error, bodyLimit, req.headers['content-type']);
    },
    onResponse(req: FastifyRequest, reply: FastifyReply, done: () => void): void {
      if (log.isLevelEnabled('info')) {
        const p = req.principal;
        // The same shape as pino-http's lines for the other routes; never headers (Authorization) or the body.
        log.info(
          {
            reqId: req.id,
            req: { id: req.id, method: req.method, url: req.url },
            res: { statusCode: reply.statusCode },
            responseTime: Math.round(reply.elapsedTime),
            hostId: p?.kind === 'agent' ? p.hostId : undefined,
          },
          reply.statusCode >= 500 ? 'request errored' : 'request completed',
        );
      }
      done();
    },
  };
}

/**
 * Makes Nest's registration of `POST /v1/snapshots` (SnapshotController, kept so the OpenAPI document is
 * generated from the same decorators and zod schema as every other route) register the native route of
 * {@link snapshotRouteOptions} instead: Fastify's onRoute hook replaces the handler, error handler and
 * onResponse hook before the route is added. Boot fails (onReady) if the route was never registered, so
 * the Nest handler can never silently serve it. Call before the app's routes are registered (before init).
 */
export function installSnapshotRoute(fastify: FastifyInstance, deps: SnapshotRouteDeps): void {
  const native = snapshotRouteOptions(deps);
  let installed = 0;
  fastify.decorateRequest('principal', null);
  fastify.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (route.url !== SNAPSHOT_ROUTE.url || !methods.includes(SNAPSHOT_ROUTE.method)) return;
    if (methods.length !== 1) throw new Error(`${SNAPSHOT_ROUTE.url} is registered for ${methods.join(', ')}; the native route serves POST only`);
    route.handler = native.handler;
    route.errorHandler = native.errorHandler;
    route.onResponse = native.onResponse;
    installed++;
  });
  fastify.addHook('onReady', async () => {
    if (installed !== 1) throw new Error(`POST ${SNAPSHOT_ROUTE.url} was registered ${installed} times; expected once (SnapshotController)`);
  });
}
