import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { Api, ADMIN_TOKEN, bearer, enroll, startApi } from './harness';

// The read API over rows as the worker writes them (seeded here with SQL: the worker is another app).
let api: Api;
let reader: string;
const fwA = randomUUID(); // Supermicro X11DPL-i BIOS 2.1: DMAR ok
const fwB = randomUUID(); // Gigabyte F2A78M-HD2 BIOS F5: IVRS broken
const ids: Record<string, string> = {};

interface Seed {
  name: string;
  labels: Record<string, string>;
  fw: string | null;
  hvm: string;
  iommu: string;
  sriov: string;
  ivrs: string;
  seenMinutesAgo: number | null;
}
const HOSTS: Seed[] = [
  { name: 'xen-a1', labels: { datacenter: 'fra1', rack: 'r1' }, fw: fwA, hvm: 'yes', iommu: 'yes', sriov: 'ready', ivrs: 'absent', seenMinutesAgo: 5 },
  { name: 'xen-a2', labels: { datacenter: 'fra1', rack: 'r2' }, fw: fwA, hvm: 'yes', iommu: 'disabled-by-firmware', sriov: 'capable', ivrs: 'absent', seenMinutesAgo: 5 },
  { name: 'xen-b1', labels: { datacenter: 'ams2' }, fw: fwB, hvm: 'yes', iommu: 'yes', sriov: 'none', ivrs: 'broken', seenMinutesAgo: 600 },
  { name: 'xen-b2', labels: { datacenter: 'ams2' }, fw: fwB, hvm: 'no', iommu: 'no', sriov: 'unknown', ivrs: 'broken', seenMinutesAgo: 10 },
  { name: 'xen-c1', labels: { datacenter: 'fra1' }, fw: null, hvm: 'unknown', iommu: 'unknown', sriov: 'unknown', ivrs: 'unknown', seenMinutesAgo: null },
];

beforeAll(async () => {
  api = await startApi();
  const q = (sql: string, p: unknown[]) => api.tdb.db.pool.query(sql, p);
  await q(`INSERT INTO firmware (id, board_vendor, board_name, bios_vendor, bios_version, bios_date) VALUES
      ($1, 'Supermicro', 'X11DPL-i', 'American Megatrends Inc.', '2.1', '06/15/2018'),
      ($2, 'Gigabyte Technology Co., Ltd.', 'F2A78M-HD2', 'American Megatrends Inc.', 'F5', '01/17/2014')`, [fwA, fwB]);
  for (const h of HOSTS) {
    const id = randomUUID();
    ids[h.name] = id;
    const verdicts = { hvm: { status: h.hvm, reasons: [`HVM is ${h.hvm}`], evidence: [{ source: 'xl-info.txt', line: 12, text: 'virt_caps : pv hvm hvm_directio pv_directio hap shadow' }] } };
    await q(
      `INSERT INTO hosts (id, machine_id, hostname, labels, firmware_id, hvm_status, iommu_status, sriov_status, acpi_ivrs_status, acpi_dmar_status,
                          last_seen_at, verdicts)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, CASE WHEN $11::int IS NULL THEN NULL ELSE now() - make_interval(mins => $11::int) END, $12)`,
      [id, `machine-${h.name}`, h.name, JSON.stringify(h.labels), h.fw, h.hvm, h.iommu, h.sriov, h.ivrs, h.fw === fwA ? 'ok' : 'absent', h.seenMinutesAgo, JSON.stringify(verdicts)],
    );
  }
  const a1 = ids['xen-a1'];
  const s1 = randomUUID();
  const s2 = randomUUID();
  await q(`INSERT INTO pci_devices (host_id, bdf, vendor_id, device_id, name, flr, passthrough_status) VALUES ($1, '0000:3b:00.0', '15b3', '1015', 'MT27710 Family [ConnectX-4 Lx]', true, 'yes')`, [a1]);
  await q(`INSERT INTO sriov_functions (host_id, pf_bdf, name, total_vfs, num_vfs, used_vfs, flr) VALUES ($1, '0000:3b:00.0', 'ConnectX-4 Lx', 8, 4, 1, true)`, [a1]);
  await q(`INSERT INTO acpi_findings (host_id, table_kind, signature, code, severity, message) VALUES ($1, 'IVRS', 'IVRS', 'ivhd_missing_ioapic', 'error', 'no IOAPIC in IVHD')`, [ids['xen-b1']]);
  for (const [sid, mins] of [[s1, 120], [s2, 5]] as const) {
    await q(`INSERT INTO snapshots (id, host_id, collected_at, boot_id, content_hash, verdicts, facts) VALUES ($1, $2, now() - make_interval(mins => $3), 'boot-1', $4, '{}', '{}')`, [sid, a1, mins, `hash-${mins}`]);
  }
  const ev = await q(`INSERT INTO events (host_id, type, severity, message, snapshot_id, prev_snapshot_id, occurred_at) VALUES ($1, 'iommu_lost', 'critical', 'IOMMU went from yes to disabled-by-firmware', $2, $3, now()) RETURNING id`, [ids['xen-a2'], s2, s1]);
  const alertId = randomUUID();
  await q(`INSERT INTO alerts (id, host_id, kind, severity, state, summary, open_key) VALUES ($1, $2, 'iommu_lost', 'critical', 'firing', 'IOMMU lost on xen-a2', $3)`, [alertId, ids['xen-a2'], `${ids['xen-a2']}:iommu_lost`]);
  await q(`INSERT INTO alert_events (alert_id, event_id) VALUES ($1, $2)`, [alertId, ev.rows[0].id]);
  await q(`INSERT INTO alerts (id, host_id, kind, severity, state, summary, resolved_at) VALUES ($1, $2, 'hvm_lost', 'critical', 'resolved', 'HVM lost on xen-b2', now())`, [randomUUID(), ids['xen-b2']]);
  const t = await api.inject({ method: 'POST', url: '/v1/tokens', headers: bearer(ADMIN_TOKEN), payload: { role: 'reader', name: 'grafana' } });
  expect(t.statusCode).toBe(201);
  reader = t.json().token;
  expect(reader).toMatch(/^vct_/);
});
afterAll(async () => {
  await api?.close();
});

const get = (url: string, token = reader) => api.inject({ method: 'GET', url, headers: bearer(token) });
const names = (body: { items: { hostname: string }[] }) => body.items.map((h) => h.hostname);

describe('scopes and API tokens', () => {
  it('401 without or with an unknown token; 403 for a host token on read routes and for a reader on admin routes', async () => {
    expect((await api.inject({ method: 'GET', url: '/v1/hosts' })).statusCode).toBe(401);
    expect((await get('/v1/hosts', 'vct_nope')).statusCode).toBe(401);
    const agent = await enroll(api, 'm-scope');
    const asAgent = await get('/v1/hosts', agent.token);
    expect(asAgent.statusCode).toBe(403);
    expect(asAgent.json()).toEqual({ error: 'forbidden', message: 'this route needs a reader token; a host token was given' });
    const asReader = await api.inject({ method: 'POST', url: '/v1/tokens', headers: bearer(reader), payload: { role: 'admin', name: 'x' } });
    expect(asReader.statusCode).toBe(403);
    expect((await get('/v1/hosts', ADMIN_TOKEN)).statusCode).toBe(200);
  });

  it('an admin API token can issue tokens; a revoked token is 401 (404 for a second revoke); an expired one is 401', async () => {
    const adm = (await api.inject({ method: 'POST', url: '/v1/tokens', headers: bearer(ADMIN_TOKEN), payload: { role: 'admin', name: 'ops' } })).json();
    const r = await api.inject({ method: 'POST', url: '/v1/tokens', headers: bearer(adm.token), payload: { role: 'reader', name: 'temp' } });
    expect(r.statusCode).toBe(201);
    const temp = r.json();
    expect((await get('/v1/fleet/summary', temp.token)).statusCode).toBe(200);
    expect((await api.inject({ method: 'DELETE', url: `/v1/tokens/${temp.id}`, headers: bearer(adm.token) })).statusCode).toBe(204);
    expect((await get('/v1/fleet/summary', temp.token)).statusCode).toBe(401);
    expect((await api.inject({ method: 'DELETE', url: `/v1/tokens/${temp.id}`, headers: bearer(adm.token) })).statusCode).toBe(404);

    const soon = new Date(Date.now() + 1000).toISOString();
    const exp = (await api.inject({ method: 'POST', url: '/v1/tokens', headers: bearer(ADMIN_TOKEN), payload: { role: 'reader', name: 'short', expiresAt: soon } })).json();
    expect((await get('/v1/alerts', exp.token)).statusCode).toBe(200);
    await new Promise((res) => setTimeout(res, 1100));
    expect((await get('/v1/alerts', exp.token)).statusCode).toBe(401);
  });

  it('422 for a token request with a bad role', async () => {
    const res = await api.inject({ method: 'POST', url: '/v1/tokens', headers: bearer(ADMIN_TOKEN), payload: { role: 'root', name: 'x' } });
    expect(res.statusCode).toBe(422);
    expect(res.json().details[0].path).toBe('role');
  });
});

describe('GET /v1/fleet/summary', () => {
  it('counts hosts per status for every verdict key', async () => {
    const res = await get('/v1/fleet/summary');
    expect(res.statusCode).toBe(200);
    const s = res.json();
    // 5 seeded hosts + the one enrolled in the scopes test (all unknown, never reported).
    expect(s.hosts).toBe(6);
    expect(s.verdicts.hvm).toEqual({ yes: 3, no: 1, unknown: 2 });
    expect(s.verdicts.acpiIvrs).toEqual({ absent: 2, broken: 2, unknown: 2 });
    expect(Object.keys(s.verdicts).sort()).toEqual(['acpiDmar', 'acpiIvrs', 'hap', 'hvm', 'interruptRemapping', 'iommu', 'passthrough', 'sriov']);
  });
  it('filters by label', async () => {
    const s = (await get('/v1/fleet/summary?label.datacenter=fra1')).json();
    expect(s.hosts).toBe(3);
    expect(s.verdicts.iommu).toEqual({ yes: 1, 'disabled-by-firmware': 1, unknown: 1 });
  });
});

describe('GET /v1/hosts', () => {
  it('filters by verdicts, labels, firmware and staleness', async () => {
    expect(names((await get('/v1/hosts?hvm=yes&iommu=yes')).json())).toEqual(['xen-a1', 'xen-b1']);
    expect(names((await get('/v1/hosts?sriov=ready')).json())).toEqual(['xen-a1']);
    expect(names((await get('/v1/hosts?label.datacenter=fra1&label.rack=r2')).json())).toEqual(['xen-a2']);
    expect(names((await get('/v1/hosts?biosVersion=F5&boardName=F2A78M-HD2')).json())).toEqual(['xen-b1', 'xen-b2']);
    expect(names((await get('/v1/hosts?acpiIvrs=broken&hvm=no')).json())).toEqual(['xen-b2']);
    // VIRTCAP_STALE_AFTER defaults to 3h: xen-b1 (10 h ago) and the hosts never seen are stale.
    expect(names((await get('/v1/hosts?stale=true')).json())).toEqual(['h-m-scope', 'xen-b1', 'xen-c1']);
    const a1 = (await get('/v1/hosts?sriov=ready')).json().items[0];
    expect(a1).toMatchObject({ machineId: 'machine-xen-a1', labels: { datacenter: 'fra1', rack: 'r1' }, boardName: 'X11DPL-i', biosVersion: '2.1' });
    expect(a1.statuses).toMatchObject({ hvm: 'yes', iommu: 'yes', sriov: 'ready', acpiDmar: 'ok' });
  });

  it('400 naming the parameter and the allowed values for unknown values and parameters', async () => {
    const res = await get('/v1/hosts?hvm=maybe');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'bad_request', message: 'query parameter hvm="maybe" is not allowed; use one of: yes, no, disabled-by-firmware, unknown' });
    expect((await get('/v1/hosts?iomu=yes')).json().message).toBe('unknown query parameter iomu');
    expect((await get('/v1/hosts?limit=0')).statusCode).toBe(400);
    expect((await get('/v1/hosts?cursor=garbage')).json().message).toBe('query parameter cursor is not a cursor this API returned');
    expect((await get('/v1/firmware?acpi=fine')).statusCode).toBe(400);
    expect((await get('/v1/alerts?state=open')).json().message).toContain('firing, resolved');
  });

  it('paginates with an opaque cursor in hostname order, without gaps or repeats', async () => {
    const seen: string[] = [];
    let url = '/v1/hosts?limit=2';
    for (let page = 0; page < 10; page++) {
      const body = (await get(url)).json();
      expect(body.items.length).toBeLessThanOrEqual(2);
      seen.push(...names(body));
      if (!body.nextCursor) break;
      url = `/v1/hosts?limit=2&cursor=${encodeURIComponent(body.nextCursor)}`;
    }
    expect(seen).toEqual(['h-m-scope', 'xen-a1', 'xen-a2', 'xen-b1', 'xen-b2', 'xen-c1']);
  });

  it('exports CSV with a header row', async () => {
    const res = await get('/v1/hosts?format=csv&label.datacenter=ams2');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    const lines = res.body.trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'id,hostname,machineId,labels,lastSeenAt,boardVendor,boardName,biosVendor,biosVersion,biosDate,xenVersion,hvm,hap,iommu,interruptRemapping,passthrough,sriov,acpiDmar,acpiIvrs,sriovTotalVfs,sriovNumVfs,sriovUsedVfs',
    );
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain(`${ids['xen-b1']},xen-b1,machine-xen-b1,"{""datacenter"":""ams2""}",`);
    expect(lines[1]).toContain(',"Gigabyte Technology Co., Ltd.",F2A78M-HD2,American Megatrends Inc.,F5,01/17/2014,,yes,unknown,yes,unknown,unknown,none,absent,broken,0,0,0');
  });
});

describe('GET /v1/hosts/{id}', () => {
  it('returns verdicts with reasons and evidence, firmware, devices, SR-IOV, history and open alerts', async () => {
    const res = await get(`/v1/hosts/${ids['xen-a1']}`);
    expect(res.statusCode).toBe(200);
    const d = res.json();
    expect(d.host.hostname).toBe('xen-a1');
    expect(d.host.verdicts.hvm.reasons).toEqual(['HVM is yes']);
    expect(d.host.verdicts.hvm.evidence[0]).toEqual({ source: 'xl-info.txt', line: 12, text: 'virt_caps : pv hvm hvm_directio pv_directio hap shadow' });
    expect(d.firmware).toMatchObject({ boardName: 'X11DPL-i', biosVersion: '2.1' });
    expect(d.pciDevices).toEqual([expect.objectContaining({ bdf: '0000:3b:00.0', flr: true, passthroughStatus: 'yes' })]);
    expect(d.sriovFunctions).toEqual([expect.objectContaining({ pfBdf: '0000:3b:00.0', totalVfs: 8, numVfs: 4, usedVfs: 1 })]);
    expect(d.history.map((s: { contentHash: string }) => s.contentHash)).toEqual(['hash-5', 'hash-120']);
    const a2 = (await get(`/v1/hosts/${ids['xen-a2']}`)).json();
    expect(a2.events).toEqual([expect.objectContaining({ type: 'iommu_lost', severity: 'critical' })]);
    expect(a2.openAlerts).toEqual([expect.objectContaining({ kind: 'iommu_lost', state: 'firing' })]);
    expect((await get(`/v1/hosts/${ids['xen-b1']}`)).json().acpiFindings).toEqual([expect.objectContaining({ code: 'ivhd_missing_ioapic', tableKind: 'IVRS' })]);
  });
  it('404 for an unknown or malformed id', async () => {
    expect((await get(`/v1/hosts/${randomUUID()}`)).statusCode).toBe(404);
    const bad = await get('/v1/hosts/not-a-uuid');
    expect(bad.statusCode).toBe(404);
    expect(bad.json()).toEqual({ error: 'not_found', message: 'no host not-a-uuid' });
  });
});

describe('GET /v1/firmware and /v1/alerts', () => {
  it('lists firmware with host counts and DMAR/IVRS status counts; ?acpi=broken keeps the broken ones', async () => {
    const all = (await get('/v1/firmware')).json().items;
    expect(all.map((f: { boardName: string; hosts: number }) => [f.boardName, f.hosts])).toEqual([['F2A78M-HD2', 2], ['X11DPL-i', 2]]);
    expect(all[0].acpiIvrs).toEqual({ broken: 2 });
    expect(all[1].acpiDmar).toEqual({ ok: 2 });
    const broken = (await get('/v1/firmware?acpi=broken')).json().items;
    expect(broken.map((f: { biosVersion: string }) => f.biosVersion)).toEqual(['F5']);
  });
  it('lists alerts with the events behind them, filtered by state', async () => {
    const firing = (await get('/v1/alerts?state=firing')).json().items;
    expect(firing).toHaveLength(1);
    expect(firing[0]).toMatchObject({ kind: 'iommu_lost', hostname: 'xen-a2', state: 'firing' });
    expect(firing[0].events).toEqual([expect.objectContaining({ type: 'iommu_lost', message: 'IOMMU went from yes to disabled-by-firmware' })]);
    const resolved = (await get('/v1/alerts?state=resolved')).json().items;
    expect(resolved.map((a: { kind: string }) => a.kind)).toEqual(['hvm_lost']);
    expect(resolved[0].events).toEqual([]);
    expect((await get('/v1/alerts')).json().items).toHaveLength(2);
  });
});
