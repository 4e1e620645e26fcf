// Configuration of the cold-load measurement (not part of the e2e suite, whose testDir is
// ../tests): the release server on its own port and data dir, one worker, the suite's Chromium.
//   cd e2e && npx playwright test -c measure/playwright.config.ts
// CONFAB_MEASURE_SERVER and CONFAB_MEASURE_DIST pick another build (to measure an older one).
import path from 'node:path';
import { defineConfig } from '@playwright/test';
import base from '../playwright.config';

const port = Number(process.env.CONFAB_MEASURE_PORT ?? 18090);
const server = process.env.CONFAB_MEASURE_SERVER ?? '../target/release/confab';
const dist = process.env.CONFAB_MEASURE_DIST ?? '../dist';

export default defineConfig({
  testDir: '.',
  testMatch: 'first-load.ts',
  outputDir: '../test-results/measure',
  timeout: 600_000,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: { ...base.use, baseURL: `http://127.0.0.1:${port}`, screenshot: 'off', trace: 'off' },
  webServer: {
    // Paths below are relative to e2e/, like the suite's.
    cwd: path.resolve(__dirname, '..'),
    command: `rm -rf measure/.data && exec ${server} --port ${port} --data-dir measure/.data --static-dir ${dist}`,
    url: `http://127.0.0.1:${port}/readyz`,
    timeout: 120_000,
    reuseExistingServer: false,
    gracefulShutdown: { signal: 'SIGTERM', timeout: 15_000 },
  },
});
