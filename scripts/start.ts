/**
 * `npm start`: the whole app on one origin, http://localhost:3000 (PORT overrides). See
 * `stack/config.ts` for the environment and `stack/stack.ts` for what starts. Ctrl-C or SIGTERM stops
 * every part; a second Ctrl-C exits at once (children are still killed on exit).
 */
import { readStackConfig } from './stack/config.ts';
import { createStackLogging, resolveLogFormat } from './stack/logger.ts';
import { preflight, PreflightError, type Preflight } from './stack/preflight.ts';
import { startStack, type Stack } from './stack/stack.ts';

const config = (() => {
  try {
    return readStackConfig();
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(2);
  }
})();
const { logger, childLog } = createStackLogging(config.logLevel, resolveLogFormat(config.logFormat, process.stdout.isTTY === true));

/** How long a clean exit of the model service waits for the group signal that probably caused it. */
const GROUP_SIGNAL_GRACE_MS = 1000;

let stack: Stack | undefined;
let stoppingSince: number | undefined;

/**
 * Stops everything and exits with `code`. `groupSignalled`: the signal most likely reached the whole
 * process group (Ctrl-C in a terminal, `timeout`, Playwright's webServer shutdown), children included.
 * A repeated signal within 1 s is the same request delivered twice (`timeout` signals the process and
 * then its group); a later one means "now": exit at once (children are still killed on exit).
 */
async function stop(reason: string, code: number, groupSignalled = false): Promise<void> {
  if (stoppingSince !== undefined) {
    if (Date.now() - stoppingSince < 1000) return;
    logger.warn('second stop request: exiting now');
    process.exit(code || 130);
  }
  stoppingSince = Date.now();
  logger.info({ reason }, 'stopping the stack');
  await stack?.close({ groupSignalled });
  logger.info('stopped');
  process.exit(code);
}

process.on('SIGINT', () => void stop('SIGINT', 0, true));
process.on('SIGTERM', () => void stop('SIGTERM', 0, true));
// A closed terminal: stop as for Ctrl-C (the default would exit at once and leave the children).
process.on('SIGHUP', () => void stop('SIGHUP', 0, true));

// Problems a person can fix (port taken, data folder held, no model) stop here, before anything starts.
let checked: Preflight;
try {
  checked = await preflight(config);
} catch (err) {
  if (!(err instanceof PreflightError)) throw err;
  logger.fatal({ code: err.code }, err.message);
  process.exit(1);
}

try {
  stack = await startStack(config, logger, { preflight: checked, childLog });
} catch (err) {
  logger.fatal({ err }, 'the stack did not start');
  process.exit(1);
}
void stack.modelServiceExited.then(async (result) => {
  if (stoppingSince !== undefined) return;
  // A signal sent to the whole group (Ctrl-C) also stops the model service, and its exit may be seen
  // before this process's own signal handler runs: a clean exit waits a moment for that signal.
  if (result === 0 || result === 'SIGINT' || result === 'SIGTERM' || result === 'SIGHUP') {
    await new Promise((resolve) => setTimeout(resolve, GROUP_SIGNAL_GRACE_MS));
  }
  if (stoppingSince === undefined) {
    logger.fatal({ result }, 'the model service exited');
    void stop('model service exited', 1);
  }
});
logger.info({ url: stack.url, dynamo: config.dynamoPath ?? 'in memory' }, 'ready');
// The one line a person looks for, plain text on purpose.
console.log(`Sentiment app ready at ${stack.url}`);
console.log(`Operators sign in at ${stack.url}/operator with the token in ${stack.operatorTokenFile ?? 'OPERATOR_TOKEN'}`);
