import { z } from 'zod';

/**
 * The verdict keys and status values (DESIGN.md "Snapshot and verdicts", evidence-spec.md §9).
 * Every verdict carries plain-language `reasons[]` (with remediation where one exists) and `evidence[]`
 * (source file and exact line or table field).
 */
export const EvidenceRefSchema = z.object({
  source: z.string().max(256),
  line: z.number().int().nonnegative().optional(),
  text: z.string().max(4096).optional(),
  field: z.string().max(256).optional(),
});

export const FindingSchema = z.object({
  code: z.string().max(128),
  severity: z.enum(['error', 'warning', 'info']),
  message: z.string().max(4096),
  evidence: z.array(EvidenceRefSchema).max(64).optional(),
});

const base = {
  reasons: z.array(z.string().max(4096)).max(64),
  evidence: z.array(EvidenceRefSchema).max(256),
};

export const HVM_STATUS = ['yes', 'no', 'disabled-by-firmware', 'unknown'] as const;
export const HAP_STATUS = ['yes', 'no', 'disabled-by-admin', 'unknown'] as const;
export const IOMMU_STATUS = ['yes', 'no', 'disabled-by-admin', 'disabled-by-firmware', 'unknown'] as const;
export const INTREMAP_STATUS = ['yes', 'no', 'unknown'] as const;
export const PASSTHROUGH_STATUS = ['yes', 'risky', 'no', 'unknown'] as const;
export const SRIOV_STATUS = ['ready', 'capable', 'none', 'unknown'] as const;
export const ACPI_STATUS = ['ok', 'degraded', 'broken', 'absent', 'unknown'] as const;

export const HvmVerdictSchema = z.object({ status: z.enum(HVM_STATUS), vendor: z.enum(['intel', 'amd']).optional(), ...base });
export const HapVerdictSchema = z.object({ status: z.enum(HAP_STATUS), pageSizes: z.array(z.string().max(32)).max(8).optional(), ...base });
export const IommuVerdictSchema = z.object({ status: z.enum(IOMMU_STATUS), kind: z.enum(['vt-d', 'amd-vi']).optional(), ...base });
export const InterruptRemappingVerdictSchema = z.object({ status: z.enum(INTREMAP_STATUS), ...base });

export const PassthroughDeviceSchema = z.object({
  bdf: z.string().max(32),
  name: z.string().max(512).optional(),
  status: z.enum(PASSTHROUGH_STATUS),
  reasons: z.array(z.string().max(4096)).max(32),
});
export const PassthroughVerdictSchema = z.object({
  status: z.enum(PASSTHROUGH_STATUS),
  devices: z.array(PassthroughDeviceSchema).max(4096).optional(),
  ...base,
});

export const SriovDeviceSchema = z.object({
  bdf: z.string().max(32),
  name: z.string().max(512).optional(),
  totalVfs: z.number().int().nonnegative(),
  numVfs: z.number().int().nonnegative(),
  /** VFs assigned to guests (from `xl pci-list`) when known. */
  usedVfs: z.number().int().nonnegative().optional(),
  flr: z.boolean().optional(),
  vfDeviceId: z.string().max(16).optional(),
  vendorId: z.string().max(16).optional(),
  deviceId: z.string().max(16).optional(),
});
export const SriovVerdictSchema = z.object({
  status: z.enum(SRIOV_STATUS),
  devices: z.array(SriovDeviceSchema).max(4096),
  ...base,
});

export const AcpiTableVerdictSchema = z.object({
  status: z.enum(ACPI_STATUS),
  findings: z.array(FindingSchema).max(512),
  /** Signature the table was found under in dom0: DMAR, RMAD, XMAR or IVRS. */
  signature: z.string().max(8).optional(),
  /** SHA-256 of the table bytes, when the table was read. */
  sha256: z.string().max(64).optional(),
  oemRevision: z.number().int().optional(),
  ...base,
});

export const VerdictsSchema = z.object({
  hvm: HvmVerdictSchema,
  hap: HapVerdictSchema,
  iommu: IommuVerdictSchema,
  interruptRemapping: InterruptRemappingVerdictSchema,
  passthrough: PassthroughVerdictSchema,
  sriov: SriovVerdictSchema,
  acpiDmar: AcpiTableVerdictSchema,
  acpiIvrs: AcpiTableVerdictSchema,
});

export type Verdicts = z.infer<typeof VerdictsSchema>;
export type HvmVerdict = z.infer<typeof HvmVerdictSchema>;
export type HapVerdict = z.infer<typeof HapVerdictSchema>;
export type IommuVerdict = z.infer<typeof IommuVerdictSchema>;
export type InterruptRemappingVerdict = z.infer<typeof InterruptRemappingVerdictSchema>;
export type PassthroughVerdict = z.infer<typeof PassthroughVerdictSchema>;
export type SriovVerdict = z.infer<typeof SriovVerdictSchema>;
export type AcpiTableVerdict = z.infer<typeof AcpiTableVerdictSchema>;
export type VerdictKey = keyof Verdicts;
