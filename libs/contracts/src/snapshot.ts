import { z } from 'zod';
import { findJsonIssues, jsonSafe } from './json-safety';
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

export const SnapshotSchema = jsonSafe(
  z
    .object({
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
    })
    // Facts are a loose object, so NUL characters, lone surrogates or absurd nesting could hide anywhere:
    // PostgreSQL would refuse them in the worker after the API said 202 (see json-safety.ts).
    .superRefine((snap, ctx) => {
      for (const issue of findJsonIssues(snap)) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    })
    .meta({ id: 'Snapshot' }),
);

export type Snapshot = z.infer<typeof SnapshotSchema>;
export type SnapshotInput = z.input<typeof SnapshotSchema>;
