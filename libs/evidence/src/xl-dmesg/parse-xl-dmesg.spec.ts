import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import { parseXlDmesg } from './parse-xl-dmesg';

const DIR = join(process.cwd(), 'test/fixtures/xl-dmesg');
const read = (name: string): string => readFileSync(join(DIR, name), 'utf8');

interface Row {
  file: string;
  complete: boolean;
  hvm?: 'vmx' | 'svm';
  features: number;
  partialList: boolean;
  hap: boolean;
  pageSizes: string[];
  io?: 'enabled' | 'disabled';
  dom0Mode?: string;
  ir?: 'enabled' | 'disabled';
  amdUnits: number[];
  vtdUnits: number;
  findings: string[];
}

// One row per corpus file; all but the apu2 boot log are excerpts, so they are incomplete (no banner).
const ROWS: Row[] = [
  { file: 'amd_32cpu_3.39ghz_amdvi_ir_svm.xl_dmesg.txt', complete: false, hvm: 'svm', features: 13, partialList: false, hap: true, pageSizes: ['4kB', '2MB', '1GB'], io: 'enabled', dom0Mode: 'Relaxed', ir: 'enabled', amdUnits: [0], vtdUnits: 0, findings: ['XL_DMESG_INCOMPLETE'] },
  { file: 'amd_8core_xen4.14_timestamped_console.xl_dmesg.txt', complete: false, hvm: 'svm', features: 7, partialList: true, hap: true, pageSizes: ['4kB', '2MB', '1GB'], amdUnits: [], vtdUnits: 0, findings: ['XL_DMESG_INCOMPLETE'] },
  { file: 'amd_desktop_elliott_svm_features_x2apic.xl_dmesg.txt', complete: false, hvm: 'svm', features: 12, partialList: true, hap: false, pageSizes: [], amdUnits: [], vtdUnits: 0, findings: ['XL_DMESG_INCOMPLETE'] },
  { file: 'amd_family16_model4_svm_amdvi_io_page_fault.xl_dmesg.txt', complete: false, hvm: 'svm', features: 3, partialList: false, hap: true, pageSizes: ['4kB', '2MB', '1GB'], amdUnits: [], vtdUnits: 0, findings: ['XEN_AMDVI_IO_PAGE_FAULT', 'XL_DMESG_INCOMPLETE'] },
  { file: 'arm64_4cpu_io_virtualisation_disabled.xl_dmesg.txt', complete: false, features: 0, partialList: false, hap: false, pageSizes: [], io: 'disabled', amdUnits: [], vtdUnits: 0, findings: ['XL_DMESG_INCOMPLETE'] },
  { file: 'intel_16cpu_cve2018_12207.xl_dmesg.txt', complete: false, hvm: 'vmx', features: 7, partialList: true, hap: true, pageSizes: ['4kB', '2MB', '1GB'], amdUnits: [], vtdUnits: 0, findings: ['XL_DMESG_INCOMPLETE'] },
  { file: 'intel_2.5ghz_vtd_2units_snoop_off.xl_dmesg.txt', complete: false, hvm: 'vmx', features: 11, partialList: false, hap: true, pageSizes: ['4kB', '2MB', '1GB'], io: 'enabled', dom0Mode: 'Relaxed', ir: 'enabled', amdUnits: [], vtdUnits: 2, findings: ['XL_DMESG_INCOMPLETE'] },
  { file: 'intel_4cpu_hap_1g_credit2.xl_dmesg.txt', complete: false, hvm: 'vmx', features: 9, partialList: true, hap: true, pageSizes: ['4kB', '2MB', '1GB'], amdUnits: [], vtdUnits: 0, findings: ['XL_DMESG_INCOMPLETE'] },
  // No 1GB: the CPU lacks 1GB EPT pages or hap_1gb=0 was set; the excerpt cannot tell which.
  { file: 'intel_hap_4k_2m_vmfunc.xl_dmesg.txt', complete: false, hvm: 'vmx', features: 8, partialList: true, hap: true, pageSizes: ['4kB', '2MB'], amdUnits: [], vtdUnits: 0, findings: ['XL_DMESG_INCOMPLETE'] },
  { file: 'pcengines_apu2_iommu_enabled_kyosti_patches.xl_dmesg.txt', complete: false, features: 0, partialList: false, hap: false, pageSizes: [], io: 'enabled', dom0Mode: 'Relaxed', amdUnits: [0], vtdUnits: 0, findings: ['XEN_AMDVI_DEVICE_NOT_IN_IVRS', 'XL_DMESG_INCOMPLETE'] },
  { file: 'pcengines_apu2_xen4.8.3_amdvi_not_found.xl_dmesg.txt', complete: true, hvm: 'svm', features: 6, partialList: false, hap: true, pageSizes: ['4kB', '2MB', '1GB'], io: 'disabled', amdUnits: [], vtdUnits: 0, findings: [] },
];

describe(parseXlDmesg.name, () => {
  it('has a table row and a source note for every fixture', () => {
    const files = readdirSync(DIR).filter((f) => !f.endsWith('.source.txt'));
    expect(files.sort()).toEqual(ROWS.map((r) => r.file).sort());
    for (const f of files) expect(readdirSync(DIR)).toContain(`${f}.source.txt`);
  });

  it.each(ROWS)('$file', (row) => {
    const d = parseXlDmesg(read(row.file));
    expect(d.complete).toBe(row.complete);
    expect(d.hvm.enabled).toBe(row.hvm);
    expect(d.hvm.features).toHaveLength(row.features);
    expect(d.hvm.featuresFromPartialList).toBe(row.partialList);
    expect(d.hvm.disabledByFirmware).toEqual([]);
    expect(d.hap.detected).toBe(row.hap);
    expect(d.hap.disabled).toBe(false);
    expect(d.hap.pageSizes).toEqual(row.pageSizes);
    expect(d.iommu.ioVirtualisation).toBe(row.io);
    expect(d.iommu.dom0Mode).toBe(row.dom0Mode);
    expect(d.iommu.interruptRemapping).toBe(row.ir);
    expect(d.amdVi.enabledUnits).toEqual(row.amdUnits);
    expect(d.vtd.units).toHaveLength(row.vtdUnits);
    expect(d.findings.map((f) => f.code)).toEqual(row.findings);
  });

  it('reads the VT-d units and features with their lines', () => {
    const d = parseXlDmesg(read('intel_2.5ghz_vtd_2units_snoop_off.xl_dmesg.txt'));
    expect(d.vtd.units.map((u) => [u.index, u.pageSizes])).toEqual([[0, ['4kB', '2MB', '1GB']], [1, ['4kB', '2MB', '1GB']]]);
    expect(d.vtd.features).toEqual({ 'Snoop Control': false, 'Dom0 DMA Passthrough': false, 'Queued Invalidation': true, 'Interrupt Remapping': true, 'Posted Interrupt': false, 'Shared EPT tables': true });
    expect(d.vtd.featureEvidence['Snoop Control']).toEqual({ source: 'xl-dmesg.txt', line: 16, text: '(XEN) Intel VT-d Snoop Control not enabled.' });
    expect(d.iommu.evidence.interruptRemapping?.line).toBe(24);
    expect(d.hvm.features).toContain('Extended Page Tables (EPT)');
  });

  it('reads the banner, command line, ACPI listing and AMD-Vi not found of the full apu2 boot', () => {
    const d = parseXlDmesg(read('pcengines_apu2_xen4.8.3_amdvi_not_found.xl_dmesg.txt'));
    expect(d.xenVersion).toBe('4.8.3');
    expect(d.banner?.line).toBe(1);
    expect(d.commandLine?.options.dom0_mem).toBe('512M');
    expect(d.amdVi.notFound?.line).toBe(70);
    expect(d.acpiTables.map((t) => t.signature)).toEqual(['RSDP', 'XSDT', 'FACP', 'DSDT', 'FACS', 'SSDT', 'TCPA', 'APIC', 'HEST', 'SSDT', 'SSDT', 'HPET']);
    expect(d.acpiTables[3]).toEqual({ signature: 'DSDT', address: '0xcffaf280', length: 0x166d, revision: 2, oemId: 'AMD', oemTableId: 'COREBOOT', oemRevision: 0x10001, aslId: 'INTL', aslRevision: 0x20161222, line: 20 });
    expect(d.acpiTables[0]).toEqual({ signature: 'RSDP', address: '0xf3610', length: 0x24, revision: 2, oemId: 'CORE', line: 17 });
    expect(d.acpiTables[4]).toEqual({ signature: 'FACS', address: '0xcffaf240', length: 0x40, line: 21 });
  });

  it('strips host-side and Xen timestamps, but not [VT-D]', () => {
    const d = parseXlDmesg(
      [
        '(XEN) [2024-01-02 03:04:05.123] Xen version 4.17.3 (user@host) (gcc) debug=n',
        '(XEN) [    0.123456] [VT-D]Invalid ACPI DMAR entry length: 0x0',
        '(XEN) [VT-D] Non-existent device (0000:00:1f.7) in this DRHD\'s scope!',
        '(XEN) [VT-D]Overlapping RMRRs [a,b] and [c,d]',
        '(XEN) RMRR: [0xab000, 0xabfff] is not (entirely) in reserved memory',
        '(XEN) Failed to parse ACPI DMAR.  Disabling VT-d.',
        '(XEN) ACPI Warning (tbutils-0244): Incorrect checksum in table [DMAR] - 4E, should be 4D',
        '(XEN) ACPI: DMAR BF7B4000, 00C8 (r1 A M I   OEMDMAR        1 MSFT       97)',
        '(XEN) I/O virtualisation disabled',
      ].join('\n'),
    );
    expect(d.complete).toBe(true);
    expect(d.xenVersion).toBe('4.17.3');
    expect(d.findings.map((f) => f.code)).toEqual(['XEN_DMAR_INVALID_ENTRY_LENGTH', 'XEN_DMAR_NONEXISTENT_DEVICE', 'XEN_RMRR_OVERLAP', 'XEN_RMRR_NOT_RESERVED', 'XEN_DMAR_PARSE_FAILED', 'XEN_ACPI_BAD_CHECKSUM']);
    expect(d.findings.find((f) => f.code === 'XEN_ACPI_BAD_CHECKSUM')?.severity).toBe('error');
    expect(d.acpiChecksumErrors).toMatchObject([{ signature: 'DMAR', found: 0x4e, expected: 0x4d }]);
    expect(d.acpiTables[0]).toMatchObject({ signature: 'DMAR', oemId: 'A M I', oemTableId: 'OEMDMAR', oemRevision: 1, aslId: 'MSFT', aslRevision: 0x97 });
  });

  it('reads firmware-disabled HVM, HAP disabled by the admin and the AMD IVRS errors', () => {
    const d = parseXlDmesg(
      [
        '(XEN) CPU0: VMX disabled by BIOS.',
        '(XEN) VMX disabled by Feature Control MSR.',
        '(XEN) CPU1: VMXON failed: perhaps because of TXT settings in your BIOS configuration?',
        '(XEN) CPU0: AMD SVM Extension is disabled in BIOS.',
        '(XEN) VMX: failed to initialise.',
        '(XEN) VMX: CPU0 has insufficient CPU-Based Exec Control (b5b9fffe; requires 2299968c)',
        '(XEN) HVM: Hardware Assisted Paging (HAP) detected but disabled',
        '(XEN) HVM: HAP page sizes: 4kB, 2MB [disabled], 1GB [disabled]',
        '(XEN) AMD-Vi: IVHD Error: no information for IO-APIC 0x21',
        '(XEN) AMD-Vi: No southbridge IO-APIC found in IVRS table',
        '(XEN) AMD-Vi: Error: IVRS: invalid checksum 0x12',
        '(XEN) AMD-Vi: Warning: IVHD: unknown device type 0x99',
        '(XEN) AMD-Vi: Error initialization',
        "(XEN) Couldn't enable IOMMU and iommu=required/force",
      ].join('\n'),
    );
    expect(d.hvm.disabledByFirmware.map((r) => r.line)).toEqual([1, 2, 3, 4]);
    expect(d.hvm.failedToInitialise.map((r) => r.line)).toEqual([5]);
    expect(d.hvm.insufficientControls.map((r) => r.line)).toEqual([6]);
    expect([d.hap.detected, d.hap.disabled, d.hap.notDetected]).toEqual([true, true, false]);
    expect(d.hap.pageSizes).toEqual(['4kB', '2MB [disabled]', '1GB [disabled]']);
    expect(d.amdVi.errorInit?.line).toBe(13);
    expect(d.iommu.requiredPanic?.line).toBe(14);
    const codes = d.findings.map((f) => f.code);
    expect(codes).toEqual(['XEN_IVHD_NO_IOAPIC_INFO', 'XEN_NO_SOUTHBRIDGE_IOAPIC', 'XEN_IVRS_ERROR', 'XEN_IVRS_WARNING', 'XEN_AMDVI_INIT_ERROR', 'XEN_IOMMU_REQUIRED_PANIC', 'XL_DMESG_INCOMPLETE']);
    expect(d.findings[0].message).toContain('ivrs_ioapic[0x21]=');
  });

  it('reads the old 4.0–4.1 HAP wording and HAP not detected', () => {
    expect(parseXlDmesg('(XEN) HVM: Hardware Assisted Paging detected.').hap.detected).toBe(true);
    const d = parseXlDmesg('(XEN) HVM: Hardware Assisted Paging (HAP) not detected');
    expect([d.hap.detected, d.hap.notDetected]).toEqual([false, true]);
  });
});
