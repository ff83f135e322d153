import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata, UseGuards } from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import { AuthGuard, SCOPE_KEY } from './auth.guard';
import { Principal, Scope } from './principal';

/** Requires a bearer token with this scope (401 without a valid token, 403 with the wrong kind). */
export const Auth = (scope: Scope) => applyDecorators(SetMetadata(SCOPE_KEY, scope), UseGuards(AuthGuard), ApiBearerAuth());

/** The authenticated principal (set by {@link AuthGuard}). */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  return (ctx.switchToHttp().getRequest<{ principal: Principal }>()).principal;
});
