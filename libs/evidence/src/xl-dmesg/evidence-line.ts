import { EvidenceRef, EvidenceSource, Finding, FindingSeverity } from '../common';

/** Longest line text kept in an {@link EvidenceRef} (the wire format allows 4096; printk lines are ≤1024). */
export const MAX_EVIDENCE_TEXT = 1024;

/** Longest part of a log line the matchers look at: printk lines never exceed 1 KiB, so 4 KiB is generous and keeps pathological lines linear. */
export const MAX_MATCH_CHARS = 4096;

/** Evidence for one line: source file, 1-based line number and the line as read (capped at {@link MAX_EVIDENCE_TEXT}). */
export function lineRef(source: EvidenceSource, line: number, text: string): EvidenceRef {
  return { source, line, text: text.length > MAX_EVIDENCE_TEXT ? text.slice(0, MAX_EVIDENCE_TEXT) : text };
}

/** At most this many evidence lines per finding (the wire format allows 64). */
export const MAX_EVIDENCE_PER_FINDING = 32;
/** At most this many distinct findings per parse, so a megabyte of repeated errors stays small. */
export const MAX_FINDINGS = 256;

/**
 * Collects findings, merging repeats: the same code and message seen on several lines becomes one finding
 * with several evidence lines (capped), so a log with a thousand identical faults yields one finding.
 */
export class FindingCollector {
  private readonly byKey = new Map<string, Finding>();

  add(code: string, severity: FindingSeverity, message: string, evidence?: EvidenceRef): void {
    const key = `${code}\u0000${message}`;
    const existing = this.byKey.get(key);
    if (existing) {
      if (evidence && existing.evidence && existing.evidence.length < MAX_EVIDENCE_PER_FINDING) existing.evidence.push(evidence);
      return;
    }
    if (this.byKey.size >= MAX_FINDINGS) return;
    this.byKey.set(key, { code, severity, message, ...(evidence ? { evidence: [evidence] } : {}) });
  }

  list(): Finding[] {
    return [...this.byKey.values()];
  }
}
