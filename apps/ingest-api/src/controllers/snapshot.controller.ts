import { applyDecorators, Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiConsumes, ApiResponse, ApiTags } from '@nestjs/swagger';
import { SnapshotSchema } from '../../../../libs/contracts/src';
import type { IngestReceipt } from '../services/snapshot-ingest.service';

const ERRORS: [number, string][] = [
  [400, 'invalid_json, invalid_utf8 or invalid_gzip'],
  [401, 'missing, unknown, revoked or expired token (WWW-Authenticate: Bearer)'],
  [403, 'not a host token, or host.machineId is not the token’s host'],
  [413, 'body over VIRTCAP_BODY_LIMIT_BYTES (after gzip decompression)'],
  [415, 'not application/json, or a Content-Encoding other than gzip'],
  [422, 'invalid_body (details name every field) or unsupported_schema_version'],
  [429, 'rate_limited (Retry-After)'],
  [503, 'unavailable: Redis or PostgreSQL not answering (Retry-After)'],
];

/**
 * Documentation only: `POST /v1/snapshots` is served by the native Fastify route of routes/snapshot.route.ts,
 * which replaces this handler when Nest registers it (configure-app.ts). The class stays so the OpenAPI
 * document describes the route from the same decorators and zod schema as every other route.
 */
@ApiTags('agent')
@Controller('v1')
export class SnapshotController {
  /** Post a snapshot (JSON, optionally `Content-Encoding: gzip`) → 202 {snapshotId, status: queued|duplicate}. */
  @Post('snapshots')
  @HttpCode(202)
  @ApiBearerAuth()
  @ApiConsumes('application/json')
  @ApiResponse({ status: 202, description: '{snapshotId, status: "queued" | "duplicate"} — a resend of an accepted snapshotId is "duplicate" and makes no second job' })
  @applyDecorators(...ERRORS.map(([status, description]) => ApiResponse({ status, description: `{error, message}: ${description}` })))
  accept(@Body({ schema: SnapshotSchema }) _body: unknown): Promise<IngestReceipt> {
    throw new Error('POST /v1/snapshots is served by the native route (routes/snapshot.route.ts); this handler is never routed');
  }
}
