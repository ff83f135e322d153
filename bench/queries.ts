/**
 * Fleet query benchmark: `npm run bench:queries` (→ `node dist/bench/queries.js [--runs=20]`), run from the
 * project root with PostgreSQL up. In a throwaway migrated database it generates 10k simulated hosts with a
 * year of history, ANALYZEs, times the typical query on every v_* view (the ones the dashboards and the
 * advisory API run), then grows the fleet to 100k hosts and times them again; prints p50/p95 side by side and
 * the 100k/10k ratio of the p50s, then drops the database. Queries run as virtcap_grafana with jit = off, as
 * Grafana's sessions do.
 *
 * Simulated year per host (INSERT … SELECT generate_series, no per-row round trips): 8 stored snapshots
 * (history is stored only on change: ~monthly reboots/config changes that alter the content hash, of which two
 * are BIOS updates), one event per change (boot_changed; firmware_changed at the two BIOS updates; 1 host in
 * 200 loses VT-d at the second update → bios_update_disabled_iommu + a firing alert), 6 PCI devices, an SR-IOV
 * PF on 2 hosts in 3, DMAR/IVRS findings on two broken boards and 1 host in 41, 1% stale hosts; 30 days of
 * per-minute ingest_stats and 50 dead letters (not scaled with hosts). Firmware: 20 boards × 10 BIOS versions.
 */
import { randomBytes } from 'crypto';
import { resolve } from 'path';
import { Client } from 'pg';
import { migrate } from '../libs/db/src/migrate/migrate';
import { admin, dropDatabase, urlFor } from '../libs/db/src/testing/pg-admin';

const RUNS = Number(process.argv.find((a) => a.startsWith('--runs='))?.slice(7) ?? '20') || 20;
/** Per query and fleet size: stop early after this much time (at least 3 timed runs). */
const BUDGET_MS = 2500;

const SNAPSHOTS_PER_HOST = 8;

/** One "typical" query per view, as the dashboards (all variables = All) or the API run it. */
const QUERIES: Array<{ view: string; what: string; sql: string }> = [
  { view: 'v_fleet_summary', what: 'all verdict × status counts', sql: `SELECT * FROM v_fleet_summary` },
  { view: 'v_fleet_by_label', what: 'per datacenter label', sql: `SELECT * FROM v_fleet_by_label WHERE label_key = 'datacenter'` },
  { view: 'v_host_verdicts', what: 'fleet panel: counts in 3 datacenters', sql: `SELECT verdict, status, count(*) FROM v_host_verdicts WHERE datacenter IN ('dc1','dc2','dc3') GROUP BY 1, 2` },
  { view: 'v_hosts', what: 'host list page: iommu=yes in 2 DCs', sql: `SELECT host_id, hostname, datacenter, cluster, iommu_status, bios_version FROM v_hosts WHERE datacenter IN ('dc1','dc2') AND iommu_status = 'yes' ORDER BY hostname LIMIT 100` },
  { view: 'v_hosts', what: 'count HVM+HAP (stat panel)', sql: `SELECT count(*) FROM v_hosts WHERE hvm_status = 'yes' AND hap_status = 'yes'` },
  { view: 'v_capacity', what: 'sums per datacenter/cluster', sql: `SELECT datacenter, cluster, sum(hosts), sum(hvm_hap), sum(passthrough_ready), sum(sriov_ready) FROM v_capacity GROUP BY 1, 2` },
  { view: 'v_sriov_capacity', what: 'VFs per NIC model', sql: `SELECT nic_model, nic_name, sum(total_vfs), sum(used_vfs), sum(free_vfs) FROM v_sriov_capacity GROUP BY 1, 2` },
  { view: 'v_firmware_breakage', what: 'board + BIOS table', sql: `SELECT * FROM v_firmware_breakage WHERE hosts > 0 ORDER BY dmar_broken_hosts + ivrs_broken_hosts DESC` },
  { view: 'v_acpi_findings', what: 'findings of one board', sql: `SELECT hostname, bios_version, code, severity FROM v_acpi_findings WHERE board_name = 'board-05'` },
  { view: 'v_iommu_regressions', what: 'last 60 days', sql: `SELECT * FROM v_iommu_regressions WHERE occurred_at > now() - interval '60 days' ORDER BY occurred_at DESC` },
  { view: 'v_alert_timeline', what: 'firing alerts', sql: `SELECT * FROM v_alert_timeline WHERE state = 'firing' ORDER BY fired_at DESC LIMIT 1000` },
  { view: 'v_stale_hosts', what: 'count (alert rule)', sql: `SELECT count(*) AS value FROM v_stale_hosts` },
  { view: 'v_ingest_health', what: 'last 24 h per minute', sql: `SELECT floor(extract(epoch from "time")/60)*60 AS "time", sum(processed) FROM v_ingest_health WHERE "time" > now() - interval '24 hours' GROUP BY 1 ORDER BY 1` },
  { view: 'v_dead_letters', what: 'count (alert rule)', sql: `SELECT count(*) AS value FROM v_dead_letters` },
  { view: 'v_host_history', what: 'one host, a year', sql: `SELECT * FROM v_host_history WHERE host_id = md5('h42')::uuid ORDER BY at DESC` },
  { view: 'v_host_devices', what: 'one host', sql: `SELECT * FROM v_host_devices WHERE host_id = md5('h42')::uuid ORDER BY bdf` },
  { view: 'v_firmware_advisory', what: 'API: one board + BIOS', sql: `SELECT * FROM v_firmware_advisory WHERE board_vendor = 'Dell Inc.' AND board_name = 'board-00' AND bios_version = '1.9'` },
  { view: 'v_firmware_advisory', what: 'dashboard: all', sql: `SELECT * FROM v_firmware_advisory ORDER BY hosts_regressed DESC` },
];

const FIRMWARE_SQL = `
INSERT INTO firmware (id, board_vendor, board_name, bios_vendor, bios_version, bios_date)
SELECT md5('fw' || b || '-' || v)::uuid,
       (ARRAY['Dell Inc.', 'Supermicro', 'HPE', 'Lenovo', 'Gigabyte Technology Co., Ltd.'])[b % 5 + 1],
       'board-' || lpad(b::text, 2, '0'), 'AMI', '1.' || v, '01/' || lpad((v + 1)::text, 2, '0') || '/2026'
FROM generate_series(0, 19) b, generate_series(0, 9) v`;

// Board b is AMD when b is odd. Boards 5 (Intel? no: odd → AMD) and 6 ship broken tables at their newest BIOS.
const hostsSql = (a: number, b: number) => `
INSERT INTO hosts (id, machine_id, hostname, labels, last_seen_at, last_collected_at, firmware_id, xen_version, agent_version,
  hvm_status, hvm_vendor, hap_status, iommu_status, iommu_kind, intremap_status, passthrough_status, sriov_status,
  acpi_dmar_status, acpi_ivrs_status, sriov_total_vfs, sriov_num_vfs, sriov_used_vfs, content_hash, verdicts, facts)
SELECT md5('h' || i)::uuid, 'm' || i, 'host-' || lpad(i::text, 6, '0'),
  jsonb_build_object('datacenter', 'dc' || (i % 8), 'cluster', 'dc' || (i % 8) || '-c' || (i / 8 % 5), 'role', 'compute'),
  now() - CASE WHEN i % 100 = 0 THEN interval '5 hours' ELSE (i % 60) * interval '1 minute' END,
  now() - interval '1 day', md5('fw' || (i % 20) || '-' || (9 - i % 3))::uuid, '4.17.2', '0.1.0',
  s.hvm, CASE WHEN i % 20 % 2 = 1 THEN 'amd' ELSE 'intel' END, s.hap, s.iommu,
  CASE WHEN i % 20 % 2 = 1 THEN 'amd-vi' ELSE 'vt-d' END, s.intremap, s.passthrough, s.sriov, s.dmar, s.ivrs,
  CASE WHEN i % 3 < 2 THEN 64 ELSE 0 END, CASE WHEN i % 3 = 0 THEN 8 ELSE 0 END, CASE WHEN i % 3 = 0 THEN i % 5 ELSE 0 END,
  md5('c' || i), s.verdicts, '{}'::jsonb
FROM generate_series(${a}, ${b}) i
CROSS JOIN LATERAL (
  SELECT *, jsonb_build_object(
    'hvm', jsonb_build_object('status', hvm, 'reasons', jsonb_build_array('xl info: virt_caps lists hvm')),
    'hap', jsonb_build_object('status', hap, 'reasons', jsonb_build_array('xl info: virt_caps lists hap')),
    'iommu', jsonb_build_object('status', iommu, 'reasons', jsonb_build_array('xl info: virt_caps lists hvm_directio')),
    'interruptRemapping', jsonb_build_object('status', intremap, 'reasons', '[]'::jsonb),
    'passthrough', jsonb_build_object('status', passthrough, 'reasons', '[]'::jsonb),
    'sriov', jsonb_build_object('status', sriov, 'reasons', '[]'::jsonb, 'devices', '[]'::jsonb),
    'acpiDmar', jsonb_build_object('status', dmar, 'reasons', '[]'::jsonb, 'findings', '[]'::jsonb),
    'acpiIvrs', jsonb_build_object('status', ivrs, 'reasons', '[]'::jsonb, 'findings', '[]'::jsonb)) AS verdicts
  FROM (SELECT
    CASE WHEN i % 97 = 0 THEN 'disabled-by-firmware' ELSE 'yes' END AS hvm,
    CASE WHEN i % 50 = 0 THEN 'unknown' ELSE 'yes' END AS hap,
    CASE WHEN i % 200 = 0 THEN 'disabled-by-firmware' WHEN i % 53 = 0 THEN 'unknown' ELSE 'yes' END AS iommu,
    CASE WHEN i % 7 = 0 THEN 'unknown' ELSE 'yes' END AS intremap,
    CASE WHEN i % 200 = 0 THEN 'no' WHEN i % 7 = 0 THEN 'risky' ELSE 'yes' END AS passthrough,
    (ARRAY['ready', 'capable', 'none'])[i % 3 + 1] AS sriov,
    CASE WHEN i % 20 % 2 = 1 THEN 'absent' WHEN i % 20 = 6 AND i % 3 = 0 THEN 'broken' WHEN i % 41 = 0 THEN 'degraded' ELSE 'ok' END AS dmar,
    CASE WHEN i % 20 % 2 = 0 THEN 'absent' WHEN i % 20 = 5 AND i % 3 = 0 THEN 'broken' WHEN i % 41 = 0 THEN 'degraded' ELSE 'ok' END AS ivrs
  ) st
) s`;

// Snapshot k of host i: BIOS 1.(7 - i%3) for k < 3, 1.(8 - i%3) for k < 6, then the current one. Host i%200=0
// loses VT-d at the second update.
const historySql = (a: number, b: number) => [
  `INSERT INTO snapshots (id, host_id, collected_at, received_at, boot_id, content_hash, firmware_id, xen_version, agent_version, verdicts, facts)
   SELECT md5('s' || i || '-' || k)::uuid, md5('h' || i)::uuid, t.at, t.at, 'boot-' || k, md5('c' || i || '-' || k),
     md5('fw' || (i % 20) || '-' || (CASE WHEN k < 3 THEN 7 WHEN k < 6 THEN 8 ELSE 9 END - i % 3))::uuid, '4.17.2', '0.1.0',
     jsonb_build_object('hvm', jsonb_build_object('status', 'yes'), 'hap', jsonb_build_object('status', 'yes'),
       'iommu', jsonb_build_object('status', CASE WHEN i % 200 = 0 AND k >= 6 THEN 'disabled-by-firmware' ELSE 'yes' END),
       'acpiDmar', jsonb_build_object('status', CASE WHEN i % 20 % 2 = 1 THEN 'absent' ELSE 'ok' END),
       'acpiIvrs', jsonb_build_object('status', CASE WHEN i % 20 % 2 = 0 THEN 'absent' ELSE 'ok' END)),
     '{}'::jsonb
   FROM generate_series(${a}, ${b}) i, generate_series(0, ${SNAPSHOTS_PER_HOST - 1}) k,
   LATERAL (SELECT now() - interval '365 days' + k * interval '45 days' + (i % 1440) * interval '1 minute' AS at) t`,
  `INSERT INTO events (host_id, type, severity, message, details, snapshot_id, prev_snapshot_id, occurred_at)
   SELECT md5('h' || i)::uuid, e.type, e.sev, e.type, e.details, md5('s' || i || '-' || k)::uuid, md5('s' || i || '-' || (k - 1))::uuid,
     now() - interval '365 days' + k * interval '45 days' + (i % 1440) * interval '1 minute'
   FROM generate_series(${a}, ${b}) i, generate_series(1, ${SNAPSHOTS_PER_HOST - 1}) k,
   LATERAL (VALUES
     ('boot_changed', 'info', '{}'::jsonb, true),
     ('firmware_changed', 'info', jsonb_build_object('firmwareFrom', jsonb_build_object('biosVersion', '1.' || (CASE WHEN k = 3 THEN 7 ELSE 8 END - i % 3)),
        'firmwareTo', jsonb_build_object('biosVersion', '1.' || (CASE WHEN k = 3 THEN 8 ELSE 9 END - i % 3))), k IN (3, 6)),
     ('bios_update_disabled_iommu', 'critical', jsonb_build_object('from', 'yes', 'to', 'disabled-by-firmware'), k = 6 AND i % 200 = 0)
   ) e(type, sev, details, keep)
   WHERE e.keep`,
  `INSERT INTO pci_devices (host_id, bdf, vendor_id, device_id, name, driver, flr, passthrough_status)
   SELECT md5('h' || i)::uuid, '0000:0' || d || ':00.0', '8086', '15' || d || '2', 'Device ' || d, 'pciback', d % 2 = 0, 'yes'
   FROM generate_series(${a}, ${b}) i, generate_series(1, 6) d`,
  `INSERT INTO sriov_functions (host_id, pf_bdf, name, vendor_id, device_id, total_vfs, num_vfs, used_vfs)
   SELECT md5('h' || i)::uuid, '0000:01:00.0', CASE WHEN i % 2 = 0 THEN 'MT27710 Family [ConnectX-4 Lx]' ELSE 'Ethernet Controller X710' END,
     CASE WHEN i % 2 = 0 THEN '15b3' ELSE '8086' END, CASE WHEN i % 2 = 0 THEN '1015' ELSE '1572' END, 64,
     CASE WHEN i % 3 = 0 THEN 8 ELSE 0 END, CASE WHEN i % 3 = 0 THEN i % 5 ELSE 0 END
   FROM generate_series(${a}, ${b}) i WHERE i % 3 < 2`,
  `INSERT INTO acpi_findings (host_id, table_kind, signature, code, severity, message, firmware_id)
   SELECT md5('h' || i)::uuid, CASE WHEN i % 20 % 2 = 1 THEN 'IVRS' ELSE 'DMAR' END, CASE WHEN i % 20 % 2 = 1 THEN 'IVRS' ELSE 'DMAR' END,
     f.code, f.sev, f.code || ' on host ' || i, md5('fw' || (i % 20) || '-' || (9 - i % 3))::uuid
   FROM generate_series(${a}, ${b}) i,
   LATERAL (VALUES ('no-ioapic', 'error'), ('rmrr-overlap', 'warning')) f(code, sev)
   WHERE (i % 20 IN (5, 6) AND i % 3 = 0) OR (i % 41 = 0 AND f.code = 'rmrr-overlap')`,
  `INSERT INTO alerts (id, host_id, kind, severity, state, summary, open_key, fired_at)
   SELECT md5('a' || i)::uuid, md5('h' || i)::uuid, 'bios_update_disabled_iommu', 'critical', 'firing', 'VT-d lost', md5('h' || i) || ':bios', now() - interval '5 days'
   FROM generate_series(${a}, ${b}) i WHERE i % 200 = 0`,
];

const ONCE_SQL = [
  `INSERT INTO ingest_stats (minute, processed, changed, unchanged)
   SELECT date_trunc('minute', now()) - m * interval '1 minute', 1700, 20, 1680 FROM generate_series(0, 30 * 1440 - 1) m`,
  `INSERT INTO dead_letters (queue, reason, payload, created_at) SELECT 'snapshots', 'schema', '{}', now() - n * interval '1 hour' FROM generate_series(1, 50) n`,
];

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

const BULK_TABLES = ['snapshots', 'events', 'pci_devices', 'acpi_findings'];

/** Loads hosts [from, to] as a bulk import would: secondary indexes of the history tables dropped, then rebuilt. */
async function generate(c: Client, from: number, to: number): Promise<number> {
  const t0 = Date.now();
  const { rows: idx } = await c.query<{ indexname: string; indexdef: string }>(
    `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = ANY($1) AND indexname NOT LIKE '%\\_pkey'`,
    [BULK_TABLES],
  );
  for (const i of idx) await c.query(`DROP INDEX "${i.indexname}"`);
  await c.query(hostsSql(from, to));
  for (const sql of historySql(from, to)) await c.query(sql);
  for (const i of idx) await c.query(i.indexdef);
  await c.query('ANALYZE');
  return Date.now() - t0;
}

async function timeAll(c: Client): Promise<Array<{ p50: number; p95: number; runs: number; rows: number }>> {
  const out = [];
  for (const q of QUERIES) {
    const first = await c.query(q.sql); // warm-up (plan cache, buffers)
    const samples: number[] = [];
    const start = Date.now();
    while (samples.length < RUNS && (samples.length < 3 || Date.now() - start < BUDGET_MS)) {
      const t = process.hrtime.bigint();
      await c.query(q.sql);
      samples.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    out.push({ p50: pct(samples, 50), p95: pct(samples, 95), runs: samples.length, rows: first.rowCount ?? 0 });
  }
  return out;
}

async function main(): Promise<void> {
  const name = `virtcap_bench_queries_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  const url = urlFor(name);
  const t0 = Date.now();
  const c = new Client({ connectionString: url, application_name: 'virtcap-bench-queries' });
  try {
    await migrate(url, resolve('prisma/migrations'));
    await c.connect();
    await c.query(FIRMWARE_SQL);
    for (const sql of ONCE_SQL) await c.query(sql);
    const gen10 = await generate(c, 1, 10_000);
    const counts = async () => (await c.query<{ n: string; t: string }>(`SELECT (SELECT count(*) FROM snapshots) AS n, (SELECT count(*) FROM events) AS t`)).rows[0]!;
    const c10 = await counts();
    console.log(`10k hosts: generated in ${(gen10 / 1000).toFixed(1)} s (${c10.n} snapshots, ${c10.t} events)`);
    // Query as Grafana does: the read-only role, with the session settings its login gets (jit = off, set on the
    // role by the views migration; SET ROLE alone does not apply role settings).
    await c.query('SET ROLE virtcap_grafana');
    await c.query('SET jit = off');
    const at10 = await timeAll(c);
    await c.query('RESET ROLE');
    const gen100 = await generate(c, 10_001, 100_000);
    const c100 = await counts();
    console.log(`100k hosts: +90k generated in ${(gen100 / 1000).toFixed(1)} s (${c100.n} snapshots, ${c100.t} events)`);
    await c.query('SET ROLE virtcap_grafana');
    const at100 = await timeAll(c);
    await c.query('RESET ROLE');
    const { rows } = await c.query<{ size: string }>(`SELECT pg_size_pretty(pg_database_size(current_database())) AS size`);
    const f = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(1));
    console.log(`\nruns per query: up to ${RUNS} (at least 3; stops after ${BUDGET_MS / 1000} s). Database size at 100k: ${rows[0]!.size}.\n`);
    console.log('| view | typical query | rows 10k / 100k | p50 10k (ms) | p95 10k (ms) | p50 100k (ms) | p95 100k (ms) | runs 100k | 100k/10k (p50) |');
    console.log('|---|---|---|---|---|---|---|---|---|');
    QUERIES.forEach((q, i) => {
      const a = at10[i]!;
      const b = at100[i]!;
      console.log(`| ${q.view} | ${q.what} | ${a.rows} / ${b.rows} | ${f(a.p50)} | ${f(a.p95)} | ${f(b.p50)} | ${f(b.p95)} | ${b.runs} | ${(b.p50 / a.p50).toFixed(1)}× |`);
    });
    console.log(`\ntotal ${(Date.now() - t0) / 1000} s`);
  } finally {
    await c.end().catch(() => undefined); // the database is dropped next anyway
    await dropDatabase(name);
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
