import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, relative } from 'node:path';
import type { StackConfig } from './config.ts';
import { claimDataLock, DataFolderInUseError } from './data-lock.ts';
import { javaVersion, MIN_JAVA_VERSION } from '../../packages/functions/src/local/dynamo.ts';

/** How to get a Java runtime, for the preflight message. */
const INSTALL_JAVA = 'install it (Debian/Ubuntu: apt-get install -y default-jre-headless; macOS: brew install openjdk)';

/** The model files the model service loads from its version folder. */
export const MODEL_FILES = ['model.onnx', 'model.json', 'tokenizer.json'] as const;

/** A start-up problem the person can fix: `message` is one sentence that names the fix. */
export class PreflightError extends Error {
  readonly code: 'port_in_use' | 'data_folder_locked' | 'model_missing' | 'java_missing';
  constructor(code: PreflightError['code'], message: string) {
    super(message);
    this.name = 'PreflightError';
    this.code = code;
  }
}

/** What {@link preflight} leaves claimed for the stack: release it when the stack stops. */
export interface Preflight {
  /** Absolute model version folder the model service will serve. */
  modelDir: string;
  /** Releases the data-folder lock (a no-op for an in-memory store). */
  releaseDataLock: () => void;
}

/**
 * Checks, before anything starts (web build, DynamoDB, children), what would otherwise fail halfway
 * with a stack trace: the model folder has its files, a Java 17+ runtime for DynamoDB Local is there, the data folder is not held by another
 * `npm start` (claims it; see data-lock.ts), and the port is free. In that order, so a missing model
 * is reported without touching the data folder.
 * @throws {PreflightError} with one sentence naming the problem and its fix.
 */
export async function preflight(config: StackConfig): Promise<Preflight> {
  const modelDir = resolveModelDir(config);
  checkJava(config.java);
  let releaseDataLock = () => {};
  if (config.dynamoPath) {
    mkdirSync(config.dynamoPath, { recursive: true });
    try {
      releaseDataLock = claimDataLock(`${config.dynamoPath}.lock`);
    } catch (error) {
      if (!(error instanceof DataFolderInUseError)) throw error;
      throw new PreflightError(
        'data_folder_locked',
        `The data folder ${shown(config, config.dynamoPath)} is in use by another npm start (process ${error.pid}); stop that one first, or start this one with DATA_DIR=<another folder> or DYNAMO_IN_MEMORY=1.`,
      );
    }
  }
  try {
    if (config.port !== 0 && !(await portIsFree(config.port, config.host))) {
      throw new PreflightError(
        'port_in_use',
        `Port ${config.port} on ${config.host} is already in use (another npm start or another program); stop that program, or choose another port, e.g. PORT=${config.port === 3000 ? 4000 : 3000} npm start.`,
      );
    }
  } catch (error) {
    releaseDataLock();
    throw error;
  }
  return { modelDir, releaseDataLock };
}

/**
 * DynamoDB Local (the embedded store) runs on Java {@link MIN_JAVA_VERSION}+.
 * @throws {PreflightError} `java_missing` when `java` is not found or older.
 */
function checkJava(java: string): void {
  const version = javaVersion(java);
  if (version === undefined) throw new PreflightError('java_missing', `Java ${MIN_JAVA_VERSION}+ runtime not found: ${INSTALL_JAVA}.`);
  if (version < MIN_JAVA_VERSION) {
    throw new PreflightError('java_missing', `Java ${version} found, but the embedded DynamoDB needs Java ${MIN_JAVA_VERSION}+: ${INSTALL_JAVA}.`);
  }
}

/**
 * The model folder the service will load: `MODEL_DIR`, or the version `models/CURRENT` names.
 * @throws {PreflightError} `model_missing` when the folder or one of {@link MODEL_FILES} is missing.
 */
function resolveModelDir(config: StackConfig): string {
  const modelsDir = join(config.repoRoot, 'packages', 'model-service', 'models');
  const train = 'train one with `npm run train -- --data ../shared/data/isear/train.csv --promote`';
  let modelDir = config.modelDir;
  if (modelDir === undefined) {
    const currentFile = join(modelsDir, 'CURRENT');
    const version = existsSync(currentFile) ? (readFileSync(currentFile, 'utf8').split('\n')[0] ?? '').trim() : '';
    if (!version) {
      throw new PreflightError(
        'model_missing',
        `No model to serve: ${shown(config, currentFile)} is missing or empty; ${train}, or set MODEL_DIR to a model version folder.`,
      );
    }
    modelDir = join(modelsDir, version);
  }
  const missing = MODEL_FILES.filter((file) => !existsSync(join(modelDir, file)));
  if (missing.length > 0) {
    throw new PreflightError(
      'model_missing',
      config.modelDir === undefined
        ? `The model version ${shown(config, modelDir)} named in models/CURRENT lacks ${missing.join(', ')}; ${train}, or set MODEL_DIR to a model version folder.`
        : `MODEL_DIR=${shown(config, modelDir)} lacks ${missing.join(', ')}; set MODEL_DIR to a model version folder (one with ${MODEL_FILES.join(', ')}), or leave it unset to serve the version models/CURRENT names.`,
    );
  }
  return modelDir;
}

/** A path as the person typed it: relative to the repository root when inside it. */
function shown(config: StackConfig, path: string): string {
  const inside = relative(config.repoRoot, path);
  return inside && !inside.startsWith('..') ? inside : path;
}

/** True when `host:port` can be bound right now (closed again at once). */
function portIsFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') resolve(false);
      else reject(error);
    });
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}
