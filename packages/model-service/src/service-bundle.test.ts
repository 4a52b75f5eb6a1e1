import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { build } from 'esbuild';

const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** The `--alias:NAME=PATH` flags of the Dockerfile's esbuild step, so this test bundles exactly as the image does. */
function dockerfileAliases(): Record<string, string> {
  const dockerfile = readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8');
  const aliases = Object.fromEntries([...dockerfile.matchAll(/--alias:([^=\s]+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]));
  assert.ok(Object.keys(aliases).length > 0, 'the Dockerfile names no --alias');
  return aliases;
}

/** Source files esbuild pulls into a bundle of `entry`, as the Dockerfile bundles src/main.ts. */
async function bundledFiles(entry: string): Promise<string[]> {
  const result = await build({
    absWorkingDir: REPO_ROOT,
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    packages: 'external',
    alias: dockerfileAliases(),
    metafile: true,
    write: false,
    outfile: 'bundle.mjs',
    logLevel: 'silent',
  });
  return Object.keys(result.metafile.inputs);
}

const TRAINING_ONLY = /packages\/model-service\/(src\/training|experiments)\//;

describe('what the service image bundles (src/main.ts as the Dockerfile builds it)', () => {
  it('holds the serving and feature code and nothing from src/training or experiments', async () => {
    const files = await bundledFiles('packages/model-service/src/main.ts');
    assert.ok(
      files.some((f) => f.includes('model-service/src/serving/onnx-predictor.ts')),
      files.join('\n'),
    );
    assert.ok(
      files.some((f) => f.includes('model-service/src/features/featurizer.ts')),
      files.join('\n'),
    );
    assert.deepEqual(
      files.filter((f) => TRAINING_ONLY.test(f)),
      [],
    );
  });

  it('negative control: the train command bundles training code, so the check can see it', async () => {
    const files = await bundledFiles('packages/model-service/src/training/train-cli.ts');
    assert.ok(files.some((f) => TRAINING_ONLY.test(f)));
  });
});
