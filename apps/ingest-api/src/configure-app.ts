import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiErrorFilter } from './common/api-error.filter';

/** Everything main.ts applies to the app, shared with the e2e tests so they boot the same app. */
export function configureApp(app: NestFastifyApplication): NestFastifyApplication {
  app.useGlobalFilters(new ApiErrorFilter());
  app.enableShutdownHooks();
  return app;
}
