-- Grafana's stable interface (DESIGN.md "Data model"): read-only v_* views over the base tables, and a
-- NOLOGIN role virtcap_grafana that may read the views and nothing else. Views run with their owner's
-- rights, so the role needs no grant on any base table. Deploy-time login: docs/grafana.md.
--
-- Conventions shared by every view:
--   * revoked hosts (hosts.revoked_at set) are left out;
--   * datacenter / cluster come from the host labels of the same name, '(none)' when missing, so that
--     Grafana's multi-value "IN (...)" filter can select hosts without the label too;
--   * a host is stale when it has not reported for 3 hours (the agent reports hourly by default:
--     three missed reports), or never reported;
--   * v_hosts.board_vendor (and the views built on v_hosts) say '(unknown)' when DMI gave no board vendor,
--     for the same reason as '(none)'; firmware views keep the firmware table's strings as reported.

CREATE VIEW "v_hosts" AS
SELECT
    h.id AS host_id,
    h.hostname,
    h.machine_id,
    h.labels,
    COALESCE(NULLIF(h.labels ->> 'datacenter', ''), '(none)') AS datacenter,
    COALESCE(NULLIF(h.labels ->> 'cluster', ''), '(none)') AS cluster,
    h.hvm_status,
    h.hvm_vendor AS cpu_vendor,
    h.hap_status,
    h.iommu_status,
    h.iommu_kind,
    h.intremap_status,
    h.passthrough_status,
    h.sriov_status,
    h.acpi_dmar_status,
    h.acpi_ivrs_status,
    h.sriov_total_vfs,
    h.sriov_num_vfs,
    h.sriov_used_vfs,
    h.xen_version,
    h.agent_version,
    h.firmware_id,
    COALESCE(NULLIF(f.board_vendor, ''), '(unknown)') AS board_vendor,
    COALESCE(f.board_name, '') AS board_name,
    COALESCE(f.bios_vendor, '') AS bios_vendor,
    COALESCE(f.bios_version, '') AS bios_version,
    COALESCE(f.bios_date, '') AS bios_date,
    COALESCE(f.sys_vendor, '') AS sys_vendor,
    COALESCE(f.product_name, '') AS product_name,
    h.first_seen_at,
    h.last_seen_at,
    (h.last_seen_at IS NULL OR h.last_seen_at < now() - interval '3 hours') AS stale
FROM "hosts" h
LEFT JOIN "firmware" f ON f.id = h.firmware_id
WHERE h.revoked_at IS NULL;

-- One row per host and verdict key (long format), with the verdict's reasons joined into one text.
CREATE VIEW "v_host_verdicts" AS
SELECT
    h.host_id, h.hostname, h.datacenter, h.cluster, h.board_vendor, h.stale,
    v.verdict, v.status,
    COALESCE((SELECT string_agg(r.value, ' | ') FROM jsonb_array_elements_text(hv.verdicts -> v.json_key -> 'reasons') AS r(value)), '') AS reasons
FROM "v_hosts" h
JOIN "hosts" hv ON hv.id = h.host_id
CROSS JOIN LATERAL (VALUES
    ('hvm', 'hvm', h.hvm_status),
    ('hap', 'hap', h.hap_status),
    ('iommu', 'iommu', h.iommu_status),
    ('interruptRemapping', 'interruptRemapping', h.intremap_status),
    ('passthrough', 'passthrough', h.passthrough_status),
    ('sriov', 'sriov', h.sriov_status),
    ('acpiDmar', 'acpiDmar', h.acpi_dmar_status),
    ('acpiIvrs', 'acpiIvrs', h.acpi_ivrs_status)
) AS v(verdict, json_key, status);

-- Hosts per verdict key and status, fleet-wide (verdict keys as in the snapshot contract).
CREATE VIEW "v_fleet_summary" AS
SELECT v.verdict, v.status, count(*)::int AS hosts, count(*) FILTER (WHERE h.stale)::int AS stale_hosts
FROM "v_hosts" h
CROSS JOIN LATERAL (VALUES
    ('hvm', h.hvm_status), ('hap', h.hap_status), ('iommu', h.iommu_status),
    ('interruptRemapping', h.intremap_status), ('passthrough', h.passthrough_status),
    ('sriov', h.sriov_status), ('acpiDmar', h.acpi_dmar_status), ('acpiIvrs', h.acpi_ivrs_status)
) AS v(verdict, status)
GROUP BY v.verdict, v.status;

-- The same counts per host label (every label key/value a host carries, e.g. datacenter=fra1).
CREATE VIEW "v_fleet_by_label" AS
SELECT l.key AS label_key, l.value AS label_value, v.verdict, v.status, count(*)::int AS hosts
FROM "v_hosts" h
CROSS JOIN LATERAL jsonb_each_text(h.labels) AS l(key, value)
CROSS JOIN LATERAL (VALUES
    ('hvm', h.hvm_status), ('hap', h.hap_status), ('iommu', h.iommu_status),
    ('interruptRemapping', h.intremap_status), ('passthrough', h.passthrough_status),
    ('sriov', h.sriov_status), ('acpiDmar', h.acpi_dmar_status), ('acpiIvrs', h.acpi_ivrs_status)
) AS v(verdict, status)
GROUP BY l.key, l.value, v.verdict, v.status;

-- Capacity per datacenter, cluster, board vendor and CPU vendor: sum the columns over the groups a
-- dashboard selects. hvm_hap = HVM with hardware-assisted paging; passthrough_ready = passthrough "yes"
-- (IOMMU on and interrupt remapping on); risky is counted apart.
CREATE VIEW "v_capacity" AS
SELECT
    h.datacenter, h.cluster, h.board_vendor, COALESCE(h.cpu_vendor, 'unknown') AS cpu_vendor,
    count(*)::int AS hosts,
    count(*) FILTER (WHERE NOT h.stale)::int AS fresh_hosts,
    count(*) FILTER (WHERE h.hvm_status = 'yes')::int AS hvm_yes,
    count(*) FILTER (WHERE h.hvm_status = 'yes' AND h.hap_status = 'yes')::int AS hvm_hap,
    count(*) FILTER (WHERE h.hvm_status = 'disabled-by-firmware')::int AS hvm_disabled_by_firmware,
    count(*) FILTER (WHERE h.iommu_status = 'yes')::int AS iommu_yes,
    count(*) FILTER (WHERE h.iommu_status = 'yes' AND h.iommu_kind = 'vt-d')::int AS iommu_vtd,
    count(*) FILTER (WHERE h.iommu_status = 'yes' AND h.iommu_kind = 'amd-vi')::int AS iommu_amdvi,
    count(*) FILTER (WHERE h.iommu_status = 'disabled-by-firmware')::int AS iommu_disabled_by_firmware,
    count(*) FILTER (WHERE h.intremap_status = 'yes')::int AS intremap_yes,
    count(*) FILTER (WHERE h.passthrough_status = 'yes')::int AS passthrough_ready,
    count(*) FILTER (WHERE h.passthrough_status = 'risky')::int AS passthrough_risky,
    count(*) FILTER (WHERE h.sriov_status = 'ready')::int AS sriov_ready,
    count(*) FILTER (WHERE h.sriov_status = 'capable')::int AS sriov_capable
FROM "v_hosts" h
GROUP BY h.datacenter, h.cluster, h.board_vendor, COALESCE(h.cpu_vendor, 'unknown');

-- SR-IOV virtual functions per NIC model (PF vendor:device + name) and datacenter/cluster.
-- free_vfs = total - used (what could still be handed out, enabling more VFs if needed);
-- enabled_free_vfs = enabled (num) - used (ready right now).
CREATE VIEW "v_sriov_capacity" AS
SELECT
    h.datacenter, h.cluster, h.board_vendor,
    COALESCE(s.vendor_id, '?') || ':' || COALESCE(s.device_id, '?') AS nic_model,
    COALESCE(s.name, '') AS nic_name,
    count(DISTINCT s.host_id)::int AS hosts,
    count(*)::int AS physical_functions,
    sum(s.total_vfs)::int AS total_vfs,
    sum(s.num_vfs)::int AS enabled_vfs,
    sum(s.used_vfs)::int AS used_vfs,
    sum(GREATEST(s.total_vfs - s.used_vfs, 0))::int AS free_vfs,
    sum(GREATEST(s.num_vfs - s.used_vfs, 0))::int AS enabled_free_vfs
FROM "sriov_functions" s
JOIN "v_hosts" h ON h.host_id = s.host_id
GROUP BY h.datacenter, h.cluster, h.board_vendor, COALESCE(s.vendor_id, '?') || ':' || COALESCE(s.device_id, '?'), COALESCE(s.name, '');

-- Which board + BIOS ship broken or degraded DMAR/IVRS tables: current hosts per firmware, hosts whose
-- table is broken/degraded, the finding codes seen with this firmware, and when it was first/last seen.
CREATE VIEW "v_firmware_breakage" AS
SELECT
    f.id AS firmware_id,
    f.board_vendor, f.board_name, f.bios_vendor, f.bios_version, f.bios_date, f.sys_vendor, f.product_name,
    COALESCE(hs.hosts, 0) AS hosts,
    COALESCE(hs.dmar_broken, 0) AS dmar_broken_hosts,
    COALESCE(hs.dmar_degraded, 0) AS dmar_degraded_hosts,
    COALESCE(hs.ivrs_broken, 0) AS ivrs_broken_hosts,
    COALESCE(hs.ivrs_degraded, 0) AS ivrs_degraded_hosts,
    COALESCE(hs.acpi_bad, 0) AS broken_or_degraded_hosts,
    COALESCE(fs.codes, '') AS finding_codes,
    COALESCE(fs.errors, 0) AS error_findings,
    f.first_seen_at,
    hs.last_seen_at,
    CASE
        WHEN COALESCE(hs.dmar_broken, 0) + COALESCE(hs.ivrs_broken, 0) > 0 THEN 'broken'
        WHEN COALESCE(hs.acpi_bad, 0) > 0 THEN 'degraded'
        ELSE 'ok'
    END AS acpi_health
FROM "firmware" f
LEFT JOIN (
    SELECT
        h.firmware_id,
        count(*)::int AS hosts,
        count(*) FILTER (WHERE h.acpi_dmar_status = 'broken')::int AS dmar_broken,
        count(*) FILTER (WHERE h.acpi_dmar_status = 'degraded')::int AS dmar_degraded,
        count(*) FILTER (WHERE h.acpi_ivrs_status = 'broken')::int AS ivrs_broken,
        count(*) FILTER (WHERE h.acpi_ivrs_status = 'degraded')::int AS ivrs_degraded,
        count(*) FILTER (WHERE h.acpi_dmar_status IN ('broken', 'degraded') OR h.acpi_ivrs_status IN ('broken', 'degraded'))::int AS acpi_bad,
        max(h.last_seen_at) AS last_seen_at
    FROM "hosts" h
    WHERE h.revoked_at IS NULL AND h.firmware_id IS NOT NULL
    GROUP BY h.firmware_id
) hs ON hs.firmware_id = f.id
LEFT JOIN (
    SELECT
        a.firmware_id,
        string_agg(DISTINCT a.table_kind || ':' || a.code, ', ') AS codes,
        count(*) FILTER (WHERE a.severity = 'error')::int AS errors
    FROM "acpi_findings" a
    WHERE a.firmware_id IS NOT NULL
    GROUP BY a.firmware_id
) fs ON fs.firmware_id = f.id;

-- Drill-down: every DMAR/IVRS finding with its host and firmware.
CREATE VIEW "v_acpi_findings" AS
SELECT
    a.id AS finding_id,
    h.host_id, h.hostname, h.datacenter, h.cluster,
    COALESCE(a.firmware_id, h.firmware_id) AS firmware_id,
    COALESCE(f.board_vendor, '') AS board_vendor, COALESCE(f.board_name, '') AS board_name,
    COALESCE(f.bios_vendor, '') AS bios_vendor, COALESCE(f.bios_version, '') AS bios_version, COALESCE(f.bios_date, '') AS bios_date,
    a.table_kind, a.signature, a.table_sha256, a.code, a.severity, a.message, a.first_seen_at
FROM "acpi_findings" a
JOIN "v_hosts" h ON h.host_id = a.host_id
LEFT JOIN "firmware" f ON f.id = COALESCE(a.firmware_id, h.firmware_id);

-- VT-d/AMD-Vi (and VT-x/AMD-V) regressions after BIOS updates: the worker's bios_update_disabled_iommu
-- and bios_update_disabled_hvm events, with the firmware before and after from the two snapshots the
-- event compares (falling back to the firmware_changed event of the same snapshot), and whether the host
-- is still without the capability now.
CREATE VIEW "v_iommu_regressions" AS
SELECT
    e.id AS event_id,
    h.host_id, h.hostname, h.datacenter, h.cluster,
    e.type,
    CASE e.type WHEN 'bios_update_disabled_iommu' THEN 'iommu' ELSE 'hvm' END AS capability,
    e.severity, e.message,
    e.details ->> 'from' AS status_before,
    e.details ->> 'to' AS status_after,
    COALESCE(fa.board_vendor, fb.board_vendor, fc.details -> 'firmwareTo' ->> 'boardVendor', '') AS board_vendor,
    COALESCE(fa.board_name, fb.board_name, fc.details -> 'firmwareTo' ->> 'boardName', '') AS board_name,
    COALESCE(fb.bios_version, fc.details -> 'firmwareFrom' ->> 'biosVersion', split_part(e.details ->> 'firmwareFrom', '|', 2)) AS bios_version_before,
    COALESCE(fb.bios_date, fc.details -> 'firmwareFrom' ->> 'biosDate', split_part(e.details ->> 'firmwareFrom', '|', 3)) AS bios_date_before,
    COALESCE(fa.bios_version, fc.details -> 'firmwareTo' ->> 'biosVersion', split_part(e.details ->> 'firmwareTo', '|', 2)) AS bios_version_after,
    COALESCE(fa.bios_date, fc.details -> 'firmwareTo' ->> 'biosDate', split_part(e.details ->> 'firmwareTo', '|', 3)) AS bios_date_after,
    e.occurred_at,
    CASE e.type WHEN 'bios_update_disabled_iommu' THEN h.iommu_status <> 'yes' ELSE h.hvm_status <> 'yes' END AS still_disabled
FROM "events" e
JOIN "v_hosts" h ON h.host_id = e.host_id
LEFT JOIN "snapshots" sa ON sa.id = e.snapshot_id
LEFT JOIN "firmware" fa ON fa.id = sa.firmware_id
LEFT JOIN "snapshots" sb ON sb.id = e.prev_snapshot_id
LEFT JOIN "firmware" fb ON fb.id = sb.firmware_id
LEFT JOIN "events" fc ON fc.snapshot_id = e.snapshot_id AND fc.type = 'firmware_changed'
WHERE e.type IN ('bios_update_disabled_iommu', 'bios_update_disabled_hvm');

-- Alerts with their host, duration, the events behind them and notification outcomes.
CREATE VIEW "v_alert_timeline" AS
SELECT
    a.id AS alert_id,
    h.host_id, h.hostname, h.datacenter, h.cluster,
    a.kind, a.severity, a.state, a.summary, a.fired_at, a.resolved_at,
    EXTRACT(EPOCH FROM (COALESCE(a.resolved_at, now()) - a.fired_at))::bigint AS duration_seconds,
    (SELECT count(*)::int FROM "alert_events" ae WHERE ae.alert_id = a.id) AS events,
    (SELECT count(*)::int FROM "notification_deliveries" d WHERE d.alert_id = a.id AND d.status = 'delivered') AS notifications_delivered,
    (SELECT count(*)::int FROM "notification_deliveries" d WHERE d.alert_id = a.id AND d.status <> 'delivered') AS notifications_pending_or_failed
FROM "alerts" a
JOIN "v_hosts" h ON h.host_id = a.host_id;

-- Hosts that stopped reporting (see the stale rule at the top).
CREATE VIEW "v_stale_hosts" AS
SELECT
    h.host_id, h.hostname, h.datacenter, h.cluster, h.board_vendor, h.last_seen_at,
    CASE WHEN h.last_seen_at IS NULL THEN NULL ELSE EXTRACT(EPOCH FROM (now() - h.last_seen_at))::bigint END AS stale_seconds
FROM "v_hosts" h
WHERE h.stale;

-- Worker throughput per minute (ingest_stats) next to dead letters stored in the same minute.
CREATE VIEW "v_ingest_health" AS
SELECT
    m.minute AS "time",
    COALESCE(s.processed, 0) AS processed,
    COALESCE(s.changed, 0) AS changed,
    COALESCE(s.unchanged, 0) AS unchanged,
    COALESCE(s.out_of_order, 0) AS out_of_order,
    COALESCE(s.dead_lettered, 0) AS dead_lettered,
    COALESCE(d.stored, 0) AS dead_letters_stored
FROM (
    SELECT minute FROM "ingest_stats"
    UNION
    SELECT date_trunc('minute', created_at) FROM "dead_letters"
) m
LEFT JOIN "ingest_stats" s ON s.minute = m.minute
LEFT JOIN (
    SELECT date_trunc('minute', created_at) AS minute, count(*)::int AS stored FROM "dead_letters" GROUP BY 1
) d ON d.minute = m.minute;

-- The dead-letter queue as stored (payload left out: it may be large and is not for dashboards).
CREATE VIEW "v_dead_letters" AS
SELECT id AS dead_letter_id, snapshot_id, queue, reason, created_at FROM "dead_letters";

-- Per host: stored snapshots (only on change) and events, newest first when ordered by "at".
CREATE VIEW "v_host_history" AS
SELECT
    s.host_id, h.hostname, s.collected_at AS at, 'snapshot' AS kind, 'snapshot' AS type, 'info' AS severity,
    'Snapshot stored (something changed)' AS message,
    s.id AS snapshot_id,
    COALESCE(f.bios_version, '') AS bios_version,
    s.xen_version,
    s.verdicts -> 'hvm' ->> 'status' AS hvm_status,
    s.verdicts -> 'hap' ->> 'status' AS hap_status,
    s.verdicts -> 'iommu' ->> 'status' AS iommu_status,
    s.verdicts -> 'passthrough' ->> 'status' AS passthrough_status,
    s.verdicts -> 'sriov' ->> 'status' AS sriov_status,
    s.verdicts -> 'acpiDmar' ->> 'status' AS acpi_dmar_status,
    s.verdicts -> 'acpiIvrs' ->> 'status' AS acpi_ivrs_status
FROM "snapshots" s
JOIN "v_hosts" h ON h.host_id = s.host_id
LEFT JOIN "firmware" f ON f.id = s.firmware_id
UNION ALL
SELECT
    e.host_id, h.hostname, e.occurred_at, 'event', e.type, e.severity, e.message, e.snapshot_id,
    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL
FROM "events" e
JOIN "v_hosts" h ON h.host_id = e.host_id;

-- Per host: PCI devices with their passthrough readiness and SR-IOV numbers when the device is a PF.
CREATE VIEW "v_host_devices" AS
SELECT
    h.host_id, h.hostname, p.bdf, p.vendor_id, p.device_id, p.name, p.class_name, p.driver, p.flr,
    p.passthrough_status,
    s.total_vfs AS sriov_total_vfs, s.num_vfs AS sriov_num_vfs, s.used_vfs AS sriov_used_vfs
FROM "pci_devices" p
JOIN "v_hosts" h ON h.host_id = p.host_id
LEFT JOIN "sriov_functions" s ON s.host_id = p.host_id AND s.pf_bdf = p.bdf;

-- Firmware moves: the worker's firmware_changed events (written whenever the BIOS vendor|version|date|release
-- key changes between two reports), each paired with the stored snapshot it fired on and the host's previous
-- STORED snapshot (history is stored on every content change, and a firmware change is one; the event's own
-- prev_snapshot_id may name an unchanged report that was never stored). Only moves to a different BIOS version
-- count. Driving from the events (2 a year per host, not every snapshot) keeps the fleet-wide query small,
-- and a filter on the target firmware (the advisory API) goes firmware → snapshots_firmware_id_idx →
-- events_snapshot_id_type_key. Statuses before/after come from the two snapshots' verdicts.
CREATE VIEW "v_firmware_transitions" AS
SELECT
    n.host_id,
    n.id AS snapshot_id,
    o.id AS prev_snapshot_id,
    n.collected_at AS moved_at,
    fp.board_vendor AS board_vendor_before, fp.board_name AS board_name_before,
    fp.bios_vendor AS bios_vendor_before, fp.bios_version AS bios_version_before, fp.bios_date AS bios_date_before,
    fn.board_vendor, fn.board_name, fn.bios_vendor, fn.bios_version, fn.bios_date,
    o.verdicts -> 'hvm' ->> 'status' AS hvm_before, n.verdicts -> 'hvm' ->> 'status' AS hvm_after,
    o.verdicts -> 'hap' ->> 'status' AS hap_before, n.verdicts -> 'hap' ->> 'status' AS hap_after,
    o.verdicts -> 'iommu' ->> 'status' AS iommu_before, n.verdicts -> 'iommu' ->> 'status' AS iommu_after,
    o.verdicts -> 'acpiDmar' ->> 'status' AS dmar_before, n.verdicts -> 'acpiDmar' ->> 'status' AS dmar_after,
    o.verdicts -> 'acpiIvrs' ->> 'status' AS ivrs_before, n.verdicts -> 'acpiIvrs' ->> 'status' AS ivrs_after
FROM "events" e
JOIN "snapshots" n ON n.id = e.snapshot_id
JOIN "firmware" fn ON fn.id = n.firmware_id
CROSS JOIN LATERAL (
    SELECT p.id, p.firmware_id, p.verdicts
    FROM "snapshots" p
    WHERE p.host_id = n.host_id AND p.collected_at < n.collected_at
    ORDER BY p.collected_at DESC
    LIMIT 1
) o
LEFT JOIN "firmware" fp ON fp.id = o.firmware_id
WHERE e.type = 'firmware_changed' AND fp.bios_version IS DISTINCT FROM fn.bios_version;

-- Firmware advisory per board vendor/name + BIOS version: hosts that moved TO it, how many lost the IOMMU
-- (VT-d/AMD-Vi yes -> not yes), HVM or HAP (yes -> not yes), or got a broken DMAR/IVRS (not broken ->
-- broken); the versions they came from; and a verdict: 'regressions seen' when any host regressed, 'safe'
-- when at least 3 hosts moved without one, 'not enough data' otherwise.
CREATE VIEW "v_firmware_advisory" AS
WITH t AS (
    SELECT
        *,
        (iommu_before = 'yes' AND iommu_after IS DISTINCT FROM 'yes') AS lost_iommu,
        (hvm_before = 'yes' AND hvm_after IS DISTINCT FROM 'yes') AS lost_hvm,
        (hap_before = 'yes' AND hap_after IS DISTINCT FROM 'yes') AS lost_hap,
        ((dmar_before IS DISTINCT FROM 'broken' AND dmar_after = 'broken') OR (ivrs_before IS DISTINCT FROM 'broken' AND ivrs_after = 'broken')) AS broke_acpi
    FROM "v_firmware_transitions"
)
SELECT
    board_vendor, board_name, bios_version,
    string_agg(DISTINCT bios_vendor, ', ') AS bios_vendors,
    string_agg(DISTINCT bios_date, ', ') AS bios_dates,
    count(DISTINCT host_id)::int AS hosts_moved,
    count(DISTINCT host_id) FILTER (WHERE lost_iommu)::int AS hosts_lost_iommu,
    count(DISTINCT host_id) FILTER (WHERE lost_hvm)::int AS hosts_lost_hvm,
    count(DISTINCT host_id) FILTER (WHERE lost_hap)::int AS hosts_lost_hap,
    count(DISTINCT host_id) FILTER (WHERE broke_acpi)::int AS hosts_broke_acpi,
    count(DISTINCT host_id) FILTER (WHERE lost_iommu OR lost_hvm OR lost_hap OR broke_acpi)::int AS hosts_regressed,
    string_agg(DISTINCT COALESCE(bios_version_before, '(unknown)'), ', ') AS from_versions,
    min(moved_at) AS first_moved_at,
    max(moved_at) AS last_moved_at,
    CASE
        WHEN count(*) FILTER (WHERE lost_iommu OR lost_hvm OR lost_hap OR broke_acpi) > 0 THEN 'regressions seen'
        WHEN count(DISTINCT host_id) >= 3 THEN 'safe'
        ELSE 'not enough data'
    END AS verdict
FROM t
GROUP BY board_vendor, board_name, bios_version;

-- Read-only role for Grafana. Roles are cluster-wide and every (test) database applies this migration,
-- possibly at the same time: create it only when missing and tolerate a concurrent creator.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'virtcap_grafana') THEN
        CREATE ROLE virtcap_grafana NOLOGIN;
    END IF;
EXCEPTION
    WHEN duplicate_object OR unique_violation THEN NULL; -- another database's migration created it first
END
$$;

-- Dashboard queries are short aggregates whose cost estimates cross jit_above_cost on large fleets; the
-- JIT compile then costs more than the query (measured: 1.7 s of 2.2 s for v_firmware_advisory at 10k
-- hosts, docs/benchmarks.md). Role settings apply to sessions that log in as the role (Grafana's).
ALTER ROLE virtcap_grafana SET jit = off;

GRANT USAGE ON SCHEMA public TO virtcap_grafana;
-- SELECT on the v_* views only; no grant on any base table.
DO $$
DECLARE v record;
BEGIN
    FOR v IN SELECT viewname FROM pg_views WHERE schemaname = 'public' AND viewname LIKE 'v\_%' LOOP
        EXECUTE format('GRANT SELECT ON %I TO virtcap_grafana', v.viewname);
    END LOOP;
END
$$;
