import { randomUUID } from 'node:crypto';
import { replaceNul, SCHEMA_VERSION, SnapshotSchema, type Snapshot, type Verdicts } from '../../../../libs/contracts/src';
import { redactBundle } from '../collect/redact';
import { isBinaryEvidencePath, type Collection, type EvidenceBundle } from '../collect/types';
import { AGENT_VERSION } from '../version';

/** Raw evidence files above this size are parsed but not shipped in `evidence` (a note in `facts.collection` says so). */
export const MAX_EVIDENCE_FILE_BYTES = 1024 * 1024;

/** Turns evidence into facts and verdicts: in production `libs/evidence` + `libs/verdicts`. */
export interface SnapshotInterpreter {
  facts(bundle: EvidenceBundle): unknown;
  verdicts(facts: unknown): Verdicts;
}

export interface SnapshotInput {
  bundle: EvidenceBundle;
  collection: Collection;
  bootId?: string;
  host: { hostname: string; machineId: string; labels: Record<string, string> };
  interpreter: SnapshotInterpreter;
  now?: Date;
  snapshotId?: string;
}

export type BuiltSnapshot = { ok: true; snapshot: Snapshot } | { ok: false; issues: string[]; draft: unknown };

const byteLength = (v: string | Uint8Array) => (typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : v.byteLength);

/** Raw evidence for the wire: text as UTF-8, binary as `base64:<data>`; files over 1 MiB are left out. */
export function encodeEvidence(bundle: EvidenceBundle): { evidence: Record<string, string>; skipped: string[] } {
  const evidence: Record<string, string> = {};
  const skipped: string[] = [];
  for (const key of Object.keys(bundle).sort()) {
    const v = bundle[key]!;
    const size = byteLength(v);
    if (size > MAX_EVIDENCE_FILE_BYTES) {
      skipped.push(`${key}: ${size} bytes is over the ${MAX_EVIDENCE_FILE_BYTES}-byte limit for raw evidence; parsed on the host, not sent`);
      continue;
    }
    evidence[key] = typeof v === 'string' && !isBinaryEvidencePath(key) ? v : `base64:${Buffer.from(v).toString('base64')}`;
  }
  return { evidence, skipped };
}

function asPlainObject(v: unknown): Record<string, unknown> {
  const json = JSON.parse(JSON.stringify(v ?? {}, (_k, x) => (x instanceof Uint8Array ? Buffer.from(x).toString('base64') : x)));
  return json && typeof json === 'object' && !Array.isArray(json) ? json : { value: json };
}

/**
 * Build the snapshot (DESIGN.md "Snapshot and verdicts") and validate it with the shared `SnapshotSchema`
 * before anyone sends it. Serials are hashed first; facts are computed from the full bundle; a parser or
 * rule that throws becomes a note in `facts.collection`, and verdicts are then left out.
 */
export function buildSnapshot(input: SnapshotInput): BuiltSnapshot {
  const bundle = redactBundle(input.bundle);
  // A NUL byte in a text capture (binary garbage, a corrupt ring buffer) cannot be stored by PostgreSQL and the
  // contract refuses it: keep the text, with U+FFFD in its place, as UTF-8 decoding does for invalid bytes.
  for (const [k, v] of Object.entries(bundle)) if (typeof v === 'string') bundle[k] = replaceNul(v);
  const notes = [...input.collection.notes];
  let facts: Record<string, unknown> = {};
  let verdicts: Verdicts | undefined;
  try {
    const raw = input.interpreter.facts(bundle);
    facts = asPlainObject(raw);
    try {
      verdicts = input.interpreter.verdicts(raw);
    } catch (e) {
      notes.push(`verdicts not computed: ${(e as Error).message}`);
    }
  } catch (e) {
    notes.push(`facts not computed: ${(e as Error).message}`);
  }
  const { evidence, skipped } = encodeEvidence(bundle);
  const draft = {
    schemaVersion: SCHEMA_VERSION,
    snapshotId: input.snapshotId ?? randomUUID(),
    collectedAt: (input.now ?? new Date()).toISOString(),
    bootId: (input.bootId ?? 'unknown').slice(0, 64),
    agent: { version: AGENT_VERSION },
    host: input.host,
    facts: { ...facts, collection: { ...input.collection, notes, skipped } },
    ...(verdicts ? { verdicts } : {}),
    evidence,
  };
  const parsed = SnapshotSchema.safeParse(draft);
  if (parsed.success) return { ok: true, snapshot: parsed.data };
  if (verdicts && parsed.error.issues.every((i) => i.path[0] === 'verdicts')) {
    // Verdicts are advisory on the agent (the server recomputes them): ship the evidence without them.
    const why = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    const { verdicts: _dropped, ...rest } = draft;
    void _dropped;
    rest.facts.collection.notes.push(`verdicts left out, they do not match the contract: ${why}`);
    const again = SnapshotSchema.safeParse(rest);
    if (again.success) return { ok: true, snapshot: again.data };
  }
  return { ok: false, draft, issues: parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`) };
}
