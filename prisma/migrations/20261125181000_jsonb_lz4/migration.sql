-- The worker writes these JSONB values on every change: the raw evidence (~34 KB for a real dom0) and the
-- derived facts and verdicts (~4 KB each, into both hosts and snapshots). Above ~2 KB PostgreSQL compresses
-- them; its default pglz took ~0.8 ms per evidence value here, lz4 ~0.3 ms (PostgreSQL 14+ built with lz4,
-- as the Debian and Docker packages are). Only values written from now on use lz4; older ones stay
-- readable as they are.
ALTER TABLE "snapshots" ALTER COLUMN "evidence" SET COMPRESSION lz4,
                        ALTER COLUMN "facts" SET COMPRESSION lz4,
                        ALTER COLUMN "verdicts" SET COMPRESSION lz4;
ALTER TABLE "hosts" ALTER COLUMN "facts" SET COMPRESSION lz4,
                    ALTER COLUMN "verdicts" SET COMPRESSION lz4;
