import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { parsePciAssignableList, parseXlPciList } from './parse-xl-pci';

describe(parsePciAssignableList.name, () => {
  it('reads %04x:%02x:%02x.%01x lines with optional name and trailing space, and domain-less old output', () => {
    const text = '0000:03:10.0 \n0000:03:10.1 vf-net1\n04:00.0\n\nlibxl: error: something\n0001:AB:00.7 \r\n';
    expect(parsePciAssignableList(text)).toEqual([
      { bdf: '0000:03:10.0' },
      { bdf: '0000:03:10.1', name: 'vf-net1' },
      { bdf: '0000:04:00.0' },
      { bdf: '0001:ab:00.7' },
    ]);
  });
  it('never throws and only returns valid addresses', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => {
      for (const d of parsePciAssignableList(s)) expect(d.bdf).toMatch(/^[0-9a-f]{4,8}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/);
    }));
  });
});

describe(parseXlPciList.name, () => {
  it('reads the Vdev Device table', () => {
    expect(parseXlPciList('Vdev Device\n04.0 0000:03:10.0\n05.0 0000:3b:02.1\n', 'guest1')).toEqual([
      { domain: 'guest1', vdev: '04.0', vdevfn: 0x20, bdf: '0000:03:10.0' },
      { domain: 'guest1', vdev: '05.0', vdevfn: 0x28, bdf: '0000:3b:02.1' },
    ]);
  });
  it('tolerates missing vdev columns, extra columns and an empty list', () => {
    expect(parseXlPciList('Vdev Device Name\n00.0 0000:03:00.0 gpu0\n03:00.1\n', '7')).toEqual([
      { domain: '7', vdev: '00.0', vdevfn: 0, bdf: '0000:03:00.0' },
      { domain: '7', bdf: '0000:03:00.1' },
    ]);
    expect(parseXlPciList('Vdev Device\n', 'd')).toEqual([]);
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (s) => expect(Array.isArray(parseXlPciList(s, 'x'))).toBe(true)));
  });
  it('handles 1 MB of rows in bounded time', () => {
    const text = 'Vdev Device\n' + '04.0 0000:03:10.0\n'.repeat(60_000);
    const t = performance.now();
    expect(parseXlPciList(text, 'g')).toHaveLength(60_000);
    expect(parsePciAssignableList('0000:03:10.0 \n'.repeat(80_000))).toHaveLength(80_000);
    expect(performance.now() - t).toBeLessThan(5000);
  });
});
