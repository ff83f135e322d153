import { createHash } from 'node:crypto';
import type { EvidenceBundle } from './types';

/** DMI fields that identify one machine; readable by root only (evidence-spec §8). Hashed before leaving the host. */
export const SECRET_DMI_FIELDS = ['product_serial', 'product_uuid', 'board_serial', 'chassis_serial'] as const;

const HASH_PREFIX = 'sha256:';

/** `sha256:<hex>` of the trimmed value; values already in that form are kept (redaction is idempotent). */
export function hashIdentifier(value: string): string {
  const v = value.trim();
  if (v.startsWith(HASH_PREFIX) || v === '') return v;
  return HASH_PREFIX + createHash('sha256').update(v).digest('hex');
}

const DMIDECODE_SECRET = /^(\s*(?:Serial Number|UUID):[ \t]*)(\S.*)$/;

/** Hash every `Serial Number:` and `UUID:` value in `dmidecode` output, keeping the layout. */
export function redactDmidecode(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      const m = DMIDECODE_SECRET.exec(line);
      return m ? m[1] + hashIdentifier(m[2]!) : line;
    })
    .join('\n');
}

/** A copy of the bundle with serials and UUIDs hashed (dmi/ files and dmidecode.txt). */
export function redactBundle(bundle: EvidenceBundle): EvidenceBundle {
  const out: EvidenceBundle = { ...bundle };
  for (const field of SECRET_DMI_FIELDS) {
    const v = out[`dmi/${field}`];
    if (typeof v === 'string') out[`dmi/${field}`] = hashIdentifier(v);
    else if (v instanceof Uint8Array) out[`dmi/${field}`] = hashIdentifier(Buffer.from(v).toString('utf8'));
  }
  const dd = out['dmidecode.txt'];
  if (typeof dd === 'string') out['dmidecode.txt'] = redactDmidecode(dd);
  return out;
}
