import { isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { SecretSchema } from '@sentiment/core/trust';

/** The repository root: the folder above `scripts/`. */
export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');

const flag = z.enum(['0', '1', 'true', 'false']).transform((v) => v === '1' || v === 'true');

/**
 * Environment of `npm start` (`scripts/start.ts`), read once at start.
 * - `PORT` (default 3000; 0 picks a free port) and `HOST` (default 127.0.0.1): where the one origin listens.
 * - `DATA_DIR` (default `.data`, relative to the repo root): the embedded DynamoDB (DynamoDB Local) keeps
 *   its files under `<DATA_DIR>/dynamodb-local`, so reviews survive restarts. Reviews an older version
 *   stored with dynalite under `<DATA_DIR>/dynamodb` are imported once into an empty store.
 * - `JAVA` (default `java`): the Java 17+ runtime that runs DynamoDB Local.
 * - `DYNAMO_IN_MEMORY=1`: a fresh, empty in-memory store instead (tests).
 * - `WEB_BUILD` (`auto` | `always` | `never`, default `auto`): `auto` builds `packages/web/out` when it
 *   is missing or older than the web or core sources.
 * - `REVIEWS_TABLE` (default `reviews`): the table name.
 * - `MODEL_DIR` (relative to the repo root), `ORT_THREADS`: passed to the model service when set
 *   (its own defaults otherwise: `models/CURRENT`, 1 thread).
 * - `BLIND_AUDIT_RATE` and the model service's other variables reach it unchanged through the inherited
 *   environment (see `packages/model-service/src/config.ts`; the e2e run sets `BLIND_AUDIT_RATE=0`).
 * - `MODEL_READY_TIMEOUT_MS` (default 120000): how long to wait for the model service's `/readyz`.
 * - `LOG_LEVEL` (default `info`).
 * - `OPERATOR_TOKEN`, `PREDICTION_SECRET` (issue 7): the operator's token and the prediction-signing
 *   secret, at least 43 characters each; unset, they are read from (or created in)
 *   `<DATA_DIR>/operator-token` and `<DATA_DIR>/prediction-secret`, mode 0600.
 * - `RATE_LIMIT_PER_MINUTE`: overrides both per-address limits of the gateway (predictions and
 *   reviews, 30 a minute each by default; see `rate-limit.ts`).
 * - `LOG_FORMAT` (`auto` | `pretty` | `json`, default `auto`): `auto` prints readable lines when stdout
 *   is a terminal and JSON lines otherwise (pipes, CI, files).
 */
export const StackEnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('.data'),
  DYNAMO_IN_MEMORY: flag.default(false),
  JAVA: z.string().min(1).default('java'),
  WEB_BUILD: z.enum(['auto', 'always', 'never']).default('auto'),
  REVIEWS_TABLE: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{3,255}$/, 'REVIEWS_TABLE must be a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)')
    .default('reviews'),
  MODEL_DIR: z.string().min(1).optional(),
  ORT_THREADS: z.coerce.number().int().min(1).max(64).optional(),
  MODEL_READY_TIMEOUT_MS: z.coerce.number().int().min(1000).default(120_000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  OPERATOR_TOKEN: SecretSchema.optional(),
  PREDICTION_SECRET: SecretSchema.optional(),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).optional(),
  LOG_FORMAT: z.enum(['auto', 'pretty', 'json']).default('auto'),
});

export interface StackConfig {
  port: number;
  host: string;
  /** Absolute model version folder for the model service, or `undefined` for its default. */
  modelDir: string | undefined;
  /** Absolute data folder of the embedded DynamoDB, or `undefined` for an in-memory store. */
  dynamoPath: string | undefined;
  /** Absolute LevelDB folder of the dynalite store of older versions (imported once), or `undefined` in memory. */
  legacyDynamoPath: string | undefined;
  /** The Java command that runs DynamoDB Local. */
  java: string;
  webBuild: 'auto' | 'always' | 'never';
  tableName: string;
  ortThreads: number | undefined;
  modelReadyTimeoutMs: number;
  logLevel: z.infer<typeof StackEnvSchema>['LOG_LEVEL'];
  logFormat: z.infer<typeof StackEnvSchema>['LOG_FORMAT'];
  repoRoot: string;
  /** Absolute `DATA_DIR`: where the secrets' files are kept. */
  dataDir: string;
  /** From the environment; `undefined`: read or created under `dataDir`. */
  operatorToken: string | undefined;
  predictionSecret: string | undefined;
  /** `RATE_LIMIT_PER_MINUTE`, or `undefined` for the defaults. */
  rateLimitPerMinute: number | undefined;
}

/**
 * The environment this process was started with, for child processes that inherit it (plus their own
 * variables). The one place outside {@link readStackConfig} that reads `process.env`.
 */
export function inheritedEnv(): NodeJS.ProcessEnv {
  return { ...process.env };
}

/**
 * {@link loadStackConfig} over this process's environment (`npm start`).
 * @throws {Error} as {@link loadStackConfig}.
 */
export function readStackConfig(): StackConfig {
  return loadStackConfig(process.env);
}

/**
 * Parses the environment into a {@link StackConfig}.
 * @throws {Error} listing every invalid variable, so a typo stops the start with a clear message.
 */
export function loadStackConfig(env: NodeJS.ProcessEnv, repoRoot = REPO_ROOT): StackConfig {
  const result = StackEnvSchema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`Invalid environment for npm start:\n${lines.join('\n')}`);
  }
  const e = result.data;
  const dataDir = isAbsolute(e.DATA_DIR) ? e.DATA_DIR : resolve(repoRoot, e.DATA_DIR);
  return {
    port: e.PORT,
    host: e.HOST,
    dynamoPath: e.DYNAMO_IN_MEMORY ? undefined : resolve(dataDir, 'dynamodb-local'),
    legacyDynamoPath: e.DYNAMO_IN_MEMORY ? undefined : resolve(dataDir, 'dynamodb'),
    java: e.JAVA,
    webBuild: e.WEB_BUILD,
    tableName: e.REVIEWS_TABLE,
    modelDir: e.MODEL_DIR === undefined ? undefined : resolve(repoRoot, e.MODEL_DIR),
    ortThreads: e.ORT_THREADS,
    modelReadyTimeoutMs: e.MODEL_READY_TIMEOUT_MS,
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    repoRoot,
    dataDir,
    operatorToken: e.OPERATOR_TOKEN,
    predictionSecret: e.PREDICTION_SECRET,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
  };
}
