-- The worker's fast path for unchanged reports: sha256 of the raw evidence (or facts) + boot id + the
-- server's derivation version, as last stored for the host. A report with the same evidence hash is
-- unchanged without re-parsing; NULL (hosts stored before this column) falls back to the content hash.
ALTER TABLE "hosts" ADD COLUMN "evidence_hash" TEXT;
