import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiConsumes, ApiTags } from '@nestjs/swagger';
import { SnapshotSchema } from '../../../../libs/contracts/src';
import { Auth, CurrentPrincipal } from '../auth/auth.decorators';
import type { Principal } from '../auth/principal';
import { IngestReceipt, SnapshotIngestService } from '../services/snapshot-ingest.service';

@ApiTags('agent')
@Controller('v1')
export class SnapshotController {
  constructor(private readonly ingest: SnapshotIngestService) {}

  /** Post a snapshot (JSON, optionally `Content-Encoding: gzip`) → 202 {snapshotId, status: queued|duplicate}. */
  @Post('snapshots')
  @HttpCode(202)
  @Auth('agent')
  @ApiConsumes('application/json')
  accept(@CurrentPrincipal() agent: Principal, @Body({ schema: SnapshotSchema }) body: unknown): Promise<IngestReceipt> {
    return this.ingest.accept(agent, body);
  }
}
