import { describe, expect, it } from '@jest/globals';
import { DERIVE_VERSION, evidenceHash } from './derive-snapshot';
import { FirmwareIdCache } from './firmware-id-cache';

const ev = { 'xl-info.txt': 'xen_version : 4.17\n', 'acpi/DMAR': 'base64:RE1BUg==' };

describe(evidenceHash.name, () => {
  it('is the same for the same evidence in any key order, and differs when a byte, a file or the boot id differs', () => {
    const h = evidenceHash({ bootId: 'b1', evidence: ev, facts: {} });
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(evidenceHash({ bootId: 'b1', evidence: { 'acpi/DMAR': ev['acpi/DMAR'], 'xl-info.txt': ev['xl-info.txt'] }, facts: { ignored: true } })).toBe(h);
    expect(evidenceHash({ bootId: 'b1', evidence: { ...ev, 'xl-info.txt': 'xen_version : 4.18\n' }, facts: {} })).not.toBe(h);
    expect(evidenceHash({ bootId: 'b1', evidence: { ...ev, 'dmesg.txt': '' }, facts: {} })).not.toBe(h);
    expect(evidenceHash({ bootId: 'b2', evidence: ev, facts: {} })).not.toBe(h);
  });

  it('cannot be forged by moving bytes between a file name and its content (length prefixes)', () => {
    expect(evidenceHash({ bootId: 'b', evidence: { ab: 'c' }, facts: {} })).not.toBe(evidenceHash({ bootId: 'b', evidence: { a: 'bc' }, facts: {} }));
  });

  it('without evidence, hashes the canonical facts (key order does not matter, values do)', () => {
    const a = evidenceHash({ bootId: 'b', facts: { firmware: { biosVersion: '1', boardName: 'x' } } });
    expect(evidenceHash({ bootId: 'b', evidence: {}, facts: { firmware: { boardName: 'x', biosVersion: '1' } } })).toBe(a);
    expect(evidenceHash({ bootId: 'b', facts: { firmware: { biosVersion: '2', boardName: 'x' } } })).not.toBe(a);
  });

  it('DERIVE_VERSION is a positive integer (bump it when parsers or rules change their output)', () => {
    expect(Number.isInteger(DERIVE_VERSION) && DERIVE_VERSION >= 1).toBe(true);
  });
});

describe(FirmwareIdCache.name, () => {
  const fw = { boardVendor: 'Dell Inc.', boardName: '0JP31P', biosVendor: 'Dell Inc.', biosVersion: '2.1', biosDate: '', sysVendor: '', productName: '' };
  it('remembers an id only once its transaction committed, and forgets everything on a rollback', () => {
    const c = new FirmwareIdCache();
    const tx1 = {};
    c.pending(tx1, fw, 'id-1');
    expect(c.get(fw)).toBeUndefined();
    c.committed(tx1);
    expect(c.get(fw)).toBe('id-1');
    expect(c.get({ ...fw, biosVersion: '2.2' })).toBeUndefined();
    const tx2 = {};
    c.pending(tx2, { ...fw, biosVersion: '2.2' }, 'id-2');
    c.rolledBack(tx2);
    expect(c.get({ ...fw, biosVersion: '2.2' })).toBeUndefined();
    expect(c.get(fw)).toBeUndefined();
  });
});
