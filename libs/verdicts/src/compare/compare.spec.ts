import { describe, expect, it } from '@jest/globals';
import { buildHostFacts } from '../../../evidence/src/host-facts';
import type { EvidenceBundle } from '../../../evidence/src/host-facts';
import { loadHost } from '../../../../test/fixtures/hosts/load-host';
import { computeVerdicts } from '../compute';
import { compareSnapshots } from './compare';
import { MIRROR_EVENT } from './events';
import type { ChangeEvent } from './events';
import { toComparableState } from './state';
import type { ComparableState } from './state';

/**
 * Consecutive snapshots of one host, built from real captures (Qubes Xen 4.17 `xl info`, the Dell R730
 * dmidecode, the Dell XPS 8940 DMAR bytes found as RMAD) with SYNTHETIC edits that play the change:
 * a BIOS update (dmidecode `Version:`), a BIOS toggle (virt_caps loses hvm_directio, the table vanishes),
 * an admin `iommu=0`, a Xen upgrade (`xen_version`). The captures come from different machines.
 */
const QUBES = loadHost('intel-qubes-4.17-xlinfo')['xl-info.txt'] as string;
const DMIDECODE = loadHost('poweredge-r730-dmidecode')['dmidecode.txt'] as string;
const DMAR = loadHost('dell-xps8940-dmar')['acpi/DMAR'] as Uint8Array;
const EXCERPT = loadHost('intel-hap-excerpt-dmesg')['xl-dmesg.txt'] as string;
/** The excerpt as a VMX-disabled boot prints it: no `HVM: VMX enabled`, no HAP lines. */
const VMX_OFF = EXCERPT.replace('(XEN) HVM: VMX enabled', '(XEN) CPU0: VMX disabled by BIOS.').replace(/\(XEN\) HVM: (Hardware Assisted Paging|HAP page sizes).*\n/g, '');
const RMAD = (() => {
  const b = Uint8Array.from(DMAR);
  b.set([0x52, 0x4d, 0x41, 0x44], 0); // "RMAD": Xen's rename, same checksum
  return b;
})();

const set = (info: string, name: string, value: string) => info.replace(new RegExp(`^${name}\\s*:.*$`, 'm'), `${name.padEnd(23)}: ${value}`);
const NO_IOMMU_CAPS = 'pv hvm hap vmtrace gnttab-v1';

interface Host {
  info?: string;
  bios?: string;
  table?: Uint8Array | null;
  dmesg?: string;
  sysfs?: Record<string, string>;
  boot?: string;
}
function snapshot(h: Host): ComparableState {
  const bundle: EvidenceBundle = { 'xl-info.txt': h.info ?? QUBES, 'dmidecode.txt': DMIDECODE.replace('\tVersion: 2.4.3', `\tVersion: ${h.bios ?? '2.4.3'}`) };
  if (h.table !== null) bundle['acpi/RMAD'] = h.table ?? RMAD;
  if (h.dmesg) bundle['xl-dmesg.txt'] = h.dmesg;
  Object.assign(bundle, h.sysfs ?? {});
  const facts = buildHostFacts(bundle);
  return toComparableState({ facts, verdicts: computeVerdicts(facts), bootId: h.boot ?? 'boot-1', collectedAt: '2026-11-25T10:00:00Z' });
}
const types = (e: ChangeEvent[]) => e.map((x) => x.type);
const byType = (e: ChangeEvent[], t: ChangeEvent['type']) => e.find((x) => x.type === t);

describe(toComparableState.name, () => {
  it('keys firmware, Xen version, IOMMU command line and tables', () => {
    const s = snapshot({});
    expect(s.firmwareKey).toBe('Dell Inc.|2.4.3|01/17/2017|' + (s.firmware.biosRelease ?? ''));
    expect(s.xenVersion).toBe('4.17.2');
    expect(s.statuses.iommu).toBe('yes');
    expect(s.tables.dmar?.signature).toBe('RMAD');
    expect(s.tables.dmar?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });
});

describe(compareSnapshots.name, () => {
  const before = snapshot({});

  it('no change, no events', () => {
    expect(compareSnapshots(before, snapshot({}))).toEqual([]);
  });

  it('a BIOS update that turns VT-d off and drops the table fires a critical alert', () => {
    const after = snapshot({ bios: '2.5.0', boot: 'boot-2', info: set(QUBES, 'virt_caps', NO_IOMMU_CAPS), table: null });
    const ev = compareSnapshots(before, after);
    expect(types(ev)).toEqual(['boot_changed', 'firmware_changed', 'bios_update_disabled_iommu', 'iommu_lost']);
    const alert = byType(ev, 'bios_update_disabled_iommu')!;
    expect(alert.severity).toBe('critical');
    expect(alert.message).toContain('RMAD table disappeared');
    expect(alert.details).toMatchObject({ from: 'yes', to: 'no' });
  });

  it('the same BIOS update with the table still there is a warning', () => {
    const after = snapshot({ bios: '2.5.0', boot: 'boot-2', info: set(QUBES, 'virt_caps', NO_IOMMU_CAPS) });
    expect(byType(compareSnapshots(before, after), 'bios_update_disabled_iommu')?.severity).toBe('warning');
  });

  it('a changed table that is now broken raises the alert to critical and fires acpi_broken', () => {
    const broken = Uint8Array.from(RMAD);
    broken[0x38] = 0; // DRHD[0] register base low byte… and break the checksum too
    broken[9] = (broken[9]! + 1) & 0xff;
    const after = snapshot({ bios: '2.5.0', info: set(QUBES, 'virt_caps', NO_IOMMU_CAPS), table: broken });
    expect(after.statuses.acpiDmar).toBe('broken');
    const ev = compareSnapshots(before, after);
    expect(byType(ev, 'bios_update_disabled_iommu')?.severity).toBe('critical');
    expect(types(ev)).toContain('acpi_broken');
  });

  it('iommu=0 on the command line raises iommu_lost but not the BIOS alert', () => {
    const after = snapshot({ boot: 'boot-2', info: set(set(QUBES, 'virt_caps', NO_IOMMU_CAPS), 'xen_commandline', 'placeholder iommu=0') });
    expect(after.statuses.iommu).toBe('disabled-by-admin');
    expect(types(compareSnapshots(before, after))).toEqual(['boot_changed', 'iommu_lost']);
    const withBios = snapshot({ bios: '2.5.0', info: set(set(QUBES, 'virt_caps', NO_IOMMU_CAPS), 'xen_commandline', 'placeholder iommu=0') });
    expect(types(compareSnapshots(before, withBios))).toEqual(['firmware_changed', 'iommu_lost']);
  });

  it('a changed IOMMU command line (not a disable) also suppresses the BIOS alert', () => {
    const after = snapshot({ bios: '2.5.0', info: set(set(QUBES, 'virt_caps', NO_IOMMU_CAPS), 'xen_commandline', 'placeholder iommu=no-intremap') });
    expect(types(compareSnapshots(before, after))).toEqual(['firmware_changed', 'iommu_lost']);
  });

  it('a Xen upgrade at the same time suppresses the BIOS alert', () => {
    const after = snapshot({ bios: '2.5.0', info: set(set(QUBES, 'virt_caps', NO_IOMMU_CAPS), 'xen_version', '4.18.0'), table: null });
    expect(types(compareSnapshots(before, after))).toEqual(['firmware_changed', 'iommu_lost']);
  });

  it('a BIOS update that disables VT-x fires bios_update_disabled_hvm', () => {
    const info = set(set(QUBES, 'xen_caps', 'xen-3.0-x86_64'), 'virt_caps', 'pv hvm_directio pv_directio gnttab-v1');
    const after = snapshot({ bios: '2.5.0', info, dmesg: VMX_OFF });
    expect(after.statuses.hvm).toBe('disabled-by-firmware');
    const ev = compareSnapshots(before, after);
    expect(types(ev)).toEqual(['firmware_changed', 'bios_update_disabled_hvm', 'hvm_lost', 'hap_lost']);
    expect(byType(ev, 'bios_update_disabled_hvm')?.severity).toBe('critical');
  });

  it('SR-IOV changes are reported per device', () => {
    const CX4 = loadHost('connectx4lx-lspci')['lspci-vv.txt'] as string;
    const a = snapshot({ sysfs: { 'lspci-vv.txt': CX4 } });
    const b = snapshot({ sysfs: { 'lspci-vv.txt': CX4, 'sysfs/pci/0000:01:00.0/sriov_totalvfs': '8', 'sysfs/pci/0000:01:00.0/sriov_numvfs': '4' } });
    const ev = compareSnapshots(a, b);
    expect(types(ev)).toEqual(['sriov_changed']);
    expect(ev[0]!.details).toMatchObject({ changes: [{ bdf: '0000:01:00.0', from: { numVfs: 0 }, to: { numVfs: 4 } }] });
  });

  it('unknown evidence is not a loss: yes → unknown raises nothing', () => {
    const after = snapshot({ info: '' });
    expect(after.statuses.iommu).toBe('unknown');
    expect(compareSnapshots(before, after).filter((e) => e.type.endsWith('_lost'))).toEqual([]);
  });

  const PAIRS: [string, Host, Host][] = [
    ['bios disables iommu', {}, { bios: '2.5.0', boot: 'b2', info: set(QUBES, 'virt_caps', NO_IOMMU_CAPS), table: null }],
    ['admin iommu=0', {}, { info: set(set(QUBES, 'virt_caps', NO_IOMMU_CAPS), 'xen_commandline', 'placeholder iommu=0') }],
    ['bios disables hvm', {}, { bios: '2.5.0', info: set(set(QUBES, 'xen_caps', 'xen-3.0-x86_64'), 'virt_caps', 'pv hvm_directio pv_directio'), dmesg: VMX_OFF }],
    ['xen upgrade', {}, { bios: '2.5.0', info: set(set(QUBES, 'virt_caps', NO_IOMMU_CAPS), 'xen_version', '4.18.0') }],
  ];

  it.each(PAIRS)('symmetric and deterministic: %s', (_name, x, y) => {
    const a = snapshot(x);
    const b = snapshot(y);
    const fwd = compareSnapshots(a, b);
    const back = compareSnapshots(b, a);
    expect(fwd.length).toBeGreaterThan(0);
    expect(types(back)).toEqual(types(fwd).map((t) => MIRROR_EVENT[t]));
    back.forEach((e, i) => {
      const f = fwd[i]!.details as { from?: unknown; to?: unknown };
      expect(e.details).toMatchObject({ from: f.to, to: f.from });
    });
    expect(compareSnapshots(a, b)).toEqual(fwd);
    expect(compareSnapshots(snapshot(x), snapshot(y))).toEqual(fwd);
  });
});
