import { describe, expect, it } from '@jest/globals';
import { ApiError } from '../common/api-error';
import { decodeCursor, encodeCursor, parseAlertQuery, parseHostListQuery, parseSummaryQuery } from './fleet-query.params';
import { csvField, hostsToCsv, HOSTS_CSV_HEADER } from './hosts-csv';

const T = new Date('2026-01-01T00:00:00Z');
const err = (fn: () => unknown): ApiError => {
  try {
    fn();
  } catch (e) {
    return e as ApiError;
  }
  throw new Error('did not throw');
};

describe('parseHostListQuery', () => {
  it('turns verdict, label, firmware and stale parameters into a filter with defaults', () => {
    const q = parseHostListQuery({ hvm: 'yes', acpiIvrs: 'broken', 'label.datacenter': 'fra1', biosVersion: '2.1', stale: 'true' }, T);
    expect(q).toEqual({
      filter: { statuses: { hvm: 'yes', acpiIvrs: 'broken' }, labels: { datacenter: 'fra1' }, biosVersion: '2.1', boardName: undefined, stale: true, staleBefore: T },
      limit: 100,
      cursor: undefined,
      format: 'json',
    });
    expect(parseHostListQuery({ format: 'csv' }, T).limit).toBe(100_000);
  });
  it('refuses unknown values, unknown parameters, repeated parameters and bad limits with 400 naming them', () => {
    expect(err(() => parseHostListQuery({ sriov: 'lots' }, T)).message).toBe('query parameter sriov="lots" is not allowed; use one of: ready, capable, none, unknown');
    expect(err(() => parseHostListQuery({ sriov: 'lots' }, T)).status).toBe(400);
    expect(err(() => parseHostListQuery({ foo: '1' }, T)).message).toBe('unknown query parameter foo');
    expect(err(() => parseHostListQuery({ hvm: ['yes', 'no'] }, T)).message).toBe('query parameter hvm must be given once');
    expect(err(() => parseHostListQuery({ limit: '1001' }, T)).message).toBe('query parameter limit must be an integer from 1 to 1000');
    expect(err(() => parseHostListQuery({ 'label.a b': 'x' }, T)).message).toContain('label keys');
    expect(err(() => parseSummaryQuery({ limit: '5' }, T)).message).toBe('unknown query parameter limit');
    expect(err(() => parseAlertQuery({ state: 'open' })).message).toBe('query parameter state="open" is not allowed; use one of: firing, resolved');
  });
  it('round-trips cursors and rejects foreign ones', () => {
    const c = { hostname: 'xen,01 "a"', id: '0b6f7a34-1a3c-4a4e-9a55-5c2d7c3d9e10' };
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
    expect(err(() => decodeCursor('e30')).status).toBe(400);
    expect(err(() => decodeCursor(Buffer.from('["a","not-a-uuid"]').toString('base64url'))).status).toBe(400);
  });
});

describe('hosts CSV', () => {
  it('quotes commas and quotes, neutralises formula prefixes, and writes a header row', () => {
    expect(csvField('Gigabyte Technology Co., Ltd.')).toBe('"Gigabyte Technology Co., Ltd."');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('=cmd()')).toBe("'=cmd()");
    expect(csvField(null)).toBe('');
    expect(csvField(new Date('2026-01-01T00:00:00Z'))).toBe('2026-01-01T00:00:00.000Z');
    expect(hostsToCsv([])).toBe(HOSTS_CSV_HEADER.join(',') + '\r\n');
  });
});
