/**
 * `npm start`: the whole app on one origin, http://localhost:3000 (PORT overrides). See
 * `stack/config.ts` for the environment and `stack/stack.ts` for what starts. Ctrl-C or SIGTERM stops
 * every part; a second Ctrl-C exits at once (children are still killed on exit).
 */
import { pino } from 'pino';
import { loadStackConfig } from './stack/config.ts';
import { startStack, type Stack } from './stack/stack.ts';

const config = (() => {
  try {
    return loadStackConfig(process.env);
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(2);
  }
})();
// Synchronous writes keep the JSON lines and the plain "ready" line below in the order they happen.
const logger = pino({ name: 'stack', level: config.logLevel }, pino.destination({ dest: 1, sync: true }));
// The AWS SDK (pinned for Node 20, see the web-stack notes) warns at its first client that later
// releases need Node 22; it says nothing about this install, so the local stack keeps its log clean.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

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

try {
  stack = await startStack(config, logger);
} catch (err) {
  logger.fatal({ err }, 'the stack did not start');
  process.exit(1);
}
void stack.modelServiceExited.then((result) => {
  if (stoppingSince === undefined) {
    logger.fatal({ result }, 'the model service exited');
    void stop('model service exited', 1);
  }
});
logger.info({ url: stack.url, dynamo: config.dynamoPath ?? 'in memory' }, 'ready');
// The one line a person looks for, plain text on purpose.
console.log(`Sentiment app ready at ${stack.url}`);
console.log(`Operators sign in at ${stack.url}/operator with the token in ${stack.operatorTokenFile ?? 'OPERATOR_TOKEN'}`);
