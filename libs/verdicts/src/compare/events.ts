/** Change-event types (DESIGN.md data model: append-only events; alerts reference them). */
export const CHANGE_EVENT_TYPES = [
  'boot_changed',
  'firmware_changed',
  'iommu_lost',
  'iommu_restored',
  'hvm_lost',
  'hvm_restored',
  'hap_lost',
  'hap_restored',
  'sriov_changed',
  'acpi_broken',
  'acpi_fixed',
  'bios_update_disabled_iommu',
  'bios_update_enabled_iommu',
  'bios_update_disabled_hvm',
  'bios_update_enabled_hvm',
] as const;
/** One of {@link CHANGE_EVENT_TYPES}. */
export type ChangeEventType = (typeof CHANGE_EVENT_TYPES)[number];
/** `critical` pages on-call (BIOS disabled VT-d/VT-x with table evidence), `warning` a lost capability, `info` the rest. */
export type ChangeSeverity = 'info' | 'warning' | 'critical';

/** One change between two consecutive snapshots of a host. `details` is plain JSON. */
export interface ChangeEvent {
  type: ChangeEventType;
  severity: ChangeSeverity;
  message: string;
  details: Record<string, unknown>;
}

/**
 * The event type that {@link compareSnapshots}(b, a) yields for an event of this type from
 * compareSnapshots(a, b): lost ↔ restored, broken ↔ fixed, disabled ↔ enabled; the rest mirror themselves.
 */
export const MIRROR_EVENT: Readonly<Record<ChangeEventType, ChangeEventType>> = {
  boot_changed: 'boot_changed',
  firmware_changed: 'firmware_changed',
  iommu_lost: 'iommu_restored',
  iommu_restored: 'iommu_lost',
  hvm_lost: 'hvm_restored',
  hvm_restored: 'hvm_lost',
  hap_lost: 'hap_restored',
  hap_restored: 'hap_lost',
  sriov_changed: 'sriov_changed',
  acpi_broken: 'acpi_fixed',
  acpi_fixed: 'acpi_broken',
  bios_update_disabled_iommu: 'bios_update_enabled_iommu',
  bios_update_enabled_iommu: 'bios_update_disabled_iommu',
  bios_update_disabled_hvm: 'bios_update_enabled_hvm',
  bios_update_enabled_hvm: 'bios_update_disabled_hvm',
};
