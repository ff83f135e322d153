import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { getEnv } from '../../../libs/config/src';
import { ApiErrorFilter } from './common/api-error.filter';
import { registerJsonParser } from './common/body-parser';
import { MetricsService } from './services/metrics.service';

/** Everything main.ts applies to the app, shared with the e2e tests so they boot the same app. */
export function configureApp(app: NestFastifyApplication): NestFastifyApplication {
  const env = getEnv();
  const fastify = app.getHttpAdapter().getInstance();
  registerJsonParser(fastify, env.VIRTCAP_BODY_LIMIT_BYTES);
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
