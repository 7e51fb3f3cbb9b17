// The example Playwright suite's settings: Debian's Chromium, never Playwright's own
// download, against the portal at TOKENDESK_URL (a server started with `serve --demo`).
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: './tests',
  globalSetup: './global-setup.ts',
  globalTeardown: './global-teardown.ts',
  fullyParallel: true,
  // Each worker owns demo tokens of its own (tests/demo.ts): at most six workers, since
  // the lifecycle and keyboard specs each take one of the twelve. Two by default.
  workers: Number(process.env.PLAYWRIGHT_WORKERS || 2),
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [['list'], ['html', { open: 'never' }]] : 'list',
  use: {
    baseURL: process.env.TOKENDESK_URL || 'http://127.0.0.1:8080',
    browserName: 'chromium',
    launchOptions: {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-dev-shm-usage'],
    },
    viewport: { width: 1280, height: 900 },
    trace: 'retain-on-failure',
  },
});
