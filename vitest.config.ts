import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One moto_server for the whole run (real AWS wire calls); tests use unique names.
    globalSetup: ['./test/support/moto.globalSetup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
