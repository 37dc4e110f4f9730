import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One moto_server for the whole run (real AWS wire calls); tests use unique names.
    // Real PostgreSQL and Redis servers for `medic wait-for` (from the Debian packages).
    globalSetup: ['./test/support/moto.globalSetup.ts', './test/support/services.globalSetup.ts'],
    setupFiles: ['./test/support/setup.ts'],
    // Handlers log through Powertools; keep test output readable.
    env: { POWERTOOLS_LOG_LEVEL: 'SILENT' },
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
