/**
 * `npm run rollback`: serves the version that was served before the current one (from
 * models/HISTORY.json) and records the rollback there.
 */
import { parseArgs } from 'node:util';
import { EXIT_DATA, EXIT_USAGE, PACKAGE_MODELS_DIR, resolveFromCaller } from './cli-common.ts';
import { readCallerCwd } from './env.ts';
import { rollbackVersion } from './versions.ts';

const USAGE = `Usage: npm run rollback [-- --models <dir>]

Makes the previously served version current again (models/CURRENT) and records it in
models/HISTORY.json. Repeating it steps further back through the promotions.

Exit codes: 0 done, 1 nothing to roll back to, 2 bad command line.`;

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: { models: { type: 'string' }, help: { type: 'boolean', short: 'h', default: false } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    console.error(`rollback: ${(error as Error).message}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const modelsDir = values.models ? resolveFromCaller(values.models, readCallerCwd()) : PACKAGE_MODELS_DIR;
  try {
    const entry = await rollbackVersion(modelsDir, new Date());
    console.log(
      `Rolled back: ${entry.version} is now models/CURRENT (was ${entry.from}); a running model service switches within seconds. Commit models/CURRENT and models/HISTORY.json.`,
    );
    return 0;
  } catch (error) {
    console.error(`rollback: ${(error as Error).message}`);
    return EXIT_DATA;
  }
}

process.exitCode = await main();
