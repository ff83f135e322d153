import { ApiError } from '../common/api-error';

/** Who made a request: an enrolled host (agent token) or a reader/admin (API token or the static admin token). */
export type Principal =
  | { kind: 'agent'; hostId: string; machineId: string }
  | { kind: 'api'; role: 'reader' | 'admin'; tokenId: string | null };

/** Route scopes: `agent` = host token only; `reader` = reader or admin; `admin` = admin only. */
export type Scope = 'agent' | 'reader' | 'admin';

/** Whether a principal may use a route with this scope. */
export function allows(scope: Scope, p: Principal): boolean {
  if (scope === 'agent') return p.kind === 'agent';
  if (p.kind !== 'api') return false;
  return scope === 'reader' ? true : p.role === 'admin';
}

/** 403 `forbidden` naming the scope the route needs and the kind of token given, unless {@link allows}. */
export function requireScope(scope: Scope, p: Principal): void {
  if (allows(scope, p)) return;
  const who = p.kind === 'agent' ? 'a host token' : `a ${p.role} token`;
  throw new ApiError('forbidden', `this route needs ${scope === 'agent' ? 'a host token' : `a ${scope} token`}; ${who} was given`);
}
