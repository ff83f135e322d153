import { z } from 'zod';
import { findJsonIssues } from './json-safety';
import { VerdictsSchema } from './verdicts';

/** Current snapshot wire-format version. The API accepts {@link SUPPORTED_SCHEMA_VERSIONS}. */
export const SCHEMA_VERSION = 1 as const;
export const SUPPORTED_SCHEMA_VERSIONS: readonly number[] = [1];

/** Strings the firmware reports, trimmed (DESIGN.md: `facts.firmware`). */
export const FirmwareSchema = z.object({
  biosVendor: z.string().max(256).optional(),
  biosVersion: z.string().max(256).optional(),
  biosDate: z.string().max(64).optional(),
  biosRelease: z.string().max(64).optional(),
  boardVendor: z.string().max(256).optional(),
  boardName: z.string().max(256).optional(),
  sysVendor: z.string().max(256).optional(),
  productName: z.string().max(256).optional(),
});
export type Firmware = z.infer<typeof FirmwareSchema>;

const labelKey = z.string().min(1).max(63).regex(/^[A-Za-z0-9_.\-/]+$/, 'label keys are letters, digits and _ . - /');
export const LabelsSchema = z.record(labelKey, z.string().max(256)).refine((l) => Object.keys(l).length <= 32, {
  message: 'at most 32 labels',
});

/**
 * Facts: what the parsers found, with the source of each fact. The server re-derives verdicts from them
 * (and re-parses `evidence` when present). Only `firmware` is pinned here; the rest is the output of
 * `libs/evidence` and is kept as JSONB.
 */
export const FactsSchema = z.looseObject({ firmware: FirmwareSchema.optional() });

/**
 * Raw evidence as captured, keyed by evidence-directory path (`xl-info.txt`, `acpi/RMAD`, ...).
 * Text files as UTF-8 strings; binary files (ACPI tables) as `base64:<data>`.
 */
export const RawEvidenceSchema = z.record(z.string().max(256), z.string().max(4 * 1024 * 1024));

/**
 * The snapshot's fields without the JSON-safety refinement of {@link SnapshotSchema}: for a caller that
 * runs {@link findJsonIssues} over the input itself (the API does, once, and skips the string scan when
 * the body's JSON text cannot hold an unstorable string: json-safety.ts `jsonTextMayHoldUnstorable`).
 * Anything else validates with SnapshotSchema.
 */
export const SnapshotFieldsSchema = z.object({
  schemaVersion: z.literal(SCHEMA_VERSION),
  snapshotId: z.uuid(),
  collectedAt: z.iso.datetime({ offset: true }),
  bootId: z.string().min(1).max(64),
  agent: z.object({ version: z.string().max(64) }),
  host: z.object({
    hostname: z.string().min(1).max(253),
    machineId: z.string().min(1).max(128),
    labels: LabelsSchema.default({}),
  }),
  facts: FactsSchema,
  verdicts: VerdictsSchema.optional(),
  evidence: RawEvidenceSchema.optional(),
});

export const SnapshotSchema = SnapshotFieldsSchema
  // Facts are a loose object, so NUL characters, lone surrogates or absurd nesting could hide anywhere:
  // PostgreSQL would refuse them in the worker after the API said 202 (see json-safety.ts).
  .superRefine((snap, ctx) => {
    for (const issue of findJsonIssues(snap)) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  })
  .meta({ id: 'Snapshot' });

export type Snapshot = z.infer<typeof SnapshotSchema>;
export type SnapshotInput = z.input<typeof SnapshotSchema>;

const HAS_NON_ASCII = /[\u0080-\uffff]/;
const NON_ASCII = /[\u0080-\uffff]/g;
const escapeUnit = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * A snapshot's request body as the agent sends it: `JSON.stringify` with every non-ASCII character written
 * as a `\uXXXX` escape, so the text is pure ASCII and means exactly the same JSON. Why: a string with even one
 * non-ASCII character is a two-byte string in V8, and every reader of the body downstream (the API's
 * decode, ioredis handing the queued job to the worker, `JSON.parse`) then takes the slow path for all of it:
 * `Buffer#toString` of a 40 KB snapshot holding 31 U+FFFD takes ~87 µs, of the same bytes in ASCII ~5 µs
 * (docs/benchmarks.md). Such characters are common in evidence (vendor strings, U+FFFD where the agent
 * replaced binary garbage). Escapes of BMP characters do not make the API scan strings
 * (json-safety.ts `jsonTextMayHoldUnstorable` only looks for `\u0000` and surrogates).
 */
export function snapshotWireJson(snapshot: unknown): string {
  const json = JSON.stringify(snapshot);
  return HAS_NON_ASCII.test(json) ? json.replace(NON_ASCII, escapeUnit) : json;
}
