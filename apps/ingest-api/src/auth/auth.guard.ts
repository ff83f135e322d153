import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ApiError } from '../common/api-error';
import { AuthService } from '../services/auth.service';
import { allows, Principal, Scope } from './principal';

export const SCOPE_KEY = 'virtcap:scope';

/** Authenticates the bearer token (401) and checks the route's scope (403); stores the principal on the request. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const scope = this.reflector.getAllAndOverride<Scope | undefined>(SCOPE_KEY, [ctx.getHandler(), ctx.getClass()]);
    if (!scope) return true;
    const req = ctx.switchToHttp().getRequest<FastifyRequest & { principal?: Principal }>();
    const principal = await this.auth.authenticate(req.headers.authorization);
    if (!allows(scope, principal)) {
      const who = principal.kind === 'agent' ? 'a host token' : `a ${principal.role} token`;
      throw new ApiError('forbidden', `this route needs ${scope === 'agent' ? 'a host token' : `a ${scope} token`}; ${who} was given`);
    }
    req.principal = principal;
    return true;
  }
}
