/**
 * Verdict keys (contracts `VerdictKey`) mapped to the `hosts` status columns that mirror them
 * (migration v1: `hvm_status`, …). The worker keeps these columns equal to `hosts.verdicts->key->status`.
 */
export const VERDICT_STATUS_COLUMNS = {
  hvm: 'hvm_status',
  hap: 'hap_status',
  iommu: 'iommu_status',
  interruptRemapping: 'intremap_status',
  passthrough: 'passthrough_status',
  sriov: 'sriov_status',
  acpiDmar: 'acpi_dmar_status',
  acpiIvrs: 'acpi_ivrs_status',
} as const;
export type VerdictColumnKey = keyof typeof VERDICT_STATUS_COLUMNS;

/** A fleet filter, already validated: every value is one the schema allows. */
export interface HostFilter {
  statuses?: Partial<Record<VerdictColumnKey, string>>;
  /** JSONB containment on `hosts.labels`. */
  labels?: Record<string, string>;
  biosVersion?: string;
  boardName?: string;
  /** true: not seen since `staleBefore` (or never); false: seen since. */
  stale?: boolean;
  staleBefore?: Date;
}

/**
 * Builds the WHERE clause (over `hosts h` left-joined with `firmware f`) for a filter, with numbered
 * parameters starting after `params.length`. Revoked hosts are never listed.
 */
export function hostWhere(filter: HostFilter, params: unknown[]): string {
  const conds = ['h.revoked_at IS NULL'];
  const p = (v: unknown): string => {
    params.push(v);
    return `$${params.length}`;
  };
  for (const [key, value] of Object.entries(filter.statuses ?? {})) {
    if (value === undefined) continue;
    conds.push(`h.${VERDICT_STATUS_COLUMNS[key as VerdictColumnKey]} = ${p(value)}`);
  }
  if (filter.labels && Object.keys(filter.labels).length > 0) conds.push(`h.labels @> ${p(JSON.stringify(filter.labels))}::jsonb`);
  if (filter.biosVersion !== undefined) conds.push(`f.bios_version = ${p(filter.biosVersion)}`);
  if (filter.boardName !== undefined) conds.push(`f.board_name = ${p(filter.boardName)}`);
  if (filter.stale !== undefined && filter.staleBefore) {
    const t = p(filter.staleBefore);
    conds.push(filter.stale ? `(h.last_seen_at IS NULL OR h.last_seen_at < ${t})` : `h.last_seen_at >= ${t}`);
  }
  return conds.join(' AND ');
}
