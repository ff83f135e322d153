import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { getEnv } from '../../../../libs/config/src';
import { AlertReadRepository, AlertWithEvents } from '../../../../libs/db/src/repositories/alert-read.repository';
import { FirmwareRow, FleetReadRepository, HostListRow } from '../../../../libs/db/src/repositories/fleet-read.repository';
import { HostDetail, HostDetailRepository } from '../../../../libs/db/src/repositories/host-detail.repository';
import { ApiError } from '../common/api-error';
import { Rendered } from '../common/rendered';
import { encodeCursor, parseAlertQuery, parseFirmwareQuery, parseHostListQuery, parseSummaryQuery } from './fleet-query.params';
import { hostsToCsv } from './hosts-csv';

type Query = Record<string, unknown>;
const uuid = z.uuid();

/** The read API: validates query parameters (400 naming the parameter) and asks the read repositories. */
@Injectable()
export class FleetQueryService {
  private readonly staleAfterMs = getEnv().VIRTCAP_STALE_AFTER;

  constructor(
    private readonly fleet: FleetReadRepository,
    private readonly detail: HostDetailRepository,
    private readonly alerts: AlertReadRepository,
  ) {}

  private staleBefore(): Date {
    return new Date(Date.now() - this.staleAfterMs);
  }

  summary(q: Query) {
    return this.fleet.statusCounts(parseSummaryQuery(q, this.staleBefore()));
  }

  /** JSON `{items, nextCursor}` or CSV with a header row (next page cursor in `X-Next-Cursor`). */
  async listHosts(q: Query): Promise<Rendered<{ items: HostListRow[]; nextCursor: string | null }>> {
    const p = parseHostListQuery(q, this.staleBefore());
    const rows = await this.fleet.listHosts(p.filter, p.limit + 1, p.cursor);
    const items = rows.slice(0, p.limit);
    const last = items[items.length - 1];
    const nextCursor = rows.length > p.limit && last ? encodeCursor({ hostname: last.hostname, id: last.id }) : null;
    if (p.format === 'csv') {
      const headers: Record<string, string> = { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': 'attachment; filename="hosts.csv"' };
      if (nextCursor) headers['x-next-cursor'] = nextCursor;
      return { headers, body: hostsToCsv(items) };
    }
    return { headers: {}, body: { items, nextCursor } };
  }

  async host(id: string): Promise<HostDetail> {
    const d = uuid.safeParse(id).success ? await this.detail.findHostDetail(id) : null;
    if (!d) throw new ApiError('not_found', `no host ${id}`);
    return d;
  }

  async firmware(q: Query): Promise<{ items: FirmwareRow[] }> {
    return { items: await this.fleet.firmwareInUse(parseFirmwareQuery(q)) };
  }

  async listAlerts(q: Query): Promise<{ items: AlertWithEvents[] }> {
    return { items: await this.alerts.listAlerts(parseAlertQuery(q)) };
  }
}
