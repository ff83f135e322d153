import { ACPI_STATUS, HAP_STATUS, HVM_STATUS, INTREMAP_STATUS, IOMMU_STATUS, PASSTHROUGH_STATUS, SRIOV_STATUS } from '../../../../libs/contracts/src';
import type { HostCursor } from '../../../../libs/db/src/repositories/fleet-read.repository';
import type { HostFilter, VerdictColumnKey } from '../../../../libs/db/src/repositories/host-filter';
import { ApiError } from '../common/api-error';

/** Allowed values of each verdict filter: the status values of the verdict contract (evidence-spec.md §9). */
export const VERDICT_FILTER_VALUES: Record<VerdictColumnKey, readonly string[]> = {
  hvm: HVM_STATUS,
  hap: HAP_STATUS,
  iommu: IOMMU_STATUS,
  interruptRemapping: INTREMAP_STATUS,
  passthrough: PASSTHROUGH_STATUS,
  sriov: SRIOV_STATUS,
  acpiDmar: ACPI_STATUS,
  acpiIvrs: ACPI_STATUS,
};

export const DEFAULT_PAGE = 100;
export const MAX_PAGE = 1000;
export const MAX_CSV_ROWS = 100_000;

/** A parsed `GET /v1/hosts` query. */
export interface HostListQuery {
  filter: HostFilter;
  limit: number;
  cursor?: HostCursor;
  format: 'json' | 'csv';
}

type Query = Record<string, unknown>;
const bad = (msg: string) => new ApiError('bad_request', msg);

function single(q: Query, k: string): string | undefined {
  const v = q[k];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw bad(`query parameter ${k} must be given once`);
  return v;
}

function oneOf<T extends string>(q: Query, k: string, allowed: readonly T[]): T | undefined {
  const v = single(q, k);
  if (v === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(v)) throw bad(`query parameter ${k}=${JSON.stringify(v)} is not allowed; use one of: ${allowed.join(', ')}`);
  return v as T;
}

function rejectUnknown(q: Query, known: (k: string) => boolean): void {
  for (const k of Object.keys(q)) if (!known(k)) throw bad(`unknown query parameter ${k}`);
}

const isLabel = (k: string) => k.startsWith('label.') && k.length > 6;

/** The filter part shared by `/v1/hosts` and `/v1/fleet/summary`: verdicts, labels, firmware, staleness. */
export function parseHostFilter(q: Query, staleBefore: Date): HostFilter {
  const statuses: Partial<Record<VerdictColumnKey, string>> = {};
  for (const [key, allowed] of Object.entries(VERDICT_FILTER_VALUES)) {
    const v = oneOf(q, key, allowed);
    if (v !== undefined) statuses[key as VerdictColumnKey] = v;
  }
  const labels: Record<string, string> = {};
  for (const k of Object.keys(q)) {
    if (!isLabel(k)) continue;
    const name = k.slice(6);
    if (!/^[A-Za-z0-9_.\-/]{1,63}$/.test(name)) throw bad(`query parameter ${k}: label keys are letters, digits and _ . - /`);
    labels[name] = single(q, k) ?? '';
  }
  const stale = oneOf(q, 'stale', ['true', 'false'] as const);
  return {
    statuses,
    labels,
    biosVersion: single(q, 'biosVersion'),
    boardName: single(q, 'boardName'),
    stale: stale === undefined ? undefined : stale === 'true',
    staleBefore,
  };
}

const FILTER_KEYS = new Set([...Object.keys(VERDICT_FILTER_VALUES), 'biosVersion', 'boardName', 'stale']);

/** `GET /v1/fleet/summary` accepts the same filters as the host list, without paging. */
export function parseSummaryQuery(q: Query, staleBefore: Date): HostFilter {
  rejectUnknown(q, (k) => FILTER_KEYS.has(k) || isLabel(k));
  return parseHostFilter(q, staleBefore);
}

/** `GET /v1/hosts`: filters plus `limit` (1–1000), an opaque `cursor` and `format=json|csv`. */
export function parseHostListQuery(q: Query, staleBefore: Date): HostListQuery {
  rejectUnknown(q, (k) => FILTER_KEYS.has(k) || isLabel(k) || k === 'limit' || k === 'cursor' || k === 'format');
  const format = oneOf(q, 'format', ['json', 'csv'] as const) ?? 'json';
  const max = format === 'csv' ? MAX_CSV_ROWS : MAX_PAGE;
  const rawLimit = single(q, 'limit');
  let limit = format === 'csv' ? MAX_CSV_ROWS : DEFAULT_PAGE;
  if (rawLimit !== undefined) {
    if (!/^\d{1,6}$/.test(rawLimit) || Number(rawLimit) < 1 || Number(rawLimit) > max) throw bad(`query parameter limit must be an integer from 1 to ${max}`);
    limit = Number(rawLimit);
  }
  const rawCursor = single(q, 'cursor');
  return { filter: parseHostFilter(q, staleBefore), limit, cursor: rawCursor === undefined ? undefined : decodeCursor(rawCursor), format };
}

/** Opaque cursor: base64url of `[hostname, id]` of the last row of the previous page. */
export function encodeCursor(c: HostCursor): string {
  return Buffer.from(JSON.stringify([c.hostname, c.id])).toString('base64url');
}

export function decodeCursor(s: string): HostCursor {
  try {
    const v: unknown = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string' && /^[0-9a-f-]{36}$/i.test(v[1])) {
      return { hostname: v[0], id: v[1] };
    }
  } catch {
    // fall through to the 400 below: the cursor was not ours
  }
  throw bad('query parameter cursor is not a cursor this API returned');
}

/** `GET /v1/firmware`: only `acpi=broken`. */
export function parseFirmwareQuery(q: Query): { acpiBroken: boolean } {
  rejectUnknown(q, (k) => k === 'acpi');
  return { acpiBroken: oneOf(q, 'acpi', ['broken'] as const) === 'broken' };
}

/** `GET /v1/alerts`: `state=firing|resolved` and `limit` (1–1000, default 100). */
export function parseAlertQuery(q: Query): { state?: 'firing' | 'resolved'; limit: number } {
  rejectUnknown(q, (k) => k === 'state' || k === 'limit');
  const rawLimit = single(q, 'limit');
  if (rawLimit !== undefined && (!/^\d{1,4}$/.test(rawLimit) || Number(rawLimit) < 1 || Number(rawLimit) > MAX_PAGE)) {
    throw bad(`query parameter limit must be an integer from 1 to ${MAX_PAGE}`);
  }
  return { state: oneOf(q, 'state', ['firing', 'resolved'] as const), limit: rawLimit === undefined ? DEFAULT_PAGE : Number(rawLimit) };
}
