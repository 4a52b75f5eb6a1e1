import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateSecret, SecretSchema } from '@sentiment/core/trust';

/** The local stack's two secrets (issue 7) and where each came from. */
export interface StackSecrets {
  /** The operator's token (getcsv, operator sign-in). */
  operatorToken: string;
  /** HMAC secret shared by the model service and the review functions. */
  predictionSecret: string;
  /** The file holding the operator token, or `undefined` when it came from `OPERATOR_TOKEN`. */
  operatorTokenFile: string | undefined;
}

/** File names under `DATA_DIR`. */
export const SECRET_FILES = { operatorToken: 'operator-token', predictionSecret: 'prediction-secret' } as const;

/**
 * The secret kept in `file`: read when the file exists (its mode is tightened to 0600), otherwise
 * a new 32-byte random secret written there with mode 0600 (exclusive create, so two starts never
 * write different ones).
 * @throws {Error} naming the file when it holds no valid secret (never printing its content).
 */
export function readOrCreateSecret(file: string): string {
  let text: string | undefined;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (text === undefined) {
    const secret = generateSecret();
    try {
      writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
      return secret;
    } catch (error) {
      // Another start created it first: use that one.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      return readOrCreateSecret(file);
    }
  }
  if ((statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  const parsed = SecretSchema.safeParse(text.trim());
  if (!parsed.success) {
    throw new Error(`${file} does not hold a valid secret (${parsed.error.issues[0]?.message ?? 'invalid'}); delete it to get a new one`);
  }
  return parsed.data;
}

/**
 * The stack's secrets: `OPERATOR_TOKEN` / `PREDICTION_SECRET` when set (already validated by the
 * stack config), else `<dataDir>/operator-token` / `<dataDir>/prediction-secret`, created on first start.
 */
export function resolveStackSecrets(options: {
  dataDir: string;
  operatorToken?: string | undefined;
  predictionSecret?: string | undefined;
}): StackSecrets {
  const needFiles = options.operatorToken === undefined || options.predictionSecret === undefined;
  if (needFiles) mkdirSync(options.dataDir, { recursive: true });
  const operatorTokenFile = options.operatorToken === undefined ? join(options.dataDir, SECRET_FILES.operatorToken) : undefined;
  return {
    operatorToken: options.operatorToken ?? readOrCreateSecret(operatorTokenFile!),
    predictionSecret: options.predictionSecret ?? readOrCreateSecret(join(options.dataDir, SECRET_FILES.predictionSecret)),
    operatorTokenFile,
  };
}
