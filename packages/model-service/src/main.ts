/**
 * Process entry of the model service: `node src/main.ts` (from the package folder,
 * or `npm start -w packages/model-service`). Configuration: see `EnvSchema` in `config.ts`.
 *
 * Order: read config (exit 1 on a bad value) → listen (so `/healthz` answers and `/readyz` says 503
 * while the model loads) → load the champion's ONNX session → ready → load the shadow, if one is
 * named, and watch `models/CURRENT` and `models/SHADOW` for hot switches (`server/model-watcher.ts`).
 * SIGTERM or SIGINT: readiness 503, in-flight requests finish, idle sockets close, the sessions are
 * released, exit 0. A second signal exits 1 at once. Logs are JSON lines on stdout; the line with
 * `"msg":"listening"` holds the URL, `"msg":"model switched"` marks each hot switch.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { ConfigError, loadProcessConfig, type Config } from './config.ts';
import { loadServingPredictor } from './serving/load.ts';
import type { Predictor } from './serving/predictor.ts';
import { createApp } from './server/app.ts';
import { createMetrics } from './server/metrics.ts';
import { watchModels, type ModelWatcher } from './server/model-watcher.ts';
import { startServer } from './server/server.ts';
import { ServiceState } from './server/state.ts';

function readConfig(): Config {
  try {
    return loadProcessConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`model-service: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  const logger = pino({ level: config.logLevel, base: { service: 'model-service' } });
  process.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception');
    process.exit(1);
  });
  process.on('unhandledRejection', (err) => {
    logger.fatal({ err }, 'unhandled rejection');
    process.exit(1);
  });

  const metrics = createMetrics({ defaultMetrics: true });
  const state = new ServiceState({
    shadowTimeoutMs: config.shadowTimeoutMs,
    onModelRun: (texts, seconds) => metrics.observeModelRun(texts, seconds),
  });
  if (config.predictionSecret === undefined) {
    logger.warn('PREDICTION_SECRET is not set: predictions are signed with a random secret of this process, so reviews of them will be refused');
  }
  const app = createApp({ state, logger, metrics, predictionSecret: config.predictionSecret, blindAuditRate: config.blindAuditRate });
  const server = await startServer({
    app,
    state,
    logger,
    port: config.port,
    host: config.host,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
  });
  logger.info({ url: server.url, modelDir: config.modelDir, ortThreads: config.ortThreads }, 'listening');

  let predictor: Predictor | undefined;
  // Set once the model is loaded; the stop handler above may run before that.
  const models: { watcher?: ModelWatcher } = {};
  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal; exiting without waiting');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down: readiness fails, in-flight requests finish');
    await models.watcher?.close();
    await server.close();
    if (state.predictor) await state.close();
    else await predictor?.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', (signal) => void stop(signal));
  process.on('SIGINT', (signal) => void stop(signal));
  process.on('SIGHUP', (signal) => void stop(signal));
  // Started with an IPC channel (the local stack does): the channel closes when the parent dies, even
  // by SIGKILL, so stop instead of living on as an orphan. unref: the channel alone keeps nothing alive.
  if (process.channel) {
    process.channel.unref();
    process.on('disconnect', () => void stop('SIGHUP'));
  }

  const started = performance.now();
  const load = (dir: string) => loadServingPredictor(dir, { threads: config.ortThreads });
  try {
    predictor = await load(config.modelDir);
  } catch (err) {
    logger.fatal({ err, modelDir: config.modelDir }, 'model failed to load');
    await server.close();
    process.exit(1);
  }
  if (stopping) return;
  state.setPredictor(predictor);
  metrics.setModelVersion(predictor.modelVersion);
  logger.info({ modelVersion: predictor.modelVersion, loadMs: Math.round(performance.now() - started) }, 'ready');

  const watcher = watchModels({
    state,
    logger,
    metrics,
    modelsDir: config.modelsDir,
    candidatesDir: config.candidatesDir,
    // A pinned MODEL_DIR is served until exit; otherwise the folder name is what CURRENT holds.
    champion: config.modelDirPinned ? undefined : path.basename(config.modelDir),
    pinnedShadow: config.shadowVersion,
    intervalMs: config.watchIntervalMs,
    load,
  });
  models.watcher = watcher;
  await watcher.check();
}

await main();
