import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { render } from '../common/rendered';
import { MetricsService } from '../services/metrics.service';

@ApiExcludeController()
@Controller()
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  /** Prometheus metrics (text exposition format). */
  @Get('metrics')
  scrape(@Res({ passthrough: true }) reply: FastifyReply) {
    return this.metrics.render().then((r) => render(reply, { headers: { 'content-type': r.contentType }, body: r.body }));
  }
}
