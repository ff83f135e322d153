import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { PinoLogger } from 'nestjs-pino';
import type { Logger } from 'pino';
import { getEnv } from '../../../libs/config/src';
import { ApiErrorFilter } from './common/api-error.filter';
import { registerJsonParser } from './common/body-parser';
import { installSnapshotRoute } from './routes/snapshot.route';
import { AuthService } from './services/auth.service';
import { MetricsService } from './services/metrics.service';
import { SnapshotIngestService } from './services/snapshot-ingest.service';

/** Everything main.ts applies to the app, shared with the e2e tests so they boot the same app. */
export function configureApp(app: NestFastifyApplication): NestFastifyApplication {
  const env = getEnv();
  const fastify = app.getHttpAdapter().getInstance();
  registerJsonParser(fastify, env.VIRTCAP_BODY_LIMIT_BYTES);
  // POST /v1/snapshots (the hot route) is served by a native Fastify handler, not Nest's per-request path.
  installSnapshotRoute(fastify, {
    auth: app.get(AuthService),
    ingest: app.get(SnapshotIngestService),
    log: rootLogger(),
    bodyLimit: env.VIRTCAP_BODY_LIMIT_BYTES,
  });
  const metrics = app.get(MetricsService);
  fastify.addHook('onResponse', (req, reply, done) => {
    metrics.observeRequest(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  app.useGlobalFilters(new ApiErrorFilter(env.VIRTCAP_BODY_LIMIT_BYTES));
  const doc = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('virtcap ingest API')
      .setDescription('Enrollment, snapshot ingest and the fleet query API. Errors are JSON {error, message}.')
      .setVersion('1')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('docs', app, doc);
  app.enableShutdownHooks();
  return app;
}

/** The pino logger nestjs-pino's request middleware logs through (same destination, level and redaction). */
function rootLogger(): Logger {
  const root = PinoLogger.root as Logger | undefined;
  if (!root) throw new Error('nestjs-pino has no root logger yet (LoggerModule not instantiated)');
  return root;
}
