import { splitLines } from '../common';
import { parseXenCommandline } from '../cmdline';
import { parseAcpiChecksumWarning, parseAcpiTableLine } from './acpi-table-line';
import { FindingCollector, lineRef, MAX_MATCH_CHARS } from './evidence-line';
import { emptyHap, emptyHvm, readHvmHapLine } from './hvm-signals';
import { emptyAmdVi, emptyIommu, emptyVtd, readIommuLine } from './iommu-signals';
import { collectXenFindings, incompleteFinding } from './xen-findings';
import { stripXenPrefix } from './xen-line';
import { XlDmesg } from './xl-dmesg.types';

const SOURCE = 'xl-dmesg.txt';
const MAX_LIST = 256;
const MAX_TABLES = 1024;

/** Which ` - …` list the current line belongs to. */
type ListOwner = 'vmx' | 'svm' | 'amdvi' | 'leading' | undefined;

/**
 * Parse `xl dmesg` (the Xen console ring) into HVM, HAP, IOMMU, VT-d and AMD-Vi signals, the ACPI table
 * listing and coded findings for every DMAR/IVRS/IOMMU error of evidence-spec §2. Strips `(XEN) ` and
 * console timestamps; also reads lines without `(XEN)` (excerpts, mail wraps). The log is `complete` only
 * with a `Xen version ` banner; otherwise an `XL_DMESG_INCOMPLETE` finding says absent signals are unknown.
 * Every signal keeps `{source: 'xl-dmesg.txt', line, text}`. Never throws; linear in the input size.
 */
export function parseXlDmesg(text: string): XlDmesg {
  const { lines, truncated } = splitLines(typeof text === 'string' ? text : '');
  const findings = new FindingCollector();
  const result: XlDmesg = {
    complete: false,
    hvm: emptyHvm(),
    hap: emptyHap(),
    iommu: emptyIommu(),
    vtd: emptyVtd(),
    amdVi: emptyAmdVi(),
    acpiTables: [],
    acpiChecksumErrors: [],
    findings: [],
    lineCount: lines.length,
  };
  let owner: ListOwner;
  let sawNonList = false;
  const leading: string[] = [];
  let leadingRef: ReturnType<typeof lineRef> | undefined;

  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    if (raw.trim() === '') continue;
    const { body } = stripXenPrefix(raw.length > MAX_MATCH_CHARS ? raw.slice(0, MAX_MATCH_CHARS) : raw);
    const t = body.trim();
    if (t === '') continue;
    const ref = lineRef(SOURCE, i + 1, raw);

    // A ` - item` line continues the current list (VMX/SVM features, AMD-Vi extended features).
    const item = /^\s+- (.+)$/.exec(body);
    if (item && !t.startsWith('- Dom0 mode:')) {
      const name = item[1].trim();
      if (owner === 'vmx' || owner === 'svm') {
        if (name !== 'none' && result.hvm.features.length < MAX_LIST) result.hvm.features.push(name);
      } else if (owner === 'amdvi') {
        if (result.amdVi.extendedFeatures.length < MAX_LIST) result.amdVi.extendedFeatures.push(name);
      } else if (!sawNonList && leading.length < MAX_LIST) {
        leading.push(name);
        leadingRef ??= ref;
      }
      continue;
    }
    if (!sawNonList) {
      sawNonList = true;
      // An excerpt that starts inside a list: it is the HVM feature list if HVM/VMX/SVM lines follow it.
      if (leading.length > 0 && /^(HVM|VMX|SVM):/.test(t)) {
        result.hvm.features = leading.filter((n) => n !== 'none');
        result.hvm.featuresFromPartialList = true;
        if (leadingRef) result.hvm.evidence.features = leadingRef;
      }
    }
    owner = undefined;

    const banner = /^Xen version (\d{1,3}\.\d{1,3}[^\s(]{0,64})/.exec(t);
    if (banner) {
      result.complete = true;
      result.xenVersion = banner[1];
      result.banner = ref;
    } else if (t.startsWith('Command line:')) {
      result.commandLine = parseXenCommandline(t.slice('Command line:'.length));
      result.commandLineEvidence = ref;
    }

    const vendor = readHvmHapLine(t, ref, result.hvm, result.hap);
    if (vendor) owner = vendor;
    if (readIommuLine(t, ref, result.iommu, result.vtd, result.amdVi)) owner = 'amdvi';

    const table = parseAcpiTableLine(t, i + 1);
    if (table && result.acpiTables.length < MAX_TABLES) result.acpiTables.push(table);
    const checksum = parseAcpiChecksumWarning(t);
    if (checksum && result.acpiChecksumErrors.length < MAX_TABLES) result.acpiChecksumErrors.push({ ...checksum, evidence: ref });

    collectXenFindings(t, ref, findings);
  }
  if (result.hvm.features.length > 0 && result.hvm.featuresVendor === undefined) result.hvm.featuresVendor = result.hvm.enabled;
  if (!result.complete) incompleteFinding(findings);
  if (truncated) findings.add('XL_DMESG_TRUNCATED', 'warning', 'The xl dmesg capture exceeded the size limit; only its beginning was read.');
  result.findings = findings.list();
  return result;
}
