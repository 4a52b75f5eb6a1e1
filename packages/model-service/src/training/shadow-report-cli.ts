/**
 * `npm run shadow-report -- --reviews <export.csv>`: champion vs challenger on the reviewed
 * traffic. For every review that carries a shadow answer, the served version's label
 * (`predicted_label`) and the shadow's (`shadow_label`) are scored against the person's label, on
 * the same rows, with the promote gate's paired statistics.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { EXIT_DATA, EXIT_USAGE, UsageError, resolveFromCaller } from './cli-common.ts';
import { readCallerCwd } from './env.ts';
import { formatComparison, verdictLine } from './gate.ts';
import { compareGroup, groupShadowReviews } from './shadow-report.ts';

const USAGE = `Usage: npm run shadow-report -- --reviews <export.csv> [--json]

Champion vs challenger on the reviewed traffic: reads the app's export (GET /api/getcsv, columns
label, predicted_label, model_version, shadow_model_version, shadow_label) and, for each pair of
served version and shadow version, scores both against the person's label on the same reviews:
accuracy, macro-F1, per-label F1, confusion matrices, n, the paired-bootstrap 95% interval of each
difference and McNemar's exact p-value. Reviews without a shadow answer are counted, not scored.

  --reviews <csv>   the export (comma or semicolon separated)
  --json            print the figures as JSON

Exit codes: 0 done, 1 unreadable file or missing columns, 2 bad command line.`;

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: { reviews: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
      strict: true,
      allowPositionals: false,
    }));
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    if (!values.reviews) throw new UsageError('--reviews <csv> is required');
  } catch (error) {
    console.error(`shadow-report: ${(error as Error).message}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  const file = resolveFromCaller(values.reviews, readCallerCwd());
  let result;
  try {
    result = groupShadowReviews(await readFile(file), file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    console.error(`shadow-report: ${code ? `${file}: cannot read: ${code}` : (error as Error).message}`);
    return EXIT_DATA;
  }
  const comparisons = result.groups.map((group) => ({ group, comparison: compareGroup(group) }));
  if (values.json) {
    const figures = comparisons.map(({ group, comparison: c }) => ({
      champion: group.champion,
      shadow: group.shadow,
      n: c.count,
      champion_accuracy: c.current.accuracy,
      shadow_accuracy: c.candidate.accuracy,
      champion_macroF1: c.current.macroF1,
      shadow_macroF1: c.candidate.macroF1,
      accuracy_difference: c.accuracy,
      macroF1_difference: c.macroF1,
      mcnemarP: c.mcnemarP,
      verdict: c.worse ? 'shadow worse' : c.better ? 'shadow better' : 'within noise',
    }));
    console.log(JSON.stringify({ file, reviews: result.rows, withoutShadow: result.withoutShadow, comparisons: figures }, null, 2));
    return 0;
  }
  console.log(`${file}: ${result.rows} reviews, ${result.rows - result.withoutShadow} with a shadow answer, ${result.withoutShadow} without\n`);
  if (comparisons.length === 0) {
    console.log('No review carries a shadow answer: shadow a version (npm run shadow -- <version>), review some predictions, export again.');
    return 0;
  }
  for (const { group, comparison } of comparisons) {
    console.log(`${formatComparison(comparison, `${group.champion} (served)`, `${group.shadow} (shadow)`)}\n`);
    console.log(`summary: ${verdictLine(comparison).replace('candidate', 'shadow')}\n`);
  }
  return 0;
}

process.exitCode = await main();
