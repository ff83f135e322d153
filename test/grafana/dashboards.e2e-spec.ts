import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { parse } from 'yaml';
import { createTestDatabase, type TestDatabase } from '../../libs/db/src/testing/test-db';
import { expandGrafanaSql } from '../../tools/grafana/macros';
import { DASHBOARD_DIR, generateDashboards } from '../../tools/grafana/generate';
import type { Dashboard } from '../../tools/grafana/model';
import { runDashboard, type Row } from './grafana-runner';
import { seedFleet, type SeededFleet } from './seed-fleet';

// Every panel query and every alert-rule query from the COMMITTED JSON/YAML, expanded as Grafana does,
// run as the read-only role virtcap_grafana against a fleet seeded through the worker.
const root = process.cwd();
const files = Object.keys(generateDashboards());
const dashboards: Record<string, Dashboard> = Object.fromEntries(files.map((f) => [f, JSON.parse(readFileSync(join(root, DASHBOARD_DIR, f), 'utf8')) as Dashboard]));

interface RuleQuery { refId: string; datasourceUid: string; relativeTimeRange?: { from: number; to: number }; model: Record<string, unknown> }
interface Rule { uid: string; title: string; condition: string; data: RuleQuery[] }
const rules = (parse(readFileSync(join(root, 'deploy/grafana/provisioning/alerting/virtcap-rules.yaml'), 'utf8')) as { groups: Array<{ rules: Rule[] }> }).groups.flatMap((g) => g.rules);

let t: TestDatabase;
let fleet: SeededFleet;
let grafana: Client;
const results: Record<string, Map<string, Row[]>> = {};
const n = (v: unknown) => Number(v);
const panel = (file: string, title: string): Row[] => {
  const rows = results[file]?.get(title);
  if (!rows) throw new Error(`no panel ${title} in ${file}`);
  return rows;
};

beforeAll(async () => {
  t = await createTestDatabase();
  fleet = await seedFleet(t.db);
  grafana = new Client({ connectionString: t.url });
  await grafana.connect();
  await grafana.query('SET ROLE virtcap_grafana');
  // The worker counts ingest_stats by processing time, which can fall in the minute after fleet.now:
  // end the dashboards' time range when seeding ended, as Grafana's "now" would be.
  const seededUntil = new Date(Math.max(fleet.now.getTime(), Date.now()));
  for (const f of files) {
    const sel: Record<string, string> = f === 'host-detail.json' ? { host: fleet.hostIds['r730-01']! } : {};
    results[f] = await runDashboard(grafana, dashboards[f]!, seededUntil, sel);
  }
});

afterAll(async () => {
  await grafana?.end();
  await t?.drop();
});

describe('Grafana dashboards over the seeded fleet', () => {
  it('ran every panel query of every dashboard as virtcap_grafana, which cannot read base tables', async () => {
    const panels = files.reduce((s, f) => s + results[f]!.size, 0);
    expect(panels).toBe(files.reduce((s, f) => s + dashboards[f]!.panels.filter((p) => p.type !== 'row').length, 0));
    await expect(grafana.query('SELECT count(*) FROM hosts')).rejects.toThrow('permission denied for table hosts');
  });

  it('Fleet overview: host counts add up across verdicts, stale host counted', () => {
    const f = 'fleet-overview.json';
    expect(n(panel(f, 'Hosts')[0]!.hosts)).toBe(fleet.hostnames.length);
    expect(fleet.hostnames.length).toBe(9);
    expect(n(panel(f, 'Stale hosts')[0]!.stale)).toBe(1);
    const perVerdict = new Map<string, number>();
    for (const r of panel(f, 'Hosts per verdict and status')) perVerdict.set(String(r.verdict), (perVerdict.get(String(r.verdict)) ?? 0) + n(r.hosts));
    expect([...perVerdict.keys()].sort()).toEqual(['acpiDmar', 'acpiIvrs', 'hap', 'hvm', 'interruptRemapping', 'iommu', 'passthrough', 'sriov']);
    for (const total of perVerdict.values()) expect(total).toBe(9);
    const iommuPie: Record<string, number> = Object.fromEntries(panel(f, 'IOMMU status').map((r) => [String(r.status), n(r.hosts)]));
    // Every host but r730-01 reports hvm_directio (Qubes or Ryzen xl info); r730-01 lost VT-d (virt_caps without
    // hvm_directio, no table) and, with xl info alone and no boot log, Xen runs without an IOMMU: "no".
    expect(iommuPie.yes).toBe(8);
    expect(iommuPie.no).toBe(1);
    expect(Object.values(iommuPie).reduce((a, b) => a + b, 0)).toBe(9);
    expect(n(panel(f, 'Broken DMAR/IVRS')[0]!.acpi_broken)).toBe(2);
    expect(panel(f, 'Host list').map((r) => r.hostname)).toEqual(fleet.hostnames);
    const byLabel = panel(f, 'Verdicts per datacenter and cluster label').filter((r) => r.label_key === 'datacenter' && r.verdict === 'hvm');
    expect(byLabel.reduce((s, r) => s + n(r.hosts), 0)).toBe(9);
    const perMinute = panel(f, 'Snapshots processed per minute');
    expect(perMinute.reduce((s, r) => s + n(r.changed), 0)).toBe(14);
    expect(perMinute.reduce((s, r) => s + n(r.processed), 0)).toBe(19); // 19 reports seeded (14 changed, 5 unchanged), all counted in this minute
    expect(Object.keys(perMinute[0]!)).toEqual(['time', 'processed', 'changed', 'out_of_order', 'dead_lettered']);
  });

  it('Regressions & alerts: the BIOS update that disabled VT-d shows up, with versions and its alert', () => {
    const f = 'regressions-alerts.json';
    const reg = panel(f, 'BIOS updates that disabled VT-d/AMD-Vi or VT-x');
    expect(reg).toHaveLength(1);
    expect(reg[0]).toMatchObject({ hostname: 'r730-01', datacenter: 'fra1', cluster: 'c1', capability: 'iommu', status_before: 'yes', bios_version_before: '2.4.3', bios_version_after: '2.5.0', board_vendor: 'Dell Inc.', still_disabled: true });
    expect(n(panel(f, 'Regressions in range')[0]!.regressions)).toBe(1);
    expect(n(panel(f, 'Hosts still without the capability')[0]!.hosts)).toBe(1);
    expect(n(panel(f, 'Dead-letter queue')[0]!.dead_letters)).toBe(1);
    expect(panel(f, 'Dead letters').map((r) => r.queue)).toEqual(['snapshots']);
    expect(n(panel(f, 'Stale')[0]!.stale)).toBe(1);
    expect(panel(f, 'Stale hosts').map((r) => r.hostname)).toEqual(['gb-02']);
    const timeline = panel(f, 'Alert timeline');
    expect(timeline.some((r) => r.hostname === 'r730-01' && r.state === 'firing')).toBe(true);
    expect(n(panel(f, 'Firing alerts')[0]!.firing)).toBe(timeline.filter((r) => r.state === 'firing').length);
  });

  it('Firmware & ACPI health: the board whose IVRS is broken shows up with its hosts and findings', () => {
    const f = 'firmware-acpi-health.json';
    const breakage = panel(f, 'Board + BIOS → DMAR/IVRS health');
    const gb = breakage.find((r) => r.board_name === 'F2A78M-HD2');
    expect(gb).toMatchObject({ board_vendor: 'Gigabyte Technology Co., Ltd.', bios_version: 'F5', hosts: 2, ivrs_broken_hosts: 2, dmar_broken_hosts: 0, acpi_health: 'broken' });
    expect(String(gb!.finding_codes)).toMatch(/^IVRS:/);
    expect(breakage[0]!.board_name).toBe('F2A78M-HD2'); // most broken first
    expect(breakage.reduce((s, r) => s + n(r.hosts), 0)).toBe(9);
    expect(n(panel(f, 'Board + BIOS with broken tables')[0]!.firmware)).toBe(1);
    expect(panel(f, 'Hosts with broken or degraded DMAR/IVRS').map((r) => r.hostname)).toEqual(['gb-01', 'gb-02']);
    const findings = panel(f, 'Findings');
    expect(new Set(findings.map((r) => r.hostname))).toEqual(new Set(['gb-01', 'gb-02']));
    expect(findings.every((r) => r.table_kind === 'IVRS' && r.board_name === 'F2A78M-HD2')).toBe(true);
    const advisory = Object.fromEntries(panel(f, 'Firmware advisory: what happened to hosts that moved to a BIOS version').map((r) => [r.bios_version, r]));
    expect(advisory['2.5.0']).toMatchObject({ board_vendor: 'Dell Inc.', verdict: 'regressions seen', hosts_moved: 2, hosts_regressed: 1, hosts_lost_iommu: 1, from_versions: '2.4.3' });
    expect(advisory['2.4.4']).toMatchObject({ verdict: 'safe', hosts_moved: 3, hosts_regressed: 0, from_versions: '2.4.3' });
  });

  it('Firmware drill-down: selecting the Gigabyte vendor filters every table to it', async () => {
    const d = dashboards['firmware-acpi-health.json']!;
    const r = await runDashboard(grafana, d, fleet.now, { vendor: ['Gigabyte Technology Co., Ltd.'] });
    expect(r.get('Board + BIOS → DMAR/IVRS health')!.map((x) => x.board_name)).toEqual(['F2A78M-HD2']);
    expect(n(r.get('Hosts on the selected firmware')![0]!.hosts)).toBe(2);
    expect(r.get('Firmware advisory: what happened to hosts that moved to a BIOS version')).toEqual([]);
  });

  it('Capacity: HVM, passthrough and SR-IOV numbers, and a multi-value datacenter filter', async () => {
    const f = 'capacity.json';
    expect(n(panel(f, 'HVM hosts')[0]!.hvm_yes)).toBe(9);
    const perDc = panel(f, 'Capacity per datacenter and cluster');
    expect(perDc.map((r) => `${r.datacenter}/${r.cluster}:${n(r.hosts)}`)).toEqual(['ams1/c2:3', 'ams1/c3:2', 'fra1/c1:2', 'fra1/c2:2']);
    const nics = panel(f, 'SR-IOV VFs per NIC model');
    const cx4 = nics.find((r) => String(r.nic_name).includes('ConnectX-4 Lx'));
    expect([cx4!.total_vfs, cx4!.enabled_vfs, cx4!.used_vfs, cx4!.free_vfs].map(n)).toEqual([8, 4, 0, 8]);
    expect(n(panel(f, 'SR-IOV total VFs')[0]!.total_vfs)).toBe(nics.reduce((s, r) => s + n(r.total_vfs), 0));
    expect(n(panel(f, 'SR-IOV free VFs')[0]!.free_vfs)).toBe(nics.reduce((s, r) => s + n(r.free_vfs), 0));
    expect(n(panel(f, 'SR-IOV used VFs')[0]!.used_vfs)).toBeGreaterThanOrEqual(1); // the NVMe VF a guest holds
    const fra = await runDashboard(grafana, dashboards[f]!, fleet.now, { datacenter: ['fra1'] });
    expect(n(fra.get('HVM hosts')![0]!.hvm_yes)).toBe(4);
    expect(fra.get('Capacity per datacenter and cluster')!.map((r) => r.datacenter)).toEqual(['fra1', 'fra1']);
  });

  it('Host detail: verdicts with reasons, the BIOS update in the history', () => {
    const f = 'host-detail.json';
    expect(panel(f, 'Host')).toEqual([expect.objectContaining({ hostname: 'r730-01', bios_version: '2.5.0', board_name: '0WCJNT', stale: false })]);
    const verdicts = panel(f, 'Verdicts and reasons');
    expect(verdicts).toHaveLength(8);
    const iommu = verdicts.find((r) => r.verdict === 'iommu')!;
    expect(iommu.status).not.toBe('yes');
    expect(String(iommu.reasons).length).toBeGreaterThan(0);
    const history = panel(f, 'Changes (snapshots stored on change, and events)');
    expect(history.filter((r) => r.kind === 'snapshot').map((r) => r.bios_version)).toEqual(['2.5.0', '2.4.3']);
    expect(history.map((r) => r.type)).toEqual(expect.arrayContaining(['firmware_changed', 'bios_update_disabled_iommu', 'iommu_lost']));
    expect(panel(f, 'Alerts').length).toBeGreaterThanOrEqual(1);
  });
});

describe('Grafana alert rules over the seeded fleet', () => {
  /** Runs A (SQL), then B = reduce(last) per row and C = threshold, as the rule's expressions say. */
  async function evaluate(rule: Rule): Promise<Array<{ labels: Row; value: number; firing: boolean }>> {
    const a = rule.data.find((d) => d.datasourceUid === 'virtcap-pg')!;
    const b = rule.data.find((d) => d.model.type === 'reduce')!;
    const c = rule.data.find((d) => d.refId === rule.condition)!;
    expect(rule.data.every((d) => d.datasourceUid === 'virtcap-pg' || d.datasourceUid === '__expr__')).toBe(true);
    expect([b.model.expression, c.model.expression, b.model.reducer, c.model.type]).toEqual(['A', 'B', 'last', 'threshold']);
    const range = a.relativeTimeRange!;
    const sql = expandGrafanaSql(String(a.model.rawSql), { from: new Date(fleet.now.getTime() - range.from * 1000), to: new Date(fleet.now.getTime() - range.to * 1000), variables: {} });
    const { rows } = await grafana.query<Row>(sql);
    const ev = (c.model.conditions as Array<{ evaluator: { type: string; params: number[] } }>)[0]!.evaluator;
    expect(ev.type).toBe('gt');
    return rows.map((r) => {
      const { value, ...labels } = r;
      return { labels, value: n(value), firing: n(value) > ev.params[0]! };
    });
  }

  it('covers the four rules, all on virtcap-pg + expressions', () => {
    expect(rules.map((r) => r.uid).sort()).toEqual(['virtcap-bios-disabled-hvm', 'virtcap-bios-disabled-iommu', 'virtcap-dead-letters', 'virtcap-hosts-stale']);
  });

  it('VT-d/AMD-Vi disabled after a BIOS update fires for r730-01 only', async () => {
    const out = await evaluate(rules.find((r) => r.uid === 'virtcap-bios-disabled-iommu')!);
    expect(out).toEqual([{ labels: { hostname: 'r730-01', datacenter: 'fra1', cluster: 'c1', bios_version_before: '2.4.3', bios_version_after: '2.5.0' }, value: 1, firing: true }]);
  });

  it('VT-x disabled after a BIOS update has no data (nothing seeded) and stays OK', async () => {
    expect(await evaluate(rules.find((r) => r.uid === 'virtcap-bios-disabled-hvm')!)).toEqual([]);
  });

  it('hosts stale and dead-letter queue not empty fire with their counts', async () => {
    expect(await evaluate(rules.find((r) => r.uid === 'virtcap-hosts-stale')!)).toEqual([{ labels: {}, value: 1, firing: true }]);
    expect(await evaluate(rules.find((r) => r.uid === 'virtcap-dead-letters')!)).toEqual([{ labels: {}, value: 1, firing: true }]);
  });
});
