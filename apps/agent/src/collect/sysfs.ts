import type { HostFiles } from './host-files';
import { SECRET_DMI_FIELDS, hashIdentifier } from './redact';
import type { CollectorRun, EvidenceBundle } from './types';

/** `/sys/class/dmi/id` fields read (evidence-spec §8); the secret ones are hashed as they are read. */
export const DMI_FIELDS = [
  'bios_vendor', 'bios_version', 'bios_date', 'bios_release', 'ec_firmware_release',
  'sys_vendor', 'product_name', 'product_version', 'product_sku', 'product_family',
  'board_vendor', 'board_name', 'board_version', 'board_asset_tag',
  'chassis_vendor', 'chassis_type', 'chassis_version', 'chassis_asset_tag',
  ...SECRET_DMI_FIELDS,
] as const;

/** ACPI tables read as bytes. Xen renames DMAR to RMAD (older Xen: XMAR) after parsing it (evidence-spec §0.3). */
export const ACPI_TABLES = ['DMAR', 'RMAD', 'XMAR', 'IVRS'] as const;

/** Per-device sysfs files that tell SR-IOV state and reset support (evidence-spec §6). */
export const PCI_FILES = ['sriov_totalvfs', 'sriov_numvfs', 'sriov_offset', 'sriov_stride', 'sriov_vf_device', 'reset_method'] as const;

/** `/sys/hypervisor` files (xen-detect's sources, evidence-spec §0.4). */
export const HYPERVISOR_FILES = ['type', 'guest_type', 'properties/capabilities', 'version/major', 'version/minor', 'version/extra'] as const;

/** Read dmi/<field>; returns how many fields were read, so the caller knows whether to fall back to dmidecode. */
export async function collectDmi(files: HostFiles, bundle: EvidenceBundle, runs: CollectorRun[]): Promise<number> {
  const started = Date.now();
  let read = 0;
  const denied: string[] = [];
  for (const field of DMI_FIELDS) {
    const r = await files.readText(`/sys/class/dmi/id/${field}`);
    if (r.ok) {
      bundle[`dmi/${field}`] = (SECRET_DMI_FIELDS as readonly string[]).includes(field) ? hashIdentifier(r.value) : r.value;
      read++;
    } else if (r.reason === 'denied') denied.push(field);
  }
  runs.push({
    name: 'dmi/',
    kind: 'directory',
    target: '/sys/class/dmi/id',
    outcome: read > 0 ? 'ok' : denied.length > 0 ? 'denied' : 'missing',
    durationMs: Date.now() - started,
    ...(denied.length ? { error: `not readable: ${denied.join(', ')}` } : {}),
  });
  return read;
}

export async function collectAcpi(files: HostFiles, bundle: EvidenceBundle, runs: CollectorRun[]): Promise<void> {
  for (const sig of ACPI_TABLES) {
    const target = `/sys/firmware/acpi/tables/${sig}`;
    const r = await files.readBytes(target);
    if (r.ok) bundle[`acpi/${sig}`] = r.value;
    runs.push({ name: `acpi/${sig}`, kind: 'file', target, outcome: r.ok ? 'ok' : r.reason, ...(r.ok || r.reason === 'missing' ? {} : { error: r.error }) });
  }
}

export async function collectHypervisor(files: HostFiles, bundle: EvidenceBundle, runs: CollectorRun[]): Promise<void> {
  let read = 0;
  for (const f of HYPERVISOR_FILES) {
    const r = await files.readText(`/sys/hypervisor/${f}`);
    if (r.ok) {
      bundle[`hypervisor/${f}`] = r.value;
      read++;
    }
  }
  runs.push({ name: 'hypervisor/', kind: 'directory', target: '/sys/hypervisor', outcome: read > 0 ? 'ok' : 'missing' });
}

/** sysfs/pci/<BDF>/<file> for every PCI function; `reset` is write-only, so its presence is recorded as an empty file. */
export async function collectPciSysfs(files: HostFiles, bundle: EvidenceBundle, runs: CollectorRun[]): Promise<void> {
  const started = Date.now();
  const devices = await files.list('/sys/bus/pci/devices');
  if (!devices.ok) {
    runs.push({ name: 'sysfs/pci/', kind: 'directory', target: '/sys/bus/pci/devices', outcome: devices.reason, error: devices.error });
    return;
  }
  let filesRead = 0;
  for (const bdf of devices.value) {
    if (!/^[0-9a-f]{4,}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/i.test(bdf)) continue;
    const base = `/sys/bus/pci/devices/${bdf}`;
    for (const f of PCI_FILES) {
      const r = await files.readText(`${base}/${f}`);
      if (r.ok) {
        bundle[`sysfs/pci/${bdf}/${f}`] = r.value;
        filesRead++;
      }
    }
    if (await files.exists(`${base}/reset`)) {
      bundle[`sysfs/pci/${bdf}/reset`] = '';
      filesRead++;
    }
  }
  runs.push({
    name: 'sysfs/pci/',
    kind: 'directory',
    target: '/sys/bus/pci/devices',
    outcome: 'ok',
    durationMs: Date.now() - started,
    detail: `${devices.value.length} devices, ${filesRead} files`,
  });
}
