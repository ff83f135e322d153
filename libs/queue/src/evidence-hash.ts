import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json';

/**
 * Version of what the worker's `deriveSnapshot` (apps/worker) makes of the same input. BUMP IT whenever a parser in
 * libs/evidence, a rule in libs/verdicts or apps/worker derive-snapshot.ts changes its output: it is part of every evidence
 * hash, so after a bump each host's next report is re-derived once (and stored if its content changed)
 * instead of being waved through as "same evidence as last time".
 */
export const DERIVE_VERSION = 2;

/**
 * sha256 (hex) of everything the worker's `deriveSnapshot` reads: the raw evidence when present (else the
 * agent's facts, canonical JSON), the boot id and {@link DERIVE_VERSION}. Equal hashes mean equal derived
 * content, so an unchanged report can be recognised without parsing anything. Evidence entries are
 * hashed in key order with length prefixes (no separator can be forged by file contents); no JSON is built.
 */
export function evidenceHash(snapshot: { bootId: string; evidence?: Record<string, string>; facts?: unknown }): string {
  const h = createHash('sha256').update(`virtcap-derive:${DERIVE_VERSION}\nboot:${snapshot.bootId.length}:${snapshot.bootId}\n`);
  const ev = snapshot.evidence;
  const keys = ev ? Object.keys(ev) : [];
  if (ev && keys.length > 0) {
    h.update('evidence\n');
    for (const k of keys.sort()) {
      const v = ev[k]!;
      h.update(`${k.length}:${k}${v.length}:`);
      h.update(v);
    }
  } else {
    h.update('facts\n').update(canonicalJson(snapshot.facts));
  }
  return h.digest('hex');
}
