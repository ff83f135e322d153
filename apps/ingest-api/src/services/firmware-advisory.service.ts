import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { FirmwareAdvisoryRepository, type FirmwareAdvisoryRow } from '../../../../libs/db/src/repositories/firmware-advisory.repository';
import { ApiError } from '../common/api-error';

const AdvisoryQuery = z.object({
  boardVendor: z.string().min(1).max(256),
  boardName: z.string().min(1).max(256),
  biosVersion: z.string().min(1).max(256),
});

/** The advisory; the moved-at times are null when no host has moved to the version yet. */
export type FirmwareAdvisory = Omit<FirmwareAdvisoryRow, 'firstMovedAt' | 'lastMovedAt'> & { firstMovedAt: Date | null; lastMovedAt: Date | null };

/**
 * Gate a firmware roll-out on the fleet's own history: did hosts of this board that moved to this BIOS
 * version lose VT-d/AMD-Vi, HVM or HAP, or get broken DMAR/IVRS tables? (`v_firmware_advisory`)
 */
@Injectable()
export class FirmwareAdvisoryService {
  constructor(private readonly repo: FirmwareAdvisoryRepository) {}

  async advisory(query: Record<string, unknown>): Promise<FirmwareAdvisory> {
    const parsed = AdvisoryQuery.safeParse(query);
    if (!parsed.success) {
      const fields = parsed.error.issues.map((i) => i.path.join('.')).join(', ');
      throw new ApiError('bad_request', `boardVendor, boardName and biosVersion are required query parameters (missing or invalid: ${fields})`);
    }
    const row = await this.repo.advisory(parsed.data);
    if (row) return row;
    // Nobody in the fleet has moved to this version yet.
    return {
      ...parsed.data,
      biosVendors: [],
      biosDates: [],
      hostsMoved: 0,
      hostsRegressed: 0,
      hostsLostIommu: 0,
      hostsLostHvm: 0,
      hostsLostHap: 0,
      hostsBrokeAcpi: 0,
      fromVersions: [],
      firstMovedAt: null,
      lastMovedAt: null,
      verdict: 'not enough data',
    };
  }
}
