import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { randomUUID } from 'node:crypto';
import { getEnv } from '../../../libs/config/src';
import { IngestApiModule } from './app.module';
import { configureApp } from './configure-app';

/** Builds the API exactly as production runs it (used by main.ts and the e2e tests). */
export async function createApiApp(opts: { logger?: boolean } = {}): Promise<NestFastifyApplication> {
  const env = getEnv();
  const adapter = new FastifyAdapter({
    bodyLimit: env.VIRTCAP_BODY_LIMIT_BYTES,
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[A-Za-z0-9._-]{1,128}$/.test(given) ? given : randomUUID();
    },
    requestIdHeader: false,
  });
  const app = await NestFactory.create<NestFastifyApplication>(IngestApiModule, adapter, {
    logger: opts.logger === false ? false : ['error', 'warn', 'log'],
    bufferLogs: opts.logger !== false,
    bodyParser: false, // configureApp registers the JSON (+gzip) parser
    abortOnError: false, // throw instead of process.exit, so callers (main.ts, tests) see the error
  });
  if (opts.logger !== false) app.useLogger(app.get(Logger));
  return configureApp(app);
}
