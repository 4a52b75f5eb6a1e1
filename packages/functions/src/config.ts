import { z } from 'zod';
import { linkedSecrets } from './auth/linked-secrets.ts';
import { DEFAULT_PREDICTION_TOKEN_MAX_AGE_MS, SecretSchema } from '@sentiment/core/trust';

/**
 * Environment of the functions, read once at cold start (Lambda) or at start (local adapter).
 * - `REVIEWS_TABLE`: DynamoDB table name (required; in AWS the deploy passes SST `Resource.Reviews.name`).
 * - `STATS_TABLE`, `AUDIT_TABLE`: the stats and audit tables (default `<REVIEWS_TABLE>-stats` / `-audit`;
 *   in AWS the deploy passes the names of `ReviewStatsTable` / `ReviewAuditTable`).
 * - `DYNAMODB_ENDPOINT`: a local DynamoDB-compatible endpoint such as `http://127.0.0.1:8000`; when set,
 *   static dummy credentials are used, never the host's AWS configuration.
 * - `AWS_REGION`: defaults to `us-east-1` when an endpoint is set (Lambda always sets it).
 * - `EXPORT_BUCKET`: optional S3 bucket; when set, `getcsv` streams the CSV there and redirects (303)
 *   to a presigned link, so the 6 MB Lambda response limit never cuts the file.
 * - `LOG_LEVEL`: pino level, default `info`.
 * - `PREDICTION_SECRET` (required): HMAC secret shared with the model service; reviews must carry a
 *   `predictionToken` made under it (issue 7). On AWS the linked SST secret `PredictionSecret`.
 * - `OPERATOR_TOKEN` (required): the operator's token for `getcsv` and the operator session. On AWS
 *   the linked SST secret `OperatorToken`. Both at least 43 characters (32 random bytes, base64url).
 * - `PREDICTION_TOKEN_MAX_AGE_S`: how long a prediction can be reviewed, default 86400 (24 h).
 */
const tableName = z.string().min(3).max(255);
const storeFields = {
  REVIEWS_TABLE: tableName,
  STATS_TABLE: tableName.optional(),
  AUDIT_TABLE: tableName.optional(),
  DYNAMODB_ENDPOINT: z.url().optional(),
  AWS_REGION: z.string().min(1).optional(),
};
type StoreEnv = z.output<z.ZodObject<typeof storeFields>>;
const storeConfig = (env: StoreEnv) => ({
  tableName: env.REVIEWS_TABLE,
  statsTableName: env.STATS_TABLE ?? `${env.REVIEWS_TABLE}-stats`,
  auditTableName: env.AUDIT_TABLE ?? `${env.REVIEWS_TABLE}-audit`,
  endpoint: env.DYNAMODB_ENDPOINT,
  region: env.AWS_REGION ?? (env.DYNAMODB_ENDPOINT ? 'us-east-1' : undefined),
});
const StoreEnvSchema = z.object(storeFields).transform(storeConfig);

const EnvSchema = z
  .object({
    ...storeFields,
    EXPORT_BUCKET: z.string().min(3).max(63).optional(),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    PREDICTION_SECRET: SecretSchema,
    OPERATOR_TOKEN: SecretSchema,
    PREDICTION_TOKEN_MAX_AGE_S: z.coerce
      .number()
      .int()
      .min(1)
      .max(30 * 24 * 3600)
      .optional(),
  })
  .transform((env) => ({
    ...storeConfig(env),
    exportBucket: env.EXPORT_BUCKET,
    logLevel: env.LOG_LEVEL,
    predictionSecret: env.PREDICTION_SECRET,
    operatorToken: env.OPERATOR_TOKEN,
    predictionTokenMaxAgeMs:
      env.PREDICTION_TOKEN_MAX_AGE_S === undefined ? DEFAULT_PREDICTION_TOKEN_MAX_AGE_MS : env.PREDICTION_TOKEN_MAX_AGE_S * 1000,
  }));

export type FunctionsConfig = z.output<typeof EnvSchema>;

/**
 * Validates the environment and returns the config.
 * @throws {Error} naming every missing or invalid variable (a cold start that fails loudly).
 */
export function loadConfig(env: Record<string, string | undefined>): FunctionsConfig {
  return parseEnv(EnvSchema, env);
}

function parseEnv<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>): z.output<S> {
  // Empty strings (e.g. `EXPORT_BUCKET=`) mean "not set".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid functions configuration: ${problems}`);
  }
  return result.data;
}

/** The store's part of the configuration (tables, endpoint, region): what the repair command needs, no secrets. */
export function readStoreConfig(): z.output<typeof StoreEnvSchema> {
  return parseEnv(StoreEnvSchema, process.env);
}

/**
 * {@link loadConfig} over this process's environment (Lambda cold start).
 * @throws {Error} as {@link loadConfig}.
 */
export function readConfig(): FunctionsConfig {
  // SST ships linked secrets inside the bundle; the environment still wins where it sets them.
  return loadConfig({ ...linkedSecrets(), ...process.env });
}
