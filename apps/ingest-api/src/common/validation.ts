import { z } from 'zod';
import { findJsonIssues, jsonTextMayHoldUnstorable } from '../../../../libs/contracts/src';
import { ApiError } from './api-error';

const MAX_DETAILS = 50;

function invalid(details: { path: string; message: string }[]): ApiError {
  const paths = [...new Set(details.map((d) => d.path || '(body)'))];
  return new ApiError('invalid_body', `invalid body: ${paths.slice(0, 10).join(', ')}${paths.length > 10 ? ', …' : ''}`, {}, details);
}

/**
 * Validates a JSON body with a zod schema; 422 `invalid_body` naming every field path otherwise. Before
 * the schema, any body is refused (422, path named) when it holds what PostgreSQL cannot store or what
 * could pollute prototypes: NUL characters or lone surrogates in strings or keys, nesting deeper than
 * MAX_JSON_DEPTH, `__proto__` keys or `constructor.prototype` (libs/contracts json-safety.ts). `rawJson`:
 * the UTF-8 JSON text `body` was parsed from (body-parser.ts keeps it), which lets the check skip scanning
 * strings when that text cannot hold an unstorable one.
 */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown, opts: { rawJson?: Uint8Array } = {}): z.infer<S> {
  // With the JSON text the body was parsed from, no string or key is scanned unless the text holds an escape that could make an unstorable one.
  const textKnownStorable = opts.rawJson !== undefined && !jsonTextMayHoldUnstorable(opts.rawJson);
  const unsafe = findJsonIssues(body, { forbidPrototypeKeys: true, textKnownStorable });
  if (unsafe.length > 0) throw invalid(unsafe.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })));
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  throw invalid(r.error.issues.slice(0, MAX_DETAILS).map((i) => ({ path: i.path.map(String).join('.'), message: i.message })));
}
