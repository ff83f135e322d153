import type { Finding } from '../common';

/** Findings kept per table; garbage input could otherwise yield one finding per byte. The verdict contract allows 512. */
export const MAX_FINDINGS_PER_TABLE = 200;

/** A bounded findings list: once full, one `ACPI_FINDINGS_TRUNCATED` finding replaces the rest. */
export function findingSink(into: Finding[] = []): { findings: Finding[]; push: (f: Finding) => void } {
  let dropped = false;
  const push = (f: Finding): void => {
    if (into.length < MAX_FINDINGS_PER_TABLE) into.push(f);
    else if (!dropped) {
      dropped = true;
      into.push({ code: 'ACPI_FINDINGS_TRUNCATED', severity: 'info', message: `More than ${MAX_FINDINGS_PER_TABLE} findings; the rest were dropped.` });
    }
  };
  return { findings: into, push };
}
