import { Injectable } from '@nestjs/common';
import { Db } from '../db';

/** The question: what happened to hosts of this board that moved to this BIOS version? Exact strings as DMI reports them. */
export interface FirmwareAdvisoryQuery {
  boardVendor: string;
  boardName: string;
  biosVersion: string;
}

/** `safe` (3+ hosts moved, none regressed), `regressions seen` (any host regressed), `not enough data` (otherwise). */
export type FirmwareAdvisoryVerdict = 'safe' | 'regressions seen' | 'not enough data';

/**
 * One row of `v_firmware_advisory`: hosts seen moving TO the board + BIOS version (consecutive stored
 * snapshots whose firmware differs, or firmware_changed events), how many of them lost VT-d/AMD-Vi (IOMMU
 * yes → not yes), HVM or HAP (yes → not yes), or got a broken DMAR/IVRS table (not broken → broken), and
 * the BIOS versions they came from.
 */
export interface FirmwareAdvisoryRow {
  boardVendor: string;
  boardName: string;
  biosVersion: string;
  /** BIOS vendors and dates seen with this version (sorted). */
  biosVendors: string[];
  biosDates: string[];
  hostsMoved: number;
  hostsRegressed: number;
  hostsLostIommu: number;
  hostsLostHvm: number;
  hostsLostHap: number;
  hostsBrokeAcpi: number;
  /** Versions the hosts came from (sorted; "(unknown)" when the earlier snapshot had no firmware). */
  fromVersions: string[];
  firstMovedAt: Date;
  lastMovedAt: Date;
  verdict: FirmwareAdvisoryVerdict;
}

interface Raw {
  board_vendor: string;
  board_name: string;
  bios_version: string;
  bios_vendors: string;
  bios_dates: string;
  hosts_moved: number;
  hosts_regressed: number;
  hosts_lost_iommu: number;
  hosts_lost_hvm: number;
  hosts_lost_hap: number;
  hosts_broke_acpi: number;
  from_versions: string;
  first_moved_at: Date;
  last_moved_at: Date;
  verdict: FirmwareAdvisoryVerdict;
}

/** Reads the firmware advisory (`v_firmware_advisory`) for `GET /v1/firmware/advisory`. */
@Injectable()
export class FirmwareAdvisoryRepository {
  constructor(private readonly db: Db) {}

  /**
   * The advisory for one board + BIOS version, or null when no host has been seen moving to it (the API
   * answers "not enough data" then). Matching is exact: firmware strings are compared as stored (trimmed).
   */
  async advisory(q: FirmwareAdvisoryQuery): Promise<FirmwareAdvisoryRow | null> {
    const { rows } = await this.db.pool.query<Raw>(
      `SELECT board_vendor, board_name, bios_version, bios_vendors, bios_dates, hosts_moved, hosts_regressed, hosts_lost_iommu,
              hosts_lost_hvm, hosts_lost_hap, hosts_broke_acpi, from_versions, first_moved_at, last_moved_at, verdict
         FROM v_firmware_advisory WHERE board_vendor = $1 AND board_name = $2 AND bios_version = $3`,
      [q.boardVendor, q.boardName, q.biosVersion],
    );
    const r = rows[0];
    if (!r) return null;
    return {
      boardVendor: r.board_vendor,
      boardName: r.board_name,
      biosVersion: r.bios_version,
      biosVendors: r.bios_vendors.split(', '),
      biosDates: r.bios_dates.split(', '),
      hostsMoved: r.hosts_moved,
      hostsRegressed: r.hosts_regressed,
      hostsLostIommu: r.hosts_lost_iommu,
      hostsLostHvm: r.hosts_lost_hvm,
      hostsLostHap: r.hosts_lost_hap,
      hostsBrokeAcpi: r.hosts_broke_acpi,
      fromVersions: r.from_versions.split(', '),
      firstMovedAt: r.first_moved_at,
      lastMovedAt: r.last_moved_at,
      verdict: r.verdict,
    };
  }
}
