import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { HostRepository } from '../../../../libs/db/src/repositories/host.repository';
import { TokenRepository } from '../../../../libs/db/src/repositories/token.repository';
import { ApiError } from '../common/api-error';
import { API_TOKEN_PREFIX, generateToken, hashToken } from '../common/tokens';
import { parseBody } from '../common/validation';
import { AuthService } from './auth.service';

/** `POST /v1/tokens` body: a reader or admin API token, optionally expiring. */
export const CreateTokenRequestSchema = z
  .object({
    role: z.enum(['reader', 'admin']),
    name: z.string().min(1).max(200),
    expiresAt: z.iso.datetime({ offset: true }).optional(),
  })
  .meta({ id: 'CreateTokenRequest' });

const uuid = z.uuid();

/** Admin operations on credentials: issue and revoke API tokens, revoke a host's token. */
@Injectable()
export class TokenAdminService {
  constructor(
    private readonly tokens: TokenRepository,
    private readonly hosts: HostRepository,
    private readonly auth: AuthService,
  ) {}

  async create(body: unknown): Promise<{ id: string; token: string }> {
    const req = parseBody(CreateTokenRequestSchema, body);
    const expiresAt = req.expiresAt ? new Date(req.expiresAt) : null;
    if (expiresAt && expiresAt.getTime() <= Date.now()) throw new ApiError('invalid_body', 'expiresAt is in the past', {}, [{ path: 'expiresAt', message: 'must be in the future' }]);
    const token = generateToken(API_TOKEN_PREFIX);
    const id = await this.tokens.createApiToken({ id: randomUUID(), name: req.name, role: req.role, tokenHash: hashToken(token), expiresAt });
    return { id, token };
  }

  async revokeToken(id: string): Promise<void> {
    if (!uuid.safeParse(id).success || !(await this.tokens.revokeApiToken(id))) throw new ApiError('not_found', `no active API token ${id}`);
    this.auth.forget((p) => p.kind === 'api' && p.tokenId === id);
  }

  async revokeHost(hostId: string): Promise<void> {
    if (!uuid.safeParse(hostId).success || !(await this.hosts.revoke(hostId))) throw new ApiError('not_found', `no host ${hostId}`);
    this.auth.forget((p) => p.kind === 'agent' && p.hostId === hostId);
  }
}
