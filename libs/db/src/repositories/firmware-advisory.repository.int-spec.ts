import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '../testing/test-db';
import { createSeeder, DAY, gigabyte, seedFleet, type SeededFleet } from '../../../../test/grafana/seed-fleet';
import { FirmwareAdvisoryRepository } from './firmware-advisory.repository';

// The fleet of test/grafana/seed-fleet.ts (worker path, corpus captures): Dell R730 board 0WCJNT moved
// 2.4.3 → 2.5.0 on two hosts (one lost VT-d) and 2.4.3 → 2.4.4 on three (nothing lost); here one Gigabyte
// F2A78M-HD2 also moves F5 → F6 (SYNTHETIC DMI strings, broken IVRS before and after).
let t: TestDatabase;
let fleet: SeededFleet;
let repo: FirmwareAdvisoryRepository;

beforeAll(async () => {
  t = await createTestDatabase();
  fleet = await seedFleet(t.db);
  const seeder = createSeeder(t.db);
  await seeder.report('gb-01', { datacenter: 'ams1', cluster: 'c3' }, gigabyte('F6'), new Date(fleet.now.getTime() + 60_000));
  await seeder.finish();
  repo = new FirmwareAdvisoryRepository(t.db);
});
afterAll(async () => {
  await t?.drop();
});

describe(FirmwareAdvisoryRepository.name, () => {
  it('a version that disabled VT-d on one of two hosts: regressions seen, with where they came from', async () => {
    const a = await repo.advisory({ boardVendor: 'Dell Inc.', boardName: '0WCJNT', biosVersion: '2.5.0' });
    expect(a).toMatchObject({
      boardVendor: 'Dell Inc.',
      boardName: '0WCJNT',
      biosVersion: '2.5.0',
      biosVendors: ['Dell Inc.'],
      biosDates: ['01/17/2017'],
      hostsMoved: 2,
      hostsRegressed: 1,
      hostsLostIommu: 1,
      hostsLostHvm: 0,
      hostsLostHap: 0,
      hostsBrokeAcpi: 0,
      fromVersions: ['2.4.3'],
      verdict: 'regressions seen',
    });
    expect(a!.firstMovedAt.getTime()).toBe(fleet.now.getTime() - 2 * DAY);
  });

  it('three hosts moved without a regression: safe', async () => {
    expect(await repo.advisory({ boardVendor: 'Dell Inc.', boardName: '0WCJNT', biosVersion: '2.4.4' })).toMatchObject({ hostsMoved: 3, hostsRegressed: 0, verdict: 'safe', fromVersions: ['2.4.3'] });
  });

  it('one host moved, nothing lost (the table was broken before too): not enough data', async () => {
    expect(await repo.advisory({ boardVendor: 'Gigabyte Technology Co., Ltd.', boardName: 'F2A78M-HD2', biosVersion: 'F6' })).toMatchObject({
      hostsMoved: 1,
      hostsRegressed: 0,
      hostsBrokeAcpi: 0,
      fromVersions: ['F5'],
      verdict: 'not enough data',
    });
  });

  it('null when no host was seen moving to the version (first versions, other boards, inexact strings)', async () => {
    expect(await repo.advisory({ boardVendor: 'Dell Inc.', boardName: '0WCJNT', biosVersion: '2.4.3' })).toBeNull();
    expect(await repo.advisory({ boardVendor: 'Gigabyte Technology Co., Ltd.', boardName: 'F2A78M-HD2', biosVersion: 'F5' })).toBeNull();
    expect(await repo.advisory({ boardVendor: 'dell inc.', boardName: '0WCJNT', biosVersion: '2.5.0' })).toBeNull();
  });
});
