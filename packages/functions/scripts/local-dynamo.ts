/**
 * Runs DynamoDB Local (see `startLocalDynamo`) from its own process: `node scripts/local-dynamo.ts [--path DIR] [--port N]`.
 * Prints one JSON line `{"endpoint": "http://127.0.0.1:<port>"}` when listening; stops on SIGTERM/SIGINT.
 * The export benchmark uses it so the store's memory is not counted as the exporter's.
 */
import { parseArgs } from 'node:util';
import { startLocalDynamo } from '../src/local/dynamo.ts';

const { values } = parseArgs({ options: { path: { type: 'string' }, port: { type: 'string', default: '0' } } });
const dynamo = await startLocalDynamo({ ...(values.path ? { path: values.path } : {}), port: Number(values.port) });
process.stdout.write(`${JSON.stringify({ endpoint: dynamo.endpoint })}\n`);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void dynamo.close().finally(() => process.exit(0));
  });
}
