/**
 * Evaluates `sst.config.ts` offline: bundles SST's platform (from `.sst/platform`, written by
 * `sst install`) and the config with the esbuild that SST installs there, then runs the config's
 * `app()` and `run()` under Pulumi mocks in a child process (`evaluate-child.ts`) and returns the
 * registered resource graph.
 *
 * This leans on SST's internal layout (`src/components/index.ts`, `src/shim/run.js`,
 * `src/auto/run.ts`, the `$app`/`$cli` globals and the CLI RPC), so it is pinned to
 * {@link SST_VERSION} and refuses to run against another platform version.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { Graph } from './graph.ts';
import { inheritedEnv } from './env.ts';

const run = promisify(execFile);

/** The SST version this evaluator was written against (root devDependency `sst`). */
export const SST_VERSION = '4.17.1';

/** Repository root: two folders above this file. */
export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');

export interface EvaluateOptions {
  /** Stage name passed to `app()` and `$app.stage`. */
  stage: string;
  /** The config to evaluate; default `<root>/sst.config.ts`. */
  configFile?: string;
  /** Repository root (`$cli.paths.root`); default {@link REPO_ROOT}. */
  root?: string;
}

function platformDir(root: string): string {
  return path.join(root, '.sst', 'platform');
}

/** Throws with the fix when `.sst/platform` is missing or from another SST version. */
export function assertPlatform(root = REPO_ROOT): void {
  const versionFile = path.join(platformDir(root), 'version');
  if (!fs.existsSync(versionFile)) {
    throw new Error('.sst/platform is missing: run `npm run check:infra` (it runs `sst install` first)');
  }
  const version = fs.readFileSync(versionFile, 'utf8').trim();
  if (version !== SST_VERSION) {
    throw new Error(`.sst/platform is SST ${version}; this check is written for ${SST_VERSION}. Rerun \`sst install\`.`);
  }
}

async function loadEsbuild(root: string): Promise<typeof import('esbuild')> {
  const main = path.join(platformDir(root), 'node_modules', 'esbuild', 'lib', 'main.js');
  const mod = (await import(pathToFileURL(main).href)) as typeof import('esbuild') & { default?: typeof import('esbuild') };
  return mod.default ?? mod;
}

/**
 * Bundles SST's components, shim and `auto/run` into one ESM file inside `.sst/platform` (so its
 * packages resolve from `.sst/platform/node_modules`). Cached: rebuilt only when missing.
 */
async function bundlePlatform(root: string): Promise<string> {
  const dir = platformDir(root);
  const outfile = path.join(dir, '.check', `platform-${SST_VERSION}.mjs`);
  if (fs.existsSync(outfile)) return outfile;
  const esbuild = await loadEsbuild(root);
  // Evaluations run side by side (one process per stage): each bundles to its own temporary file and
  // the atomic rename lets the last identical bundle win, instead of two writers sharing one file.
  const tmpfile = `${outfile}.${process.pid}-${Math.random().toString(36).slice(2)}.tmp.mjs`;
  const entry = [
    `export * as pulumi from '@pulumi/pulumi';`,
    `export * as aws from '@pulumi/aws';`,
    `export * as sst from './src/components/index.ts';`,
    `export * as shim from './src/shim/run.js';`,
    `export { run } from './src/auto/run.ts';`,
    `export * as esbuild from 'esbuild';`,
  ].join('\n');
  await esbuild.build({
    stdin: { contents: entry, resolveDir: dir, loader: 'ts', sourcefile: 'check-entry.ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    outfile: tmpfile,
    packages: 'external',
    logLevel: 'error',
    banner: {
      // Some platform sources use require/__dirname; give the ESM bundle both.
      js: [
        `import { createRequire as __createRequire } from 'node:module';`,
        `import { fileURLToPath as __fileURLToPath } from 'node:url';`,
        `const require = __createRequire(import.meta.url);`,
        `const __filename = __fileURLToPath(import.meta.url);`,
        `const __dirname = __filename.slice(0, __filename.lastIndexOf('/'));`,
      ].join('\n'),
    },
  });
  fs.renameSync(tmpfile, outfile);
  return outfile;
}

/** Bundles the config (and the `infra/` files it imports) into one ESM file; it uses only globals. */
async function bundleConfig(root: string, configFile: string, outDir: string): Promise<string> {
  const esbuild = await loadEsbuild(root);
  const outfile = path.join(outDir, 'sst.config.mjs');
  await esbuild.build({
    entryPoints: [configFile],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    outfile,
    packages: 'external',
    logLevel: 'error',
  });
  return outfile;
}

/**
 * Evaluates one config for one stage and returns its resource graph. Never touches AWS: see
 * `evaluate-child.ts` for the mocks.
 *
 * @throws when `.sst/platform` is missing or the child process crashes (not for config errors:
 *   those are returned in `graph.errors`).
 */
export async function evaluate(options: EvaluateOptions): Promise<Graph> {
  const root = options.root ?? REPO_ROOT;
  assertPlatform(root);
  const configFile = options.configFile ?? path.join(root, 'sst.config.ts');
  const scratch = fs.mkdtempSync(path.join(platformDir(root), '.check', `eval-${options.stage}-`));
  try {
    const platform = await bundlePlatform(root);
    const config = await bundleConfig(root, configFile, scratch);
    const out = path.join(scratch, 'graph.json');
    const child = path.join(import.meta.dirname, 'evaluate-child.ts');
    try {
      await run(
        process.execPath,
        [child, '--platform', platform, '--config', config, '--stage', options.stage, '--root', root, '--work', scratch, '--out', out],
        {
          cwd: root,
          // Never let an evaluation reach out: no AWS credentials, and a bound on time.
          env: inheritedEnv({ AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: '', PULUMI_CONFIG_PASSPHRASE: 'check' }),
          timeout: 300_000,
          maxBuffer: 64 * 1024 * 1024,
        },
      );
    } catch (error) {
      const failure = error as { stderr?: string; message: string };
      const detail = (failure.stderr || failure.message).trim();
      // Pulumi turns exit 0 into 1 when promises are left pending; the graph is still written.
      if (!fs.existsSync(out)) throw new Error(`evaluating ${path.relative(root, configFile)} (stage ${options.stage}) crashed: ${detail}`);
      const graph = JSON.parse(fs.readFileSync(out, 'utf8')) as Graph;
      graph.errors.push(`evaluation did not finish cleanly: ${detail.split('\n')[0]}`);
      return graph;
    }
    return JSON.parse(fs.readFileSync(out, 'utf8')) as Graph;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** The static site's build output, which SST uploads (infra/web.ts). */
export const WEB_OUT = path.join('packages', 'web', 'out');

/**
 * Builds the web export when it is missing, as `sst deploy` would (its StaticSite runs the build;
 * under mocks nothing runs, and SST refuses a missing output folder).
 * @throws when the build fails.
 */
export async function ensureWebBuild(root = REPO_ROOT): Promise<'present' | 'built'> {
  if (fs.existsSync(path.join(root, WEB_OUT, 'index.html'))) return 'present';
  await run('npm', ['run', 'build', '-w', 'packages/web'], {
    cwd: root,
    env: inheritedEnv({ NEXT_TELEMETRY_DISABLED: '1' }),
    timeout: 600_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  return 'built';
}

/** Files whose content decides the graph: the config, infra/ (mocks included), the handlers, the lock. */
function fingerprint(root: string): string {
  const hash = createHash('sha256');
  const files: string[] = [];
  const walk = (dir: string) => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/\.(ts|json)$/.test(entry.name) && !entry.name.endsWith('.test.ts')) files.push(full);
    }
  };
  walk(path.join(root, 'infra'));
  walk(path.join(root, 'packages', 'functions', 'src'));
  files.push(
    path.join(root, 'sst.config.ts'),
    path.join(root, 'package-lock.json'),
    path.join(root, 'packages', 'model-service', 'Dockerfile.dockerignore'),
    path.join(platformDir(root), 'version'),
  );
  for (const file of files.sort()) {
    hash.update(path.relative(root, file)).update('\0');
    hash.update(fs.existsSync(file) ? fs.readFileSync(file) : 'missing').update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * {@link evaluate} for the repository's own config, reusing the graph of an earlier evaluation
 * when none of the files it depends on changed (kept in `.sst/platform/.check/graphs`). Lets
 * `check:infra` and its tests share one evaluation per stage.
 */
export async function evaluateCached(options: { stage: string; root?: string }): Promise<Graph> {
  const root = options.root ?? REPO_ROOT;
  assertPlatform(root);
  const dir = path.join(platformDir(root), '.check', 'graphs');
  const file = path.join(dir, `${options.stage}-${fingerprint(root)}.json`);
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as Graph;
  const graph = await evaluate({ stage: options.stage, root });
  fs.mkdirSync(dir, { recursive: true });
  for (const old of fs.readdirSync(dir).filter((name) => name.startsWith(`${options.stage}-`))) fs.rmSync(path.join(dir, old));
  fs.writeFileSync(file, JSON.stringify(graph));
  return graph;
}
