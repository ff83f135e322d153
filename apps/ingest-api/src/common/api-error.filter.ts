import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiError } from './api-error';

const HTTP_CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'invalid_body',
  429: 'rate_limited',
  503: 'unavailable',
};

/** Every error leaves as JSON `{error, message}` with the right status; unknown errors become a bare 500. */
@Catch()
export class ApiErrorFilter implements ExceptionFilter {
  private readonly log = new Logger('ApiErrorFilter');

  /** `bodyLimit` is named in 413 messages. */
  constructor(private readonly bodyLimit?: number) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const contentType = host.switchToHttp().getRequest<{ headers?: Record<string, unknown> }>()?.headers?.['content-type'];
    const sent = typeof contentType === 'string' ? contentType.slice(0, 100) : undefined;
    if (exception instanceof ApiError) {
      for (const [k, v] of Object.entries(exception.headers)) reply.header(k, v);
      const body: Record<string, unknown> = { error: exception.code, message: exception.message };
      if (exception.details !== undefined) body.details = exception.details;
      void reply.status(exception.status).send(body);
      return;
    }
    // Nest wraps Fastify's own errors (body limit, JSON, content type, body parser) in an HttpException with the original as cause.
    const cause = exception instanceof HttpException ? (exception.cause as { statusCode?: unknown } | undefined) : undefined;
    if (cause && typeof cause.statusCode === 'number') {
      const { status, body } = frameworkErrorBody(cause, this.bodyLimit, sent);
      void reply.status(status).send(body);
      return;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const resp = exception.getResponse();
      const message = typeof resp === 'string' ? resp : ((resp as { message?: unknown }).message ?? exception.message);
      void reply.status(status).send({ error: HTTP_CODES[status] ?? 'error', message: Array.isArray(message) ? message.join('; ') : String(message) });
      return;
    }
    // Fastify's own errors (body too large, bad JSON, bad content type) carry statusCode and a code.
    const fe = exception as { statusCode?: number };
    if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
      const { status, body } = frameworkErrorBody(exception, this.bodyLimit, sent);
      void reply.status(status).send(body);
      return;
    }
    this.log.error(exception instanceof Error ? exception.stack : String(exception));
    void reply.status(500).send({ error: 'internal', message: 'internal error' });
  }
}

/**
 * Maps an error raised by Fastify (or the body parser) to a status and `{error, message}`; anything else is a
 * bare 500. `contentType` (the request's header) is named in 415 messages.
 */
export function frameworkErrorBody(exception: unknown, bodyLimit?: number, contentType?: string): { status: number; body: { error: string; message: string } } {
  const fe = exception as { statusCode?: number; code?: string; message?: string };
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const code =
      fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'unsupported_media_type'
      : fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'payload_too_large'
      : fe.code && /^[a-z0-9_]+$/.test(fe.code) ? fe.code
      : fe.statusCode === 400 ? 'invalid_json'
      : (HTTP_CODES[fe.statusCode] ?? 'bad_request');
    const message =
      fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE' && bodyLimit ? `request body exceeds the limit of ${bodyLimit} bytes`
      : fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? `Content-Type ${contentType ? JSON.stringify(contentType) : '(none)'} is not supported; send application/json`
      : (fe.message ?? 'bad request');
    return { status: fe.statusCode, body: { error: code, message } };
  }
  return { status: 500, body: { error: 'internal', message: 'internal error' } };
}
