import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Auth } from '../auth/auth.decorators';
import { render } from '../common/rendered';
import { FirmwareAdvisoryService } from '../services/firmware-advisory.service';
import { FleetQueryService } from '../services/fleet-query.service';

type Query = Record<string, unknown>;

@ApiTags('fleet')
@Controller('v1')
@Auth('reader')
export class FleetController {
  constructor(
    private readonly fleet: FleetQueryService,
    private readonly advisories: FirmwareAdvisoryService,
  ) {}

  /** Hosts per status for every verdict key; filters as on /v1/hosts (`?label.<k>=<v>`, verdicts, firmware, stale). */
  @Get('fleet/summary')
  summary(@Query() q: Query) {
    return this.fleet.summary(q);
  }

  /** Hosts filtered by verdict, label, firmware and staleness; cursor-paginated; `?format=csv`. */
  @Get('hosts')
  @ApiQuery({ name: 'hvm', required: false, enum: ['yes', 'no', 'disabled-by-firmware', 'unknown'] })
  @ApiQuery({ name: 'iommu', required: false, enum: ['yes', 'no', 'disabled-by-admin', 'disabled-by-firmware', 'unknown'] })
  @ApiQuery({ name: 'sriov', required: false, enum: ['ready', 'capable', 'none', 'unknown'] })
  @ApiQuery({ name: 'limit', required: false, type: Number })
  @ApiQuery({ name: 'cursor', required: false, type: String })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv'] })
  listHosts(@Query() q: Query, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.fleet.listHosts(q).then((r) => render(reply, r));
  }

  /** One host: verdicts with reasons and evidence, firmware, devices, SR-IOV, ACPI findings, history, open alerts. */
  @Get('hosts/:id')
  host(@Param('id') id: string) {
    return this.fleet.host(id);
  }

  /** Board + BIOS versions with host counts and DMAR/IVRS status counts; `?acpi=broken`. */
  @Get('firmware')
  firmware(@Query() q: Query) {
    return this.fleet.firmware(q);
  }

  /** Roll-out gate: did hosts that moved to this board + BIOS version regress? (`safe` / `regressions seen` / `not enough data`) */
  @Get('firmware/advisory')
  @ApiQuery({ name: 'boardVendor', required: true, type: String })
  @ApiQuery({ name: 'boardName', required: true, type: String })
  @ApiQuery({ name: 'biosVersion', required: true, type: String })
  advisory(@Query() q: Query) {
    return this.advisories.advisory(q);
  }

  /** Alerts with the events behind them; `?state=firing|resolved`. */
  @Get('alerts')
  alerts(@Query() q: Query) {
    return this.fleet.listAlerts(q);
  }
}
