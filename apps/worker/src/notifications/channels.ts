import { createHmac } from 'node:crypto';
import type { AlertHostRow, AlertRow } from '../../../../libs/db/src/repositories/alert.repository';
import type { EventRow } from '../../../../libs/db/src/repositories/event.repository';

/** Everything a notification carries about one alert transition. */
export interface NotificationPayload {
  deliveryId: string;
  transition: 'firing' | 'resolved';
  alert: AlertRow;
  host: AlertHostRow;
  events: EventRow[];
}

/** One HTTP request to a receiver. */
export interface OutgoingRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** `sha256=<hex HMAC-SHA256 of the exact body bytes>`, the `X-Virtcap-Signature` header value. */
export const signBody = (secret: string, body: string): string => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

/**
 * Generic JSON webhook: body `{alert, host, events, transition}`, `X-Virtcap-Delivery: <delivery id>`
 * for receiver-side dedupe, and `X-Virtcap-Signature` when a secret is configured.
 */
export function webhookRequest(url: string, secret: string | undefined, p: NotificationPayload): OutgoingRequest {
  const body = JSON.stringify({ alert: p.alert, host: p.host, events: p.events, transition: p.transition });
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-virtcap-delivery': p.deliveryId };
  if (secret) headers['x-virtcap-signature'] = signBody(secret, body);
  return { url, headers, body };
}

/**
 * Alertmanager API v2: `POST <base>/api/v2/alerts` with one alert; labels identify it (alertname, host,
 * severity, host_id), `endsAt` is set on resolution so Alertmanager closes it.
 */
export function alertmanagerRequest(baseUrl: string, publicUrl: string, p: NotificationPayload): OutgoingRequest {
  const a = p.alert;
  const description = p.events.map((e) => e.message).join('\n') || a.summary;
  const item: Record<string, unknown> = {
    labels: { alertname: a.kind, host: p.host.hostname, host_id: p.host.id, severity: a.severity, source: 'virtcap' },
    annotations: { summary: a.summary, description },
    startsAt: new Date(a.fired_at).toISOString(),
    generatorURL: `${publicUrl.replace(/\/+$/, '')}/v1/alerts?id=${a.id}`,
  };
  if (p.transition === 'resolved') item.endsAt = new Date(a.resolved_at ?? Date.now()).toISOString();
  return { url: `${baseUrl.replace(/\/+$/, '')}/api/v2/alerts`, headers: { 'content-type': 'application/json' }, body: JSON.stringify([item]) };
}
