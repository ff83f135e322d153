import { z } from 'zod';
import { ApiError } from './api-error';

/** Validates a JSON body with a zod schema; 422 `invalid_body` naming every field path otherwise. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const details = r.error.issues.slice(0, 50).map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  const paths = [...new Set(details.map((d) => d.path || '(body)'))];
  throw new ApiError('invalid_body', `invalid body: ${paths.slice(0, 10).join(', ')}${paths.length > 10 ? ', …' : ''}`, {}, details);
}
