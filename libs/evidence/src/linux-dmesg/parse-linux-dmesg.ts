import { splitLines } from '../common';
import { FindingCollector, lineRef, MAX_MATCH_CHARS, parseAcpiChecksumWarning, parseAcpiTableLine } from '../xl-dmesg';
import { collectLinuxFindings } from './linux-findings';
import { stripLinuxPrefix } from './linux-line';
import { LinuxDmesg } from './linux-dmesg.types';

const SOURCE = 'dmesg.txt';
const MAX_ITEMS = 1024;

/**
 * Parse a Linux kernel log (evidence-spec §3): the DMAR and AMD-Vi `[Firmware Bug]` families as coded
 * findings, the ACPI table listing (which name the DMAR has: `DMAR`, or `RMAD`/`XMAR` once Xen renamed it),
 * Xen PV markers, and the DMAR/AMD-Vi driver lines a bare-metal boot prints. Strips timestamps and
 * syslog/journal prefixes. Never throws; linear in the input size.
 */
export function parseLinuxDmesg(text: string): LinuxDmesg {
  const { lines, truncated } = splitLines(typeof text === 'string' ? text : '');
  const findings = new FindingCollector();
  const groups = new Set<string>();
  const r: LinuxDmesg = {
    acpiTables: [],
    acpiChecksumErrors: [],
    dmar: { drhd: [], rmrr: [] },
    amdVi: { iommus: [], missingIoapics: [] },
    iommuGroups: 0,
    findings: [],
    lineCount: lines.length,
  };
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    const t = stripLinuxPrefix(raw.length > MAX_MATCH_CHARS ? raw.slice(0, MAX_MATCH_CHARS) : raw);
    if (t === '') continue;
    const ref = lineRef(SOURCE, i + 1, raw);

    const guest = /^Booting paravirtualized kernel on Xen( PVH| HVM)?\s*$/.exec(t);
    if (guest) {
      r.xenGuestType = guest[1] === undefined ? 'PV' : guest[1] === ' PVH' ? 'PVH' : 'HVM';
      if (r.xenGuestType === 'PV') r.xenPv = ref;
    } else if (t.startsWith('Setting APIC routing to Xen PV')) r.xenPv = ref;
    else if (t.startsWith('DMI: ')) r.dmi = { text: t.slice(5), evidence: ref };

    const bios = /^BIOS vendor: (.*?); Ver: (.*?); Product Version: ?(.*)$/.exec(t);
    if (bios) r.biosInfo = { vendor: bios[1].trim(), version: bios[2].trim(), productVersion: bios[3].trim(), evidence: ref };

    const table = parseAcpiTableLine(t, i + 1);
    if (table && r.acpiTables.length < MAX_ITEMS) {
      r.acpiTables.push(table);
      if (table.signature === 'DMAR' || table.signature === 'RMAD' || table.signature === 'XMAR') r.dmarTableSignature = table.signature;
    }
    const checksum = parseAcpiChecksumWarning(t);
    if (checksum && r.acpiChecksumErrors.length < MAX_ITEMS) r.acpiChecksumErrors.push({ ...checksum, evidence: ref });

    if (t.includes('DMAR')) readDmar(t, ref, r);
    if (t.includes('AMD-Vi')) readAmdVi(t, ref, r);
    const group = / Adding to iommu group (\d{1,9})$/.exec(t);
    if (group && groups.size < 1_000_000) groups.add(group[1]);

    const ioapic = collectLinuxFindings(t, ref, findings);
    if (ioapic !== undefined && !r.amdVi.missingIoapics.includes(ioapic) && r.amdVi.missingIoapics.length < MAX_ITEMS) r.amdVi.missingIoapics.push(ioapic);
    if (t.includes('No southbridge IOAPIC found')) r.amdVi.noSouthbridgeIoapic = ref;
  }
  r.iommuGroups = groups.size;
  if (truncated) findings.add('DMESG_TRUNCATED', 'warning', 'The dmesg capture exceeded the size limit; only its beginning was read.');
  r.findings = findings.list();
  // The `BIOS vendor:` line printed right after the address-0/all-ones line names the firmware to blame.
  const address = r.findings.find((f) => f.code === 'LINUX_DMAR_ADDRESS_ZERO');
  if (address?.evidence && r.biosInfo) address.evidence.push(r.biosInfo.evidence);
  return r;
}

function readDmar(t: string, ref: ReturnType<typeof lineRef>, r: LinuxDmesg): void {
  const haw = /^DMAR: Host address width (\d{1,3})/.exec(t);
  if (haw) r.dmar.hostAddressWidth = parseInt(haw[1], 10);
  const drhd = /^DMAR: DRHD base: (0x[0-9a-fA-F]{1,16}) flags: (0x[0-9a-fA-F]{1,8})/.exec(t);
  if (drhd && r.dmar.drhd.length < MAX_ITEMS) r.dmar.drhd.push({ base: drhd[1].toLowerCase(), flags: drhd[2].toLowerCase(), evidence: ref });
  const rmrr = /^DMAR: RMRR base: (0x[0-9a-fA-F]{1,16}) end: (0x[0-9a-fA-F]{1,16})/.exec(t);
  if (rmrr && r.dmar.rmrr.length < MAX_ITEMS) r.dmar.rmrr.push({ base: rmrr[1].toLowerCase(), end: rmrr[2].toLowerCase(), evidence: ref });
  const ir = /^DMAR-IR: Enabled IRQ remapping in (x2apic|xapic) mode/.exec(t);
  if (ir) {
    r.dmar.irqRemapping = ir[1] as 'xapic' | 'x2apic';
    r.dmar.irqRemappingEvidence = ref;
  }
  if (t.includes('x2apic opt out bit')) r.dmar.x2apicOptOut = ref;
  if (t.startsWith('DMAR: Intel(R) Virtualization Technology for Directed I/O')) r.dmar.enabled = ref;
  if (t.includes('Parse DMAR table failure')) r.dmar.parseFailed = ref;
}

function readAmdVi(t: string, ref: ReturnType<typeof lineRef>, r: LinuxDmesg): void {
  const found = /^AMD-Vi: Found IOMMU at ([0-9a-fA-F:.]{7,16})(?: cap (0x[0-9a-fA-F]{1,8}))?/.exec(t);
  if (found && r.amdVi.iommus.length < MAX_ITEMS) r.amdVi.iommus.push({ bdf: found[1].toLowerCase(), ...(found[2] ? { cap: found[2].toLowerCase() } : {}), evidence: ref });
  if (t.startsWith('AMD-Vi: Interrupt remapping enabled')) {
    r.amdVi.interruptRemapping = 'enabled';
    r.amdVi.interruptRemappingEvidence = ref;
  } else if (t.startsWith('AMD-Vi: Disabling interrupt remapping')) {
    r.amdVi.interruptRemapping = 'disabled';
    r.amdVi.interruptRemappingEvidence = ref;
  }
  if (t.startsWith('AMD-Vi: Initialized for Passthrough Mode')) r.amdVi.passthroughMode = ref;
}
