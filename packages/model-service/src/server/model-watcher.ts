import { existsSync, watch, type FSWatcher } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { VERSION_NAME } from '../config.ts';
import { CURRENT_FILE, MODEL_FILES, SHADOW_FILE } from '../serving/artifacts.ts';
import type { Predictor } from '../serving/predictor.ts';
import type { Metrics } from './metrics.ts';
import type { ServiceState } from './state.ts';

/** Wait after a file-system event before reading, so the several events of one write count once. */
export const WATCH_DEBOUNCE_MS = 100;

/** Options of {@link watchModels}. */
export interface ModelWatcherOptions {
  state: ServiceState;
  logger: Logger;
  metrics: Metrics;
  /** Versions folder: `CURRENT`, `SHADOW`, one folder per version. */
  modelsDir: string;
  /** Candidates folder: a shadow not in `modelsDir` is looked up here. */
  candidatesDir: string;
  /** The champion's folder name at start; undefined when `MODEL_DIR` pins it (then CURRENT is not watched). */
  champion: string | undefined;
  /** A pinned shadow version (`SHADOW_MODEL_VERSION`): loaded once, `SHADOW` not watched. */
  pinnedShadow: string | undefined;
  /** Poll interval in ms besides file-system events; 0 loads the shadow once and watches nothing. */
  intervalMs: number;
  /** Loads a version folder (loadServingPredictor with the configured threads). */
  load: (dir: string) => Promise<Predictor>;
}

/** A running watcher. */
export interface ModelWatcher {
  /** Reads CURRENT and SHADOW now and switches what differs; resolves when done (calls are serialised). */
  check(): Promise<void>;
  /** Stops watching; resolves when a switch in progress has finished. */
  close(): Promise<void>;
}

type Role = 'champion' | 'shadow';

/** What a role's file says, with the file's change time, so rewriting the same name retries a failed load. */
interface Wanted {
  version: string | undefined;
  stamp: string;
}

/**
 * Hot switching: watches `CURRENT` (unless the champion is pinned) and `SHADOW` (unless the shadow
 * is pinned) in `modelsDir`, by `fs.watch` on the folder (debounced by {@link WATCH_DEBOUNCE_MS})
 * and a stat every `intervalMs` (for file systems without events). When a file names another
 * version, that version is loaded completely (session, tokenizer, reference predictions, labels)
 * beside the one serving, then swapped in through `state` (running calls finish on the old one,
 * which is released after them). A load that fails keeps the old version serving, logs one error
 * line `model switch failed` and counts `model_loads_total{outcome="failed"}`; the same file
 * content is not retried until the file is written again. The shadow file naming nothing (or
 * missing) stops the shadow. The first check runs at once: it loads the shadow at start.
 */
export function watchModels(options: ModelWatcherOptions): ModelWatcher {
  const { state, logger, metrics, modelsDir } = options;
  const loaded: Record<Role, string | undefined> = { champion: options.champion, shadow: undefined };
  // The file content (name + change time) last acted on, so a failing version is not reloaded every poll.
  const seen: Record<Role, string | undefined> = { champion: undefined, shadow: undefined };
  let running: Promise<void> | undefined;
  let again = false;
  let closed = false;

  const read = async (file: string): Promise<Wanted> => {
    const where = path.join(modelsDir, file);
    try {
      const [text, info] = await Promise.all([readFile(where, 'utf8'), stat(where)]);
      return { version: text.trim() || undefined, stamp: `${info.ino}:${info.mtimeMs}:${info.size}` };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: undefined, stamp: 'missing' };
      throw error;
    }
  };

  const dirOf = (role: Role, version: string): string => {
    if (!VERSION_NAME.test(version)) throw new Error(`${JSON.stringify(version)} is not a version folder name`);
    const inModels = path.join(modelsDir, version);
    if (existsSync(path.join(inModels, MODEL_FILES.onnx))) return inModels;
    // Only a shadow may be a candidate: the served version must be one that can be committed.
    const candidate = path.join(options.candidatesDir, version);
    if (role === 'shadow' && existsSync(path.join(candidate, MODEL_FILES.onnx))) return candidate;
    throw new Error(`no version ${version} in ${role === 'shadow' ? `${modelsDir} or ${options.candidatesDir}` : modelsDir}`);
  };

  const switchTo = async (role: Role, version: string | undefined): Promise<void> => {
    const from = loaded[role];
    if (version === undefined) {
      if (role === 'champion') {
        logger.error(
          { role, file: path.join(modelsDir, CURRENT_FILE), serving: from },
          'model switch failed: CURRENT names no version; still serving the old one',
        );
        metrics.observeModelLoad(role, 'failed');
        return;
      }
      loaded.shadow = undefined;
      await state.switchShadow(undefined);
      metrics.setShadowVersion(undefined);
      logger.info({ role, from }, 'shadow stopped');
      return;
    }
    const started = performance.now();
    let predictor: Predictor;
    try {
      predictor = await options.load(dirOf(role, version));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      logger.error(
        { role, version, serving: from ?? null, reason: message },
        `model switch failed: ${role} ${version} did not load; still serving ${from ?? 'no shadow'}`,
      );
      metrics.observeModelLoad(role, 'failed');
      return;
    }
    if (closed) {
      await predictor.close();
      return;
    }
    loaded[role] = version;
    const released = role === 'champion' ? state.switchPredictor(predictor) : state.switchShadow(predictor);
    if (role === 'champion') metrics.setModelVersion(predictor.modelVersion);
    else metrics.setShadowVersion(predictor.modelVersion);
    metrics.observeModelLoad(role, 'loaded');
    logger.info({ role, from: from ?? null, to: predictor.modelVersion, loadMs: Math.round(performance.now() - started) }, 'model switched');
    await released;
  };

  const checkOnce = async (): Promise<void> => {
    const roles: Array<[Role, () => Promise<Wanted>]> = [];
    if (options.champion !== undefined) roles.push(['champion', () => read(CURRENT_FILE)]);
    roles.push([
      'shadow',
      () => (options.pinnedShadow !== undefined ? Promise.resolve({ version: options.pinnedShadow, stamp: 'pinned' }) : read(SHADOW_FILE)),
    ]);
    for (const [role, wanted] of roles) {
      if (closed) return;
      let want: Wanted;
      try {
        want = await wanted();
      } catch (err) {
        logger.warn({ role, err }, 'cannot read the version file; will retry');
        continue;
      }
      if (want.version === loaded[role] || seen[role] === want.stamp) continue;
      seen[role] = want.stamp;
      await switchTo(role, want.version);
    }
  };

  const tick = () => void check().catch((err: unknown) => logger.error({ err }, 'model check failed'));

  const check = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        await checkOnce();
      } while (again && !closed);
    })().finally(() => (running = undefined));
    return running;
  };

  let debounce: NodeJS.Timeout | undefined;
  const schedule = () => {
    clearTimeout(debounce);
    debounce = setTimeout(tick, WATCH_DEBOUNCE_MS);
    debounce.unref();
  };

  let watcher: FSWatcher | undefined;
  let poll: NodeJS.Timeout | undefined;
  const watching = options.intervalMs > 0 && (options.champion !== undefined || options.pinnedShadow === undefined);
  if (watching) {
    try {
      watcher = watch(modelsDir, { persistent: false }, (_event, name) => {
        if (name === null || name.startsWith(CURRENT_FILE) || name.startsWith(SHADOW_FILE)) schedule();
      });
      watcher.on('error', (err) => logger.warn({ err }, 'watching the models folder failed; polling only'));
    } catch (err) {
      logger.warn({ err, modelsDir }, 'cannot watch the models folder; polling only');
    }
    poll = setInterval(tick, options.intervalMs);
    poll.unref();
  }

  return {
    check,
    async close() {
      closed = true;
      clearTimeout(debounce);
      clearInterval(poll);
      watcher?.close();
      await running;
    },
  };
}
