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

/** An error answer: status, response headers (Retry-After, WWW-Authenticate) and the JSON body. */
export interface RenderedError {
  status: number;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

const NO_HEADERS: Record<string, string> = Object.freeze({}) as Record<string, string>;
const log = new Logger('ApiErrorFilter');

/**
 * The one mapping from anything thrown while serving a request to the answer: {@link ApiError} → its status,
 * headers and `{error, message, details?}`; Fastify's own errors (body limit, content type, body parser) →
 * 4xx via {@link frameworkErrorBody}; Nest's HttpExceptions → their status; anything else is logged and
 * becomes a bare 500. Used by {@link ApiErrorFilter} (Nest routes) and by the native snapshot route.
 * `contentType` is the request's Content-Type header (named in 415 messages).
 */
export function renderApiError(exception: unknown, bodyLimit: number | undefined, contentType: unknown): RenderedError {
  const sent = typeof contentType === 'string' ? contentType.slice(0, 100) : undefined;
  if (exception instanceof ApiError) {
    const body: Record<string, unknown> = { error: exception.code, message: exception.message };
    if (exception.details !== undefined) body.details = exception.details;
    return { status: exception.status, headers: exception.headers, body };
  }
  // Nest wraps Fastify's own errors (body limit, JSON, content type, body parser) in an HttpException with the original as cause.
  const cause = exception instanceof HttpException ? (exception.cause as { statusCode?: unknown } | undefined) : undefined;
  if (cause && typeof cause.statusCode === 'number') {
    return { ...frameworkErrorBody(cause, bodyLimit, sent), headers: NO_HEADERS };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const resp = exception.getResponse();
    const message = typeof resp === 'string' ? resp : ((resp as { message?: unknown }).message ?? exception.message);
    return { status, headers: NO_HEADERS, body: { error: HTTP_CODES[status] ?? 'error', message: Array.isArray(message) ? message.join('; ') : String(message) } };
  }
  // Fastify's own errors (body too large, bad JSON, bad content type) carry statusCode and a code.
  const fe = exception as { statusCode?: number } | null | undefined;
  if (typeof fe?.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return { ...frameworkErrorBody(exception, bodyLimit, sent), headers: NO_HEADERS };
  }
  log.error(exception instanceof Error ? exception.stack : String(exception));
  return { status: 500, headers: NO_HEADERS, body: { error: 'internal', message: 'internal error' } };
}

/** Sends {@link renderApiError}'s answer on a Fastify reply. */
export function sendApiError(reply: FastifyReply, exception: unknown, bodyLimit: number | undefined, contentType: unknown): void {
  const r = renderApiError(exception, bodyLimit, contentType);
  for (const k in r.headers) reply.header(k, r.headers[k]);
  void reply.status(r.status).send(r.body);
}

/** Every error leaves as JSON `{error, message}` with the right status; unknown errors become a bare 500. */
@Catch()
export class ApiErrorFilter implements ExceptionFilter {
  /** `bodyLimit` is named in 413 messages. */
  constructor(private readonly bodyLimit?: number) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const contentType = http.getRequest<{ headers?: Record<string, unknown> }>()?.headers?.['content-type'];
    sendApiError(http.getResponse<FastifyReply>(), exception, this.bodyLimit, contentType);
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
