import { join } from 'node:path';
import type { Writable } from 'node:stream';
import type { Logger } from 'pino';
import { createDocumentClient } from '../../packages/functions/src/clients.ts';
import { startApiServer } from '../../packages/functions/src/local/api-server.ts';
import { ensureReviewsTable, startLocalDynamo } from '../../packages/functions/src/local/dynamo.ts';
import { importLegacyReviews } from '../../packages/functions/src/local/legacy-import.ts';
import { createReviewStore } from '../../packages/functions/src/review/store.ts';
import { runToEnd, startChild, waitForReady, type ManagedChild } from './child.ts';
import { inheritedEnv, type StackConfig } from './config.ts';
import { startGateway } from './gateway.ts';
import { webBuildNeeded } from './web-build.ts';
import { freePort } from './free-port.ts';
import { SERVICE_NODE_FLAGS } from '../../packages/model-service/src/node-flags.ts';
import type { Preflight } from './preflight.ts';
import { createRateLimit } from './rate-limit.ts';
import { resolveStackSecrets } from './secrets.ts';

/** The running local stack. */
export interface Stack {
  /** The one origin, e.g. `http://localhost:3000`. */
  url: string;
  /**
   * Stops the gateway, the model service child, the API adapter and the embedded DynamoDB, in that
   * order. `groupSignalled`: the signal probably went to the whole process group (Ctrl-C in a
   * terminal), so the model service got it too and is given 2 s to stop by itself before it is sent
   * SIGTERM (a second signal would make it skip its graceful shutdown).
   */
  close(options?: { groupSignalled?: boolean }): Promise<void>;
  /** Resolves when the model service exits on its own (a crash); the caller should then close. */
  modelServiceExited: Promise<number | NodeJS.Signals>;
  /** Where the operator token is kept, or `undefined` when it came from `OPERATOR_TOKEN` (issue 7). */
  operatorTokenFile: string | undefined;
}

/** What {@link startStack} needs besides the config and the logger. */
export interface StartOptions {
  /** The result of `preflight(config)`: the model folder, and the data-folder lock to release at the end. */
  preflight: Preflight;
  /** When set, the model service's stdout (JSON log lines) is piped here instead of shared. */
  childLog?: Writable | undefined;
}

/**
 * Brings up the local stack (DESIGN.md "Local stack"), after `preflight` passed: builds the static export when needed, starts
 * the embedded DynamoDB (DynamoDB Local, files under `config.dynamoPath`, or in memory) and creates the tables,
 * the functions' local adapter, the model service as a child process (waits for its `/readyz`),
 * and the gateway on `config.host:config.port`. Whatever started is stopped again when a later step fails.
 * @throws {Error} when the web build fails, the model service is not ready in time, or the port is taken.
 */
export async function startStack(config: StackConfig, logger: Logger, options: StartOptions): Promise<Stack> {
  const cleanups: Array<(options: { groupSignalled?: boolean }) => Promise<void>> = [];
  const closeAll = async (options: { groupSignalled?: boolean } = {}) => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      try {
        await cleanup(options);
      } catch (err) {
        logger.error({ err }, 'error while stopping the stack');
      }
    }
  };
  cleanups.push(() => Promise.resolve(options.preflight.releaseDataLock()));
  try {
    const webDir = join(config.repoRoot, 'packages', 'web');
    const outDir = join(webDir, 'out');
    const needBuild =
      config.webBuild === 'always' || (config.webBuild === 'auto' && webBuildNeeded(outDir, [webDir, join(config.repoRoot, 'packages', 'core')]));
    if (needBuild) {
      logger.info('building the web app (packages/web/out)');
      await runToEnd('npm', ['run', 'build', '-w', 'packages/web'], {
        cwd: config.repoRoot,
        env: { ...inheritedEnv(), NEXT_TELEMETRY_DISABLED: '1' },
        // The build's own output goes to stderr so stdout keeps only the stack's logs.
        stdio: ['ignore', 2, 2],
      });
    }

    // Issue 7: the operator token and the prediction secret, from the environment or <DATA_DIR>.
    const secrets = resolveStackSecrets({ dataDir: config.dataDir, operatorToken: config.operatorToken, predictionSecret: config.predictionSecret });
    logger.info({ operatorTokenFile: secrets.operatorTokenFile ?? 'OPERATOR_TOKEN (environment)' }, 'operator token');

    const dynamo = await startLocalDynamo({ path: config.dynamoPath, java: config.java });
    cleanups.push(() => dynamo.close());
    const client = createDocumentClient({ endpoint: dynamo.endpoint });
    try {
      await ensureReviewsTable(client, config.tableName);
      // Reviews an older version kept in dynalite's LevelDB folder move over once, into an empty store.
      const imported = await importLegacyReviews(
        config.legacyDynamoPath,
        config.tableName,
        createReviewStore({ client, tableName: config.tableName }),
      );
      if (imported > 0) logger.info({ imported, from: config.legacyDynamoPath }, 'imported the reviews of the older dynalite store');
    } finally {
      client.destroy();
    }
    logger.info({ endpoint: dynamo.endpoint, path: config.dynamoPath ?? 'in memory', table: config.tableName }, 'DynamoDB ready');

    const api = await startApiServer({
      port: 0,
      host: '127.0.0.1',
      tableName: config.tableName,
      endpoint: dynamo.endpoint,
      logger: logger.child({ component: 'api' }),
      operatorToken: secrets.operatorToken,
      predictionSecret: secrets.predictionSecret,
    });
    cleanups.push(() => api.close());
    logger.info({ url: api.url }, 'API adapter ready');

    const modelPort = await freePort();
    const modelEnv: NodeJS.ProcessEnv = {
      ...inheritedEnv(),
      PORT: String(modelPort),
      HOST: '127.0.0.1',
      LOG_LEVEL: config.logLevel,
      MODEL_DIR: options.preflight.modelDir,
      PREDICTION_SECRET: secrets.predictionSecret,
    };
    delete modelEnv.OPERATOR_TOKEN; // the model service never needs it
    if (config.ortThreads) modelEnv.ORT_THREADS = String(config.ortThreads);
    // The service's production start (`npm start -w packages/model-service`): Node strips the types.
    const modelService: ManagedChild = startChild(process.execPath, [...SERVICE_NODE_FLAGS, 'src/main.ts'], {
      cwd: join(config.repoRoot, 'packages', 'model-service'),
      env: modelEnv,
      // The IPC channel closes when this process dies, even by SIGKILL: the service then stops itself.
      stdio: ['inherit', options.childLog ? 'pipe' : 'inherit', 'inherit', 'ipc'],
    });
    if (options.childLog) modelService.process.stdout?.pipe(options.childLog, { end: false });
    cleanups.push(({ groupSignalled }) => modelService.stop({ selfStopMs: groupSignalled ? 2000 : 0 }));
    const modelOrigin = `http://127.0.0.1:${modelPort}`;
    await waitForReady(`${modelOrigin}/readyz`, modelService, config.modelReadyTimeoutMs);
    logger.info({ url: modelOrigin, modelServicePid: modelService.process.pid }, 'model service ready');

    const rateLimit = createRateLimit({ perMinute: config.rateLimitPerMinute, operatorToken: secrets.operatorToken, logger });
    const gateway = await startGateway({
      staticDir: outDir,
      apiTarget: api.url,
      modelTarget: modelOrigin,
      logger,
      rateLimit,
      port: config.port,
      host: config.host,
    });
    cleanups.push(() => gateway.close());
    const port = new URL(gateway.url).port || '80';
    const shownHost = config.host === '127.0.0.1' || config.host === '0.0.0.0' ? 'localhost' : config.host;
    return {
      url: `http://${shownHost}:${port}`,
      close: closeAll,
      modelServiceExited: modelService.exited,
      operatorTokenFile: secrets.operatorTokenFile,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
