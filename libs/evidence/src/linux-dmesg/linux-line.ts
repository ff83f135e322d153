/**
 * Linux kernel log prefixes (evidence file `dmesg.txt`): `<4>` priorities, syslog
 * (`May 30 17:32:17 host kernel: `), ISO/journal (`2024-01-01T10:00:00+0100 host kernel: `), `dmesg -x`
 * (`kern  :warn  : `), `[   12.345678]` and `dmesg -T` (`[Mon May 30 17:32:17 2022]`) timestamps.
 * `[Firmware Bug]` and other bracketed message text is not a timestamp and is kept.
 */
const PRIORITY = /^<\d{1,3}>/;
const SYSLOG = /^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S{1,255} kernel: ?/;
const ISO = /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d\S{0,40} \S{1,255} kernel: ?/;
const FACILITY = /^(?:kern|user|mail|daemon|auth|syslog|lpr|news|local\d) *:(?:emerg|alert|crit|err|warn|notice|info|debug) *: ?/;
const MONO = /^\[ *\d{1,12}\.\d{1,9}\] ?/;
const HUMAN = /^\[[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}\] ?/;

/** Strip log prefixes from one line and trim it. Linear; never throws. */
export function stripLinuxPrefix(line: string): string {
  let s = line.trimStart();
  for (const re of [PRIORITY, SYSLOG, ISO, FACILITY, MONO, HUMAN]) {
    const m = re.exec(s);
    if (m) s = s.slice(m[0].length);
  }
  return s.trim();
}
