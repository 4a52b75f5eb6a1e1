/**
 * `npm run check:infra`: proves the SST configuration offline, in three steps.
 *
 * 1. `sst install` with the offline flags (writes `.sst/platform`; skipped when it is already there
 *    for SST {@link SST_VERSION}; `--install` forces it).
 * 2. `tsc -p infra/tsconfig.json`: `sst.config.ts` and `infra/*.ts` against SST's component types;
 *    `tsc -p infra/check/tsconfig.json`: this checker.
 * 3. Evaluates `run()` for the `production` and `dev` stages under Pulumi mocks and checks each
 *    resource graph with `checkGraph` (see assertions.ts). A graph is reused while none of the
 *    files it depends on changed (`evaluateCached`), so the tests that follow need not redo it.
 *
 * Exit code 0 when all pass, 1 with every problem listed otherwise. No AWS account or network
 * beyond the npm registry (for `sst install`) is used.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { promisify } from 'node:util';
import { checkGraph } from './assertions.ts';
import { ensureWebBuild, evaluateCached, REPO_ROOT, SST_VERSION, WEB_OUT } from './evaluate.ts';
import { inheritedEnv } from './env.ts';

const exec = promisify(execFile);

/** Environment that keeps the SST CLI from downloading Pulumi or Bun, or phoning home. */
export const SST_OFFLINE_ENV = { SST_SKIP_DEPENDENCY_CHECK: '1', SST_NO_BUN: '1', SST_TELEMETRY_DISABLED: '1' } as const;

/** Stages evaluated: the one that keeps data and one that does not. */
export const STAGES = ['production', 'dev'] as const;

function platformVersion(): string | null {
  const file = path.join(REPO_ROOT, '.sst', 'platform', 'version');
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : null;
}

async function step<T>(title: string, action: () => Promise<T>): Promise<T> {
  const started = Date.now();
  process.stdout.write(`• ${title} … `);
  try {
    const result = await action();
    process.stdout.write(`ok (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
    return result;
  } catch (error) {
    process.stdout.write('FAILED\n');
    throw error;
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { install: { type: 'boolean', default: false } } });

  if (values.install || platformVersion() !== SST_VERSION) {
    await step(`sst install (SST ${SST_VERSION}, offline flags)`, () =>
      exec(path.join(REPO_ROOT, 'node_modules', '.bin', 'sst'), ['install'], {
        cwd: REPO_ROOT,
        env: inheritedEnv({ ...SST_OFFLINE_ENV, SST_STAGE: 'ci' }),
        timeout: 600_000,
        maxBuffer: 64 * 1024 * 1024,
      }),
    );
    // A new platform means a new bundle.
    fs.rmSync(path.join(REPO_ROOT, '.sst', 'platform', '.check'), { recursive: true, force: true });
  } else {
    console.log(`• sst install: .sst/platform is SST ${SST_VERSION} already (--install to redo)`);
  }
  fs.mkdirSync(path.join(REPO_ROOT, '.sst', 'platform', '.check'), { recursive: true });

  const web = await step(`web export in ${WEB_OUT} (built when missing, as sst deploy would)`, () => ensureWebBuild());
  if (web === 'present') console.log(`  ${WEB_OUT} is there already`);

  // The type check and both evaluations are independent: run them side by side.
  const started = Date.now();
  console.log(`• tsc -p infra/tsconfig.json and run() under Pulumi mocks for ${STAGES.join(', ')} …`);
  const [typecheck, ...graphs] = await Promise.allSettled([
    exec(
      process.execPath,
      [
        path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'),
        '-p',
        'infra/tsconfig.json',
        '--incremental',
        '--tsBuildInfoFile',
        '.sst/platform/.check/infra.tsbuildinfo',
      ],
      {
        cwd: REPO_ROOT,
        maxBuffer: 16 * 1024 * 1024,
      },
    ),
    ...STAGES.map((stage) => evaluateCached({ stage })),
  ]);
  // The checker's own code (Node, not SST globals) has its own project.
  const checkerTypes = await exec(
    process.execPath,
    [path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'infra/check/tsconfig.json'],
    {
      cwd: REPO_ROOT,
      maxBuffer: 16 * 1024 * 1024,
    },
  ).then(
    () => null,
    (error: { stdout?: string; message?: string }) => error.stdout || error.message || 'failed',
  );
  console.log(`  done in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  let failures = 0;
  if (typecheck.status === 'rejected') {
    failures += 1;
    const error = typecheck.reason as { stdout?: string; message?: string };
    console.log(`  ✗ type check of sst.config.ts + infra/ failed:\n${error.stdout || error.message}`);
  } else {
    console.log('  ✓ type check of sst.config.ts + infra/ against .sst/platform/config.d.ts');
  }
  if (checkerTypes) {
    failures += 1;
    console.log(`  ✗ type check of infra/check failed:\n${checkerTypes}`);
  } else {
    console.log('  ✓ type check of infra/check');
  }
  graphs.forEach((result, index) => {
    const stage = STAGES[index]!;
    if (result.status === 'rejected') {
      failures += 1;
      console.log(`  ✗ ${stage}: evaluation crashed: ${result.reason instanceof Error ? result.reason.message : String(result.reason)}`);
      return;
    }
    const graph = result.value;
    const problems = checkGraph(graph);
    const counts = `${graph.resources.length} resources, ${graph.builds.length} functions built`;
    if (problems.length === 0) {
      console.log(`  ✓ ${stage}: ${counts}; every assertion holds`);
    } else {
      failures += problems.length;
      console.log(`  ✗ ${stage}: ${counts}; ${problems.length} problem(s):`);
      for (const problem of problems) console.log(`    - ${problem}`);
    }
    if (graph.unknownCalls.length > 0) console.log(`  note: provider calls answered generically: ${graph.unknownCalls.join(', ')}`);
  });
  return failures === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
