import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { defineConfig } from '@playwright/test';

/**
 * Playwright drives Debian's Chromium (`npx playwright install` cannot download browsers here)
 * against the real local stack: `scripts/start.ts` on a free port with a fresh in-memory DynamoDB.
 * Env: `CHROMIUM_PATH` (default /usr/bin/chromium), `E2E_PORT` (default: a free port),
 * `UPDATE_SCREENSHOT=1` (scenario I also replaces docs/screenshot.png; `npm run screenshot -w e2e`).
 */
const repoRoot = resolve(import.meta.dirname, '..');

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? done(address.port) : fail(new Error('no port'))));
    });
  });
}

// The config is loaded again in every worker; workers inherit the environment, so the port picked
// here once is the one they all use.
process.env.E2E_PORT ??= String(await freePort());
const baseURL = `http://127.0.0.1:${process.env.E2E_PORT}`;
// Issue 7: the stack's operator token and prediction secret, fresh per run and shared with the
// workers the same way; the tests sign in with the token (helpers.ts).
process.env.E2E_OPERATOR_TOKEN ??= randomBytes(32).toString('base64url');
process.env.E2E_PREDICTION_SECRET ??= randomBytes(32).toString('base64url');

export default defineConfig({
  testDir: './tests',
  // One stack, one model-service process, two cores: tests run one at a time, in file order.
  workers: 1,
  fullyParallel: false,
  forbidOnly: true,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  outputDir: './test-results',
  // Read by tests as testInfo.config.metadata.
  metadata: { updateScreenshot: process.env.UPDATE_SCREENSHOT === '1' },
  use: {
    baseURL,
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    acceptDownloads: true,
    viewport: { width: 1280, height: 900 },
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      // Root needs --no-sandbox; the others keep Chromium off the (closed) network.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    },
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
  webServer: {
    command: 'node scripts/start.ts',
    cwd: repoRoot,
    // Ready only once the model service answers through the gateway.
    url: `${baseURL}/model/readyz`,
    env: {
      PORT: process.env.E2E_PORT,
      HOST: '127.0.0.1',
      DYNAMO_IN_MEMORY: '1',
      LOG_LEVEL: 'warn',
      OPERATOR_TOKEN: process.env.E2E_OPERATOR_TOKEN,
      PREDICTION_SECRET: process.env.E2E_PREDICTION_SECRET,
      // Every test comes from 127.0.0.1: the per-address limits would stop the suite (rate-limit.test.ts covers them).
      RATE_LIMIT_PER_MINUTE: '100000',
      // No blind-audit draws: these tests expect the model's answer on every prediction (the stack
      // passes the variable on to the model service).
      BLIND_AUDIT_RATE: '0',
    },
    // A first run builds the web app (about a minute on two cores).
    timeout: 240_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    stderr: 'pipe',
    gracefulShutdown: { signal: 'SIGTERM', timeout: 15_000 },
  },
});
