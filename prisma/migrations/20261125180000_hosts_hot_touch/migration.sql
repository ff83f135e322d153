-- Every unchanged report moves hosts.last_seen_at (plus last_collected_at, last_snapshot_id, evidence_hash,
-- none indexed). While last_seen_at was indexed no such update could be HOT: each one wrote a new entry into
-- all 12 indexes of hosts (the GIN on labels too) and left 12 dead ones for vacuum. Without this index the
-- worker's touches are heap-only (HOT) updates; the readers of last_seen_at (the minute stale sweep, the
-- stale filter of the fleet API, v_hosts / v_stale_hosts) scan hosts instead, which has one row per host.
DROP INDEX "hosts_last_seen_at_idx";

-- HOT needs room for the new row version on the same page: keep 20% of each hosts page free.
ALTER TABLE "hosts" SET (fillfactor = 80);
