import type { ChangeEvent, ChangeEventType, ChangeSeverity, VerdictStatuses } from '../../../../../libs/verdicts/src';

/** Alert kinds the worker raises; one open alert per host and kind. */
export const ALERT_KINDS = [
  'bios_update_disabled_iommu',
  'bios_update_disabled_hvm',
  'hvm_lost',
  'iommu_lost',
  'acpi_broken',
  'sriov_vfs_dropped',
  'host_stale',
] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/** Summaries (the alert title people see, and Alertmanager's `summary`). */
export const ALERT_SUMMARY: Readonly<Record<AlertKind, string>> = {
  bios_update_disabled_iommu: 'BIOS update disabled VT-d/AMD-Vi',
  bios_update_disabled_hvm: 'BIOS update disabled VT-x/AMD-V',
  hvm_lost: 'HVM lost: HVM guests cannot start',
  iommu_lost: 'IOMMU lost: PCI passthrough no longer works',
  acpi_broken: 'DMAR/IVRS table became broken',
  sriov_vfs_dropped: 'SR-IOV virtual functions dropped',
  host_stale: 'Host stopped reporting',
};

/** An alert to open (or keep open), with the event types that justify it. */
export interface FirePlan {
  kind: AlertKind;
  severity: ChangeSeverity;
  summary: string;
  eventTypes: ChangeEventType[];
}

/** An open alert to resolve, with the event types (of this snapshot) that show the capability back. */
export interface ResolvePlan {
  kind: AlertKind;
  eventTypes: ChangeEventType[];
}

type SriovChange = { bdf: string; from: { numVfs: number } | null; to: { numVfs: number } | null };
const sriovChanges = (e: ChangeEvent): SriovChange[] => (Array.isArray(e.details.changes) ? (e.details.changes as SriovChange[]) : []);
const dropped = (c: SriovChange): boolean => (c.from?.numVfs ?? 0) > (c.to?.numVfs ?? 0);

/** Event types that belong to each kind's resolution (linked in `alert_events`). */
const RESOLVING_EVENTS: Readonly<Record<AlertKind, ChangeEventType[]>> = {
  bios_update_disabled_iommu: ['bios_update_enabled_iommu', 'iommu_restored'],
  iommu_lost: ['iommu_restored', 'bios_update_enabled_iommu'],
  bios_update_disabled_hvm: ['bios_update_enabled_hvm', 'hvm_restored'],
  hvm_lost: ['hvm_restored', 'bios_update_enabled_hvm'],
  acpi_broken: ['acpi_fixed'],
  sriov_vfs_dropped: ['sriov_changed'],
  host_stale: [],
};

/**
 * Which alerts a snapshot's change events open, and which open alerts the host's new state resolves.
 * Pure. Rules:
 * - `bios_update_disabled_iommu` / `bios_update_disabled_hvm` from the events of the same name (their
 *   severity; the comparator raises it to critical when the IOMMU table vanished or broke).
 * - `hvm_lost` unless the same snapshot is explained as `bios_update_disabled_hvm` (one page, not two).
 * - `iommu_lost` only without a firmware change (a firmware change is the BIOS alert's job).
 * - `acpi_broken` when a DMAR/IVRS table newly became broken.
 * - `sriov_vfs_dropped` when some PF's `numVfs` went down (or the PF vanished with VFs).
 * Resolution follows the new state, not events: IOMMU kinds when iommu is `yes`, HVM kinds when hvm is
 * `yes`, `acpi_broken` when neither table is `broken`, `sriov_vfs_dropped` on an SR-IOV change with no
 * drop. `host_stale` is left to the stale sweep.
 */
export function planAlerts(events: ChangeEvent[], statuses: VerdictStatuses, openKinds: readonly string[]): { fire: FirePlan[]; resolve: ResolvePlan[] } {
  const has = (t: ChangeEventType) => events.some((e) => e.type === t);
  const get = (t: ChangeEventType) => events.find((e) => e.type === t);
  const fire: FirePlan[] = [];
  const add = (kind: AlertKind, e: ChangeEvent, severity: ChangeSeverity = e.severity) =>
    fire.push({ kind, severity, summary: ALERT_SUMMARY[kind], eventTypes: [e.type] });

  const biosIommu = get('bios_update_disabled_iommu');
  if (biosIommu) add('bios_update_disabled_iommu', biosIommu);
  const biosHvm = get('bios_update_disabled_hvm');
  if (biosHvm) add('bios_update_disabled_hvm', biosHvm, 'critical');
  const hvmLost = get('hvm_lost');
  if (hvmLost && !biosHvm) add('hvm_lost', hvmLost, 'warning');
  const iommuLost = get('iommu_lost');
  if (iommuLost && !has('firmware_changed')) add('iommu_lost', iommuLost, 'warning');
  const acpi = get('acpi_broken');
  if (acpi) add('acpi_broken', acpi, 'warning');
  const sriov = get('sriov_changed');
  const sriovDropped = sriov !== undefined && sriovChanges(sriov).some(dropped);
  if (sriov && sriovDropped) add('sriov_vfs_dropped', sriov, 'warning');
  // The events behind an alert also include the firmware change that explains a BIOS alert.
  for (const f of fire) if (f.kind.startsWith('bios_update') && has('firmware_changed')) f.eventTypes.push('firmware_changed');

  const firing = new Set(fire.map((f) => f.kind));
  const back: Partial<Record<AlertKind, boolean>> = {
    bios_update_disabled_iommu: statuses.iommu === 'yes',
    iommu_lost: statuses.iommu === 'yes',
    bios_update_disabled_hvm: statuses.hvm === 'yes',
    hvm_lost: statuses.hvm === 'yes',
    acpi_broken: statuses.acpiDmar !== 'broken' && statuses.acpiIvrs !== 'broken',
    sriov_vfs_dropped: sriov !== undefined && !sriovDropped,
  };
  const resolve: ResolvePlan[] = [];
  for (const k of new Set(openKinds)) {
    const kind = k as AlertKind;
    if (firing.has(kind) || back[kind] !== true) continue;
    resolve.push({ kind, eventTypes: RESOLVING_EVENTS[kind].filter(has) });
  }
  return { fire, resolve };
}
