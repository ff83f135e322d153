import { Body, Controller, Delete, HttpCode, Param, Post } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Auth } from '../auth/auth.decorators';
import { CreateTokenRequestSchema, TokenAdminService } from '../services/token-admin.service';

@ApiTags('admin')
@Controller('v1')
@Auth('admin')
export class AdminController {
  constructor(private readonly admin: TokenAdminService) {}

  /** Issue a reader or admin API token → 201 {id, token} (token shown once). */
  @Post('tokens')
  @HttpCode(201)
  createToken(@Body({ schema: CreateTokenRequestSchema }) body: unknown): Promise<{ id: string; token: string }> {
    return this.admin.create(body);
  }

  /** Revoke an API token → 204. */
  @Delete('tokens/:id')
  @HttpCode(204)
  revokeToken(@Param('id') id: string): Promise<void> {
    return this.admin.revokeToken(id);
  }

  /** Revoke a host: its token stops working (within VIRTCAP_TOKEN_CACHE_TTL on other replicas) → 204. */
  @Delete('hosts/:id/token')
  @HttpCode(204)
  revokeHost(@Param('id') id: string): Promise<void> {
    return this.admin.revokeHost(id);
  }
}
