import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { FastifyError } from 'fastify';
import { getEnv } from '../../../libs/config/src';
import { ApiErrorFilter, frameworkErrorBody } from './common/api-error.filter';
import { registerJsonParser } from './common/body-parser';
import { MetricsService } from './services/metrics.service';

/** Everything main.ts applies to the app, shared with the e2e tests so they boot the same app. */
export function configureApp(app: NestFastifyApplication): NestFastifyApplication {
  const env = getEnv();
  const fastify = app.getHttpAdapter().getInstance();
  registerJsonParser(fastify, env.VIRTCAP_BODY_LIMIT_BYTES);
  // Errors raised by Fastify before a Nest handler runs (body limit, JSON, content type) leave as {error, message} too.
  fastify.setErrorHandler((err: FastifyError, _req, reply) => {
    const { status, body } = frameworkErrorBody(err, env.VIRTCAP_BODY_LIMIT_BYTES);
    void reply.status(status).send(body);
  });
  const metrics = app.get(MetricsService);
  fastify.addHook('onResponse', (req, reply, done) => {
    metrics.observeRequest(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  app.useGlobalFilters(new ApiErrorFilter());
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
