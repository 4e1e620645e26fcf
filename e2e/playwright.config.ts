// Playwright configuration: Debian's Chromium (no browser download), the real `confab` server
// with its own embedded PostgreSQL in a throwaway data dir, screenshots kept in artifacts/.
import { defineConfig } from '@playwright/test';
import { chromiumArgs, chromiumPath } from './chromium';

const port = Number(process.env.CONFAB_E2E_PORT ?? 18080);
const baseURL = `http://127.0.0.1:${port}`;
const server = process.env.CONFAB_E2E_SERVER ?? '../target/debug/confab';
// The built web app; another directory lets a run use its own build while others rebuild dist/.
const dist = process.env.CONFAB_E2E_DIST ?? '../dist';

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    baseURL,
    // The app follows the browser's language and dates its locale: the specs read British English
    // ("15 Jan 2030, 23:59") unless they choose another.
    locale: 'en-GB',
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: { executablePath: chromiumPath, args: chromiumArgs },
  },
  webServer: {
    // A fresh data dir per run (and per port, so runs on other ports never wipe this one's):
    // the embedded database starts empty.
    command: `rm -rf .data-${port} && exec ${server} --port ${port} --data-dir .data-${port} --static-dir ${dist}`,
    url: `${baseURL}/readyz`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    stderr: 'pipe',
    // SIGTERM lets the server stop its embedded PostgreSQL before exiting.
    gracefulShutdown: { signal: 'SIGTERM', timeout: 15_000 },
  },
});
