import { defineConfig } from 'vitest/config';

// Integration tests start real nats-server / chDB / clickhouse-server / chromium
// processes; two cores means we keep file parallelism modest and timeouts generous.
export default defineConfig({
  test: {
    include: ['{engine,actors,adapters,api,bench}/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    globalSetup: ['engine/testing/global-setup.ts'],
  },
});
