import { defineConfig } from 'prisma/config';

// Prisma 7 reads the datasource URL from here (the CLI is used only for `generate`; migrations are
// applied by libs/db/src/migrate, see docs/ARCHITECTURE.md).
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/virtcap' },
});
