import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { SecretSchema } from '@sentiment/core/trust';

/** The package folder (`packages/model-service`), so defaults do not depend on the cwd. */
export const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

/** pino's level names, plus `silent`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** A version folder name: letters, digits, `.`, `_`, `-`, not starting with a dot. */
export const VERSION_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

// An unset variable and an empty one mean the same: "use the default".
const unsetIfEmpty = (value: unknown) => (value === '' ? undefined : value);

const integer = (min: number, max: number, fallback: number) =>
  z.preprocess(
    unsetIfEmpty,
    z.string().regex(/^\d+$/, 'must be a whole number').transform(Number).pipe(z.number().int().min(min).max(max)).default(fallback),
  );

/**
 * The service's environment. Every variable is optional:
 * - `PORT` 0–65535, default 8080 (0 picks a free port; the log line "listening" gives the URL).
 * - `HOST` interface to bind, default 127.0.0.1 (0.0.0.0 in a container).
 * - `MODEL_DIR` folder holding `model.onnx`, `model.json`, `tokenizer.json`; default
 *   `<MODELS_DIR>/<name in CURRENT>`. A relative value is resolved from the cwd. Set, it pins the
 *   served version: `CURRENT` is then not watched.
 * - `MODELS_DIR` the versions folder holding `CURRENT`, `SHADOW` and one folder per version; default
 *   this package's `models/`. Candidates are looked up in `<MODELS_DIR>/../.data/candidates/`.
 * - `SHADOW_MODEL_VERSION` a version to run as the shadow (challenger), in `MODELS_DIR` or the
 *   candidates; set, it pins the shadow and `models/SHADOW` is not watched. Unset: `models/SHADOW`, if any.
 * - `MODEL_WATCH_MS` how often `CURRENT` and `SHADOW` are re-read besides file-system events, ms,
 *   default 2000; 0 turns hot switching off (the versions read at start are served until exit).
 * - `SHADOW_TIMEOUT_MS` longest wait for the shadow's answer, ms, default 1000; later, the
 *   prediction goes out without `shadow`.
 * - `ORT_THREADS` ONNX Runtime intra-op threads, integer ≥ 1, default 1 (never the host's core count:
 *   in a container that is the host's, not the task's).
 * - `LOG_LEVEL` pino level, default `info`.
 * - `SHUTDOWN_TIMEOUT_MS` how long in-flight requests may take to finish after SIGTERM before the
 *   remaining connections are cut, default 10000 (ECS waits 30 s before SIGKILL).
 * - `PREDICTION_SECRET` the HMAC secret shared with the review functions (see `@sentiment/core/trust`),
 *   at least 43 characters; on AWS the linked SST secret `PredictionSecret` (`SST_RESOURCE_PredictionSecret`)
 *   when the variable is unset. Neither set: a random secret for this process only (predictions then
 *   cannot be reviewed; `main.ts` warns).
 * - `BLIND_AUDIT_RATE` share of `POST /predict` answers drawn for the blind audit (`blind: true`: the page
 *   asks the person for a label before showing the model's), a decimal number from 0 to 1, default 0.1;
 *   0 turns the audit off.
 */
export const EnvSchema = z.object({
  PORT: integer(0, 65535, 8080),
  HOST: z.preprocess(unsetIfEmpty, z.string().default('127.0.0.1')),
  MODEL_DIR: z.preprocess(unsetIfEmpty, z.string().optional()),
  MODELS_DIR: z.preprocess(unsetIfEmpty, z.string().optional()),
  SHADOW_MODEL_VERSION: z.preprocess(
    unsetIfEmpty,
    z.string().regex(VERSION_NAME, 'must be a version folder name (letters, digits, . _ -)').optional(),
  ),
  MODEL_WATCH_MS: integer(0, 3_600_000, 2000),
  SHADOW_TIMEOUT_MS: integer(1, 60_000, 1000),
  ORT_THREADS: integer(1, 1024, 1),
  LOG_LEVEL: z.preprocess(unsetIfEmpty, z.enum(LOG_LEVELS).default('info')),
  SHUTDOWN_TIMEOUT_MS: integer(0, 600_000, 10_000),
  PREDICTION_SECRET: z.preprocess(unsetIfEmpty, SecretSchema.optional()),
  BLIND_AUDIT_RATE: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .regex(/^(0(\.\d+)?|1(\.0+)?|\.\d+)$/, 'must be a decimal number from 0 to 1, such as 0.1 (0 turns the blind audit off)')
      .transform(Number)
      .default(0.1),
  ),
  // What an SST link puts in the environment: JSON `{"value": "<secret>"}`.
  SST_RESOURCE_PredictionSecret: z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .transform((text, ctx) => {
        try {
          return JSON.parse(text) as unknown;
        } catch {
          ctx.addIssue({ code: 'custom', message: 'must be JSON' });
          return z.NEVER;
        }
      })
      .pipe(z.object({ value: SecretSchema }))
      .optional(),
  ),
});

/** Validated configuration, read once at start and passed in. */
export interface Config {
  port: number;
  host: string;
  /** Absolute path of the model version folder served at start. */
  modelDir: string;
  /** True when `MODEL_DIR` pins the served version (then `CURRENT` is not watched). */
  modelDirPinned: boolean;
  /** Absolute path of the versions folder (`CURRENT`, `SHADOW`, one folder per version). */
  modelsDir: string;
  /** Absolute path of the candidates folder (`<modelsDir>/../.data/candidates`). */
  candidatesDir: string;
  /** `SHADOW_MODEL_VERSION`: a pinned shadow version; undefined means "read models/SHADOW". */
  shadowVersion: string | undefined;
  /** Poll interval for `CURRENT` and `SHADOW` in ms; 0 = no hot switching. */
  watchIntervalMs: number;
  /** Longest wait for the shadow's answer, ms. */
  shadowTimeoutMs: number;
  ortThreads: number;
  logLevel: (typeof LOG_LEVELS)[number];
  shutdownTimeoutMs: number;
  /** HMAC secret for prediction tokens; `undefined` when none is configured. */
  predictionSecret: string | undefined;
  /** Probability in [0, 1] that a `POST /predict` answer is drawn for the blind audit. */
  blindAuditRate: number;
}

/** Configuration that cannot be used; `message` lists every problem, one per line. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * The default model folder: `<packageDir>/models/<first line of models/CURRENT>`.
 * @throws {ConfigError} when `models/CURRENT` is missing or empty.
 */
export function defaultModelDir(packageDir: string = PACKAGE_DIR, modelsDir: string = resolve(packageDir, 'models')): string {
  const currentFile = resolve(modelsDir, 'CURRENT');
  let version: string;
  try {
    version = readFileSync(currentFile, 'utf8').trim();
  } catch {
    throw new ConfigError(`MODEL_DIR is not set and ${currentFile} cannot be read`);
  }
  if (!VERSION_NAME.test(version)) {
    throw new ConfigError(`MODEL_DIR is not set and ${currentFile} does not hold a version name`);
  }
  return resolve(modelsDir, version);
}

/**
 * Reads the configuration from this process's environment, once at start.
 * @throws {ConfigError} naming each invalid variable and why.
 */
export function loadProcessConfig(): Config {
  return loadConfig(process.env);
}

/**
 * Reads the configuration from an environment (`process.env` through {@link loadProcessConfig}, a plain object in tests).
 * @throws {ConfigError} naming each invalid variable and why.
 */
export function loadConfig(env: Record<string, string | undefined>, options: { packageDir?: string; cwd?: string } = {}): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const cwd = options.cwd ?? process.cwd();
  const fromCwd = (value: string) => (isAbsolute(value) ? value : resolve(cwd, value));
  const packageDir = options.packageDir ?? PACKAGE_DIR;
  const modelsDir = e.MODELS_DIR === undefined ? resolve(packageDir, 'models') : fromCwd(e.MODELS_DIR);
  const modelDir = e.MODEL_DIR === undefined ? defaultModelDir(packageDir, modelsDir) : fromCwd(e.MODEL_DIR);
  return {
    port: e.PORT,
    host: e.HOST,
    modelDir,
    modelDirPinned: e.MODEL_DIR !== undefined,
    modelsDir,
    candidatesDir: resolve(modelsDir, '..', '.data', 'candidates'),
    shadowVersion: e.SHADOW_MODEL_VERSION,
    watchIntervalMs: e.MODEL_WATCH_MS,
    shadowTimeoutMs: e.SHADOW_TIMEOUT_MS,
    ortThreads: e.ORT_THREADS,
    logLevel: e.LOG_LEVEL,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    predictionSecret: e.PREDICTION_SECRET ?? e.SST_RESOURCE_PredictionSecret?.value,
    blindAuditRate: e.BLIND_AUDIT_RATE,
  };
}
