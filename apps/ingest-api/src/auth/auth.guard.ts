import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AuthService } from '../services/auth.service';
import { Principal, requireScope, Scope } from './principal';

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
    requireScope(scope, principal);
    req.principal = principal;
    return true;
  }
}
