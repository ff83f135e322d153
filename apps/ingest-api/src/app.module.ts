import { Module, RequestMethod } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { getEnv } from '../../../libs/config/src';
import { DbModule } from '../../../libs/db/src/db.module';
import { AlertReadRepository } from '../../../libs/db/src/repositories/alert-read.repository';
import { FleetReadRepository } from '../../../libs/db/src/repositories/fleet-read.repository';
import { HostDetailRepository } from '../../../libs/db/src/repositories/host-detail.repository';
import { HostRepository } from '../../../libs/db/src/repositories/host.repository';
import { TokenRepository } from '../../../libs/db/src/repositories/token.repository';
import { AuthGuard } from './auth/auth.guard';
import { AdminController } from './controllers/admin.controller';
import { EnrollController } from './controllers/enroll.controller';
import { FleetController } from './controllers/fleet.controller';
import { FirmwareAdvisoryService } from './services/firmware-advisory.service';
import { FirmwareAdvisoryRepository } from '../../../libs/db/src/repositories/firmware-advisory.repository';
import { HealthController } from './controllers/health.controller';
import { MetricsController } from './controllers/metrics.controller';
import { SnapshotController } from './controllers/snapshot.controller';
import { AuthService } from './services/auth.service';
import { EnrollService } from './services/enroll.service';
import { FleetQueryService } from './services/fleet-query.service';
import { HealthService } from './services/health.service';
import { MetricsService } from './services/metrics.service';
import { RedisHandles } from './services/redis.provider';
import { SnapshotIngestService } from './services/snapshot-ingest.service';
import { SnapshotQueueService } from './services/snapshot-queue.service';
import { TokenAdminService } from './services/token-admin.service';

@Module({
  imports: [
    DbModule,
    // Structured request logs (one JSON line per request). Credentials never reach the log: the
    // Authorization and Cookie headers are redacted, bodies (enroll secret, tokens) are not logged.
    LoggerModule.forRootAsync({
      useFactory: () => ({
        pinoHttp: {
          level: getEnv().LOG_LEVEL,
          redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-api-key"]', 'res.headers["set-cookie"]'], censor: '[redacted]' },
          autoLogging: { ignore: (req: { url?: string }) => req.url === '/healthz' || req.url === '/readyz' || req.url === '/metrics' },
          quietReqLogger: true,
        },
        forRoutes: [{ path: '{*splat}', method: RequestMethod.ALL }],
        // The native snapshot route (routes/snapshot.route.ts) writes its own request line, more cheaply.
        exclude: [{ path: 'v1/snapshots', method: RequestMethod.POST }],
      }),
    }),
  ],
  controllers: [HealthController, EnrollController, SnapshotController, AdminController, FleetController, MetricsController],
  providers: [
    RedisHandles,
    HealthService,
    MetricsService,
    AuthService,
    AuthGuard,
    EnrollService,
    SnapshotQueueService,
    SnapshotIngestService,
    TokenAdminService,
    FleetQueryService,
    FirmwareAdvisoryService,
    FirmwareAdvisoryRepository,
    HostRepository,
    TokenRepository,
    FleetReadRepository,
    HostDetailRepository,
    AlertReadRepository,
  ],
})
export class IngestApiModule {}
