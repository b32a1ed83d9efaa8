import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

// One graphql module for the code under test and the libraries it hands GraphQL objects to
// (graphql-ws checks errors with instanceof), as under Node itself.
const graphql = createRequire(import.meta.url).resolve('graphql');

export default defineConfig({
  resolve: { alias: [{ find: /^graphql$/, replacement: graphql }] },
  test: {
    include: ['server/test/**/*.test.ts', 'client/sdk/test/**/*.test.ts', 'client/web/test/**/*.test.ts'],
    // The compiled server and the web app's build, once before all files.
    globalSetup: ['server/test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Each file starts its own servers on their own databases; files run in parallel.
    pool: 'forks',
    reporters: ['default'],
  },
});
