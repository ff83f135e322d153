import { describe, expect, it } from '@jest/globals';
import { expandGrafanaSql, expandMacros, interpolateVariables, intervalSeconds, rfc3339, type ExpandContext } from './macros';

const ctx = (variables: ExpandContext['variables'] = {}): ExpandContext => ({
  from: new Date('2026-11-18T10:00:00.000Z'),
  to: new Date('2026-11-25T10:30:15.250Z'),
  variables,
});

describe('Grafana macros', () => {
  it('formats times like Go RFC3339Nano in UTC', () => {
    expect(rfc3339(new Date('2026-11-18T10:00:00.000Z'))).toBe('2026-11-18T10:00:00Z');
    expect(rfc3339(new Date('2026-11-25T10:30:15.250Z'))).toBe('2026-11-25T10:30:15.25Z');
  });

  it('expands $__timeFilter, $__timeFrom and $__timeTo', () => {
    expect(expandMacros('WHERE $__timeFilter(occurred_at) AND x < $__timeTo() AND y > $__timeFrom()', ctx())).toBe(
      "WHERE occurred_at BETWEEN '2026-11-18T10:00:00Z' AND '2026-11-25T10:30:15.25Z' AND x < '2026-11-25T10:30:15.25Z' AND y > '2026-11-18T10:00:00Z'",
    );
  });

  it('expands $__timeGroupAlias and $__timeGroup to epoch buckets', () => {
    expect(expandMacros(`SELECT $__timeGroupAlias("time", '1m'), $__timeGroup(fired_at,'1h', previous)`, ctx())).toBe(
      `SELECT floor(extract(epoch from "time")/60)*60 AS "time", floor(extract(epoch from fired_at)/3600)*3600`,
    );
  });

  it('expands $__time, $__timeEpoch and the unix epoch macros', () => {
    expect(expandMacros('$__time(t), $__timeEpoch(t), $__unixEpochFilter(e), $__unixEpochGroupAlias(e, 5m)', ctx())).toBe(
      `t AS "time", extract(epoch from t) as "time", e >= 1794996000 AND e <= 1795602615, floor((e)/300)*300 AS "time"`,
    );
  });

  it('rejects an unknown macro and a bad interval, as Grafana does', () => {
    expect(() => expandMacros('$__nope(x)', ctx())).toThrow('unknown macro $__nope');
    expect(() => intervalSeconds('soon')).toThrow('invalid interval');
  });
});

describe('Grafana template variables (SQL datasource interpolation)', () => {
  const dc = { value: '$__all', multi: true, includeAll: true, options: ['fra1', "o'hare"] };

  it('expands All to every option as quoted literals, doubling quotes', () => {
    expect(interpolateVariables('datacenter IN ($datacenter)', ctx({ datacenter: dc }))).toBe("datacenter IN ('fra1','o''hare')");
  });

  it('quotes a multi-value selection in all three syntaxes', () => {
    const v = { ...dc, value: ['fra1', 'ams2'] };
    expect(interpolateVariables('a IN ($dc) b IN (${dc}) c IN ([[dc]])', ctx({ dc: v }))).toBe("a IN ('fra1','ams2') b IN ('fra1','ams2') c IN ('fra1','ams2')");
  });

  it('inserts a single-value variable unquoted unless :sqlstring is asked for', () => {
    const host = { value: "ab'c", multi: false, includeAll: false, options: [] };
    expect(interpolateVariables("id = '$host' OR id = ${host:sqlstring} OR ${host:raw}", ctx({ host }))).toBe("id = 'ab''c' OR id = 'ab''c' OR ab'c");
  });

  it('uses a custom all-value as is', () => {
    const v = { ...dc, allValue: '.*' };
    expect(interpolateVariables('x ~ ${dc:sqlstring}', ctx({ dc: v }))).toBe('x ~ .*');
  });

  it('leaves macros and unknown names for the next step, then expands both', () => {
    expect(interpolateVariables('$__timeFilter(t) $nothing', ctx())).toBe('$__timeFilter(t) $nothing');
    expect(expandGrafanaSql('WHERE $__timeFilter(t) AND dc IN ($datacenter) -- $__interval', ctx({ datacenter: dc }))).toBe(
      "WHERE t BETWEEN '2026-11-18T10:00:00Z' AND '2026-11-25T10:30:15.25Z' AND dc IN ('fra1','o''hare') -- 60s",
    );
  });
});
