import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { dockerignoreMatcher, lintDockerfile } from './dockerfile.ts';
import { REPO_ROOT } from './evaluate.ts';

const DOCKERFILE = path.join(REPO_ROOT, 'packages/model-service/Dockerfile');
const DOCKERIGNORE = path.join(REPO_ROOT, 'packages/model-service/Dockerfile.dockerignore');
const original = fs.readFileSync(DOCKERFILE, 'utf8');

/** Lints a variant of the real Dockerfile with one line replaced; the replacement must apply. */
function lintVariant(search: string | RegExp, replacement: string): string[] {
  const variant = original.replace(search, replacement);
  assert.notEqual(variant, original, `variant did not change the Dockerfile (${String(search)})`);
  return lintDockerfile(variant).map((p) => p.message);
}

describe('model-service Dockerfile', () => {
  it('passes dockerfile-utils and every required property', () => {
    assert.deepEqual(lintDockerfile(original), []);
  });

  it('flags syntax errors found by dockerfile-utils', () => {
    const messages = lintVariant('EXPOSE 8080', 'EXPOSE eighty');
    assert.ok(
      messages.some((m) => m.startsWith('dockerfile-utils:')),
      messages.join('\n'),
    );
  });

  it('flags a musl (Alpine) base image', () => {
    const messages = lintVariant('ARG NODE_IMAGE=node:24-bookworm-slim', 'ARG NODE_IMAGE=node:24-alpine');
    assert.ok(
      messages.some((m) => m.includes('not glibc-based')),
      messages.join('\n'),
    );
  });

  it('flags a base image of another Node major than 24', () => {
    const messages = lintVariant('ARG NODE_IMAGE=node:24-bookworm-slim', 'ARG NODE_IMAGE=node:22-bookworm-slim');
    assert.ok(
      messages.some((m) => m.includes('is not Node 24')),
      messages.join('\n'),
    );
  });

  it('flags a final stage that runs as root', () => {
    assert.ok(lintVariant(/^USER node$/m, 'USER root').some((m) => m.includes('non-root USER')));
    assert.ok(lintVariant(/^USER node\n/m, '').some((m) => m.includes('non-root USER')));
  });

  it('flags a missing or curl-based HEALTHCHECK', () => {
    assert.ok(lintVariant(/^HEALTHCHECK[\s\S]*?\n(?=STOPSIGNAL)/m, '').some((m) => m.includes('no HEALTHCHECK')));
    const curl = lintVariant(/^HEALTHCHECK[\s\S]*?\n(?=STOPSIGNAL)/m, 'HEALTHCHECK CMD curl -f http://localhost:8080/readyz\n');
    assert.ok(
      curl.some((m) => m.includes('exec form')),
      curl.join('\n'),
    );
  });

  it('flags dev dependencies in the image', () => {
    const messages = lintVariant('npm ci --omit=dev', 'npm ci');
    assert.ok(
      messages.some((m) => m.includes('--omit=dev')),
      messages.join('\n'),
    );
  });

  it('flags an image without the model', () => {
    const messages = lintVariant(/^COPY packages\/model-service\/models models\n/m, '');
    assert.ok(
      messages.some((m) => m.includes('model is baked in')),
      messages.join('\n'),
    );
  });

  it('flags a single-stage build and a shell-form CMD', () => {
    const single = 'FROM node:24-bookworm-slim\nENV NODE_ENV=production HOST=0.0.0.0 PORT=8080\nUSER node\nEXPOSE 8080\nCMD node main.mjs\n';
    const messages = lintDockerfile(single).map((p) => p.message);
    assert.ok(
      messages.some((m) => m.includes('not multi-stage')),
      messages.join('\n'),
    );
    assert.ok(
      messages.some((m) => m.includes('exec-form CMD')),
      messages.join('\n'),
    );
  });
});

describe('dockerignore matcher (Docker semantics)', () => {
  const ignored = dockerignoreMatcher('**\n!package.json\n!packages/*/package.json\n!packages/core/src/**\n**/*.test.ts\n');

  it('re-includes only the listed paths, anchored at the context root', () => {
    assert.equal(ignored('package.json'), false);
    assert.equal(ignored('packages/web/package.json'), false);
    assert.equal(ignored('packages/core/src/index.ts'), false);
    assert.equal(ignored('packages/web/src/app.tsx'), true);
    assert.equal(ignored('packages/core/src/deep/nested/file.ts'), false);
    assert.equal(ignored('nested/package.json'), true);
  });

  it('lets a later pattern exclude again (last match wins)', () => {
    assert.equal(ignored('packages/core/src/text/normalize.test.ts'), true);
  });

  it('the model-service dockerignore keeps the context to what the Dockerfile copies', () => {
    const real = dockerignoreMatcher(fs.readFileSync(DOCKERIGNORE, 'utf8'));
    assert.equal(real('packages/model-service/src/main.ts'), false);
    assert.equal(real('packages/model-service/models/CURRENT'), false);
    assert.equal(real('packages/model-service/src/main.test.ts'), true);
    assert.equal(real('node_modules/koa/package.json'), true);
    assert.equal(real('shared/data/isear/train.csv'), true);
    assert.equal(real('.sst/platform/version'), true);
    assert.equal(real('packages/web/out/index.html'), true);
  });

  it('holds the `.sst` line SST would otherwise append on every deploy', () => {
    assert.ok(fs.readFileSync(DOCKERIGNORE, 'utf8').split('\n').includes('.sst'));
  });
});
