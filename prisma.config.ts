import { defineConfig } from 'prisma/config';

// Used by `prisma generate`. Migrations are applied by the server's own migrator
// (server/src/infra/migrator.ts), which keeps Prisma's folder format and bookkeeping.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
});
