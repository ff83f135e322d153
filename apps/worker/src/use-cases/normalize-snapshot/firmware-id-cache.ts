import type { FirmwareIdentity } from '../../../../../libs/db/src/repositories/snapshot-write.repository';

const key = (f: FirmwareIdentity): string =>
  JSON.stringify([f.boardVendor, f.boardName, f.biosVendor, f.biosVersion, f.biosDate, f.sysVendor, f.productName]);

/**
 * Ids of firmware identities this process has seen COMMITTED, so a changed snapshot on a known board +
 * BIOS skips the upsert round trip. An id learned inside a transaction is only remembered once that
 * transaction committed (a rolled-back insert leaves no row); any rollback also forgets everything, so
 * a firmware row deleted by hand costs one failed attempt, and the retry upserts it again. Firmware
 * identities are few (boards × BIOS versions); past `max` the cache starts over.
 */
export class FirmwareIdCache {
  private readonly ids = new Map<string, string>();
  private readonly inFlight = new Map<object, Array<[string, string]>>();

  constructor(private readonly max = 10_000) {}

  get(f: FirmwareIdentity): string | undefined {
    return this.ids.get(key(f));
  }

  /** `id` was read or written in the transaction of `tx`; remembered if that transaction commits. */
  pending(tx: object, f: FirmwareIdentity, id: string): void {
    const list = this.inFlight.get(tx) ?? [];
    list.push([key(f), id]);
    this.inFlight.set(tx, list);
  }

  committed(tx: object): void {
    const list = this.inFlight.get(tx);
    this.inFlight.delete(tx);
    if (!list) return;
    if (this.ids.size + list.length > this.max) this.ids.clear();
    for (const [k, id] of list) this.ids.set(k, id);
  }

  rolledBack(tx: object): void {
    this.inFlight.delete(tx);
    this.ids.clear();
  }
}
