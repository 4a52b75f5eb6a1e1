import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { inheritedEnv, readPredictionSecret } from './env.ts';
import { operatorToken } from './helpers.ts';

/** A second `npm start` stack, started by a test for settings the shared one must not have. */
export interface SecondStack {
  url: string;
  stop(): Promise<void>;
}

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

async function waitForReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the second stack exited with ${child.exitCode} before it was ready`);
    try {
      if ((await fetch(url, { signal: AbortSignal.timeout(2000) })).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the second stack was not ready within ${timeoutMs / 1000} s`);
}

/**
 * Starts `scripts/start.ts` on a free port with a fresh in-memory store, the web app the shared
 * stack already built (`WEB_BUILD=never`), the run's operator token and prediction secret, and
 * `env` on top (e.g. `BLIND_AUDIT_RATE=1`: the server, not the page, decides which predictions are blind).
 * Resolves once `/model/readyz` answers through its gateway.
 */
export async function startSecondStack(env: Record<string, string>, timeoutMs = 120_000): Promise<SecondStack> {
  const port = await freePort();
  const child = spawn(process.execPath, ['scripts/start.ts'], {
    cwd: resolve(import.meta.dirname, '..', '..'),
    env: {
      ...inheritedEnv(),
      PORT: String(port),
      HOST: '127.0.0.1',
      DYNAMO_IN_MEMORY: '1',
      WEB_BUILD: 'never',
      LOG_LEVEL: 'warn',
      OPERATOR_TOKEN: operatorToken(),
      PREDICTION_SECRET: readPredictionSecret(),
      RATE_LIMIT_PER_MINUTE: '100000',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitForReady(`${url}/model/readyz`, child, timeoutMs);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, stop };
}
