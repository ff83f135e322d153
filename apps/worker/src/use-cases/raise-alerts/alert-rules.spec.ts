import { describe, expect, it } from '@jest/globals';
import { computeVerdicts, compareSnapshots, toComparableState } from '../../../../../libs/verdicts/src';
import { completeFacts } from '../normalize-snapshot/derive-snapshot';
import { factsFor } from '../../../../../test/worker/snapshots';
import { planAlerts } from './alert-rules';

const state = (h: Parameters<typeof factsFor>[0]) => {
  const facts = completeFacts(factsFor(h));
  return toComparableState({ facts, verdicts: computeVerdicts(facts), bootId: h.bootId ?? 'b', collectedAt: '2026-01-01T00:00:00Z' });
};

describe('planAlerts', () => {
  it('a BIOS update that removes the DMAR table fires one critical bios_update_disabled_iommu (not iommu_lost)', () => {
    const prev = state({ bios: '2.10.2', iommu: true, bootId: 'a' });
    const next = state({ bios: '2.11.0', iommu: false, bootId: 'b' });
    expect(prev.statuses.iommu).toBe('yes');
    expect(next.statuses.iommu).toBe('disabled-by-firmware');
    const events = compareSnapshots(prev, next);
    const plan = planAlerts(events, next.statuses, []);
    expect(plan.fire.map((f) => [f.kind, f.severity, f.summary])).toEqual([['bios_update_disabled_iommu', 'critical', 'BIOS update disabled VT-d/AMD-Vi']]);
    expect(plan.fire[0]!.eventTypes).toEqual(['bios_update_disabled_iommu', 'firmware_changed']);
    expect(plan.resolve).toEqual([]);
  });

  it('IOMMU lost without a firmware change fires iommu_lost; coming back resolves it', () => {
    const a = state({ bios: '2.10.2', iommu: true });
    const b = state({ bios: '2.10.2', iommu: false });
    expect(planAlerts(compareSnapshots(a, b), b.statuses, []).fire.map((f) => f.kind)).toEqual(['iommu_lost']);
    const back = planAlerts(compareSnapshots(b, a), a.statuses, ['iommu_lost', 'host_stale']);
    expect(back.fire).toEqual([]);
    expect(back.resolve).toEqual([{ kind: 'iommu_lost', eventTypes: ['iommu_restored'] }]);
  });

  it('SR-IOV VFs going down fires sriov_vfs_dropped; VFs coming back resolves it', () => {
    const a = state({ bios: '1', iommu: true, numVfs: 8 });
    const b = state({ bios: '1', iommu: true, numVfs: 2 });
    expect(planAlerts(compareSnapshots(a, b), b.statuses, []).fire.map((f) => f.kind)).toEqual(['sriov_vfs_dropped']);
    expect(planAlerts(compareSnapshots(b, a), a.statuses, ['sriov_vfs_dropped']).resolve.map((r) => r.kind)).toEqual(['sriov_vfs_dropped']);
  });
});
