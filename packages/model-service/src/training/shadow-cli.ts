/**
 * `npm run shadow -- <version>` / `npm run shadow -- --off`: names the version the model service
 * scores beside the served one on every prediction (models/SHADOW), or stops it; recorded in
 * models/HISTORY.json. A running service picks the change up within seconds, without a restart.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { EXIT_DATA, EXIT_USAGE, PACKAGE_MODELS_DIR, UsageError, resolveFromCaller } from './cli-common.ts';
import { readCallerCwd } from './env.ts';
import { PACKAGE_CANDIDATES_DIR, readCurrent, shadowVersion, stopShadow, VersionNameSchema } from './versions.ts';

const USAGE = `Usage: npm run shadow -- <version> | --off [--models <dir>] [--candidates <dir>]

Shadows a version: the model service scores every prediction with it too and sends its label and
probabilities along (signed, stored with the review, never shown to the person), so the served
version (the champion) and this one (the challenger) can be compared on the same reviewed
traffic: npm run shadow-report -- --reviews <export.csv>.

  <version>            a version in models/ or a candidate (npm run models); a candidate is
                       copied into models/ so it can be committed and deployed
  --off                stop shadowing
  --models <dir>       models folder (default: the package's models/)
  --candidates <dir>   candidates folder (default: the package's .data/candidates/)

Writes models/SHADOW (removes it with --off) and appends to models/HISTORY.json. A running
service loads or unloads the shadow within seconds. Exit codes: 0 done, 1 no such version or
nothing to stop, 2 bad command line.`;

async function main(): Promise<number> {
  const callerCwd = readCallerCwd();
  let values;
  let version: string | undefined;
  try {
    let positionals;
    ({ values, positionals } = parseArgs({
      args: process.argv.slice(2),
      options: {
        off: { type: 'boolean', default: false },
        models: { type: 'string' },
        candidates: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: true,
    }));
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    if (values.off ? positionals.length !== 0 : positionals.length !== 1) throw new UsageError('name exactly one version, or --off alone');
    if (!values.off) {
      const parsed = VersionNameSchema.safeParse(positionals[0]);
      if (!parsed.success) throw new UsageError(`the version must be a plain folder name, got ${JSON.stringify(positionals[0])}`);
      version = parsed.data;
    }
  } catch (error) {
    console.error(`shadow: ${(error as Error).message}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  const modelsDir = values.models ? resolveFromCaller(values.models, callerCwd) : PACKAGE_MODELS_DIR;
  const candidatesDir = values.candidates ? resolveFromCaller(values.candidates, callerCwd) : PACKAGE_CANDIDATES_DIR;
  try {
    if (version === undefined) {
      const entry = await stopShadow(modelsDir, new Date());
      console.log(`Shadow off: ${entry.version} is no longer scored. Commit models/SHADOW (removed) and models/HISTORY.json.`);
      return 0;
    }
    const entry = await shadowVersion(modelsDir, candidatesDir, version, new Date());
    const current = await readCurrent(modelsDir);
    const folder = path.relative(process.cwd(), path.join(modelsDir, version)) || '.';
    console.log(
      `Shadowing ${version} beside ${current ?? '(no current version)'}${entry.from ? ` (was ${entry.from})` : ''}.` +
        `${entry.copied ? `\nCopied the candidate into ${folder}.` : ''}` +
        `\nA running service loads it within seconds; every prediction then carries its answer as "shadow".` +
        `\nCompare on reviewed traffic: npm run shadow-report -- --reviews <export.csv>. Stop: npm run shadow -- --off` +
        `\nTo shadow it on AWS: commit models/SHADOW, models/HISTORY.json${entry.copied ? ` and ${folder}` : ''}, then deploy.`,
    );
    return 0;
  } catch (error) {
    console.error(`shadow: ${(error as Error).message}`);
    return EXIT_DATA;
  }
}

process.exitCode = await main();
