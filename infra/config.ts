import fs from 'node:fs';
import path from 'node:path';

/** Committed model versions, relative to the repository root (SST runs `run()` from there). */
export const MODELS_DIR = 'packages/model-service/models';

/** Deploy-time settings, read once from the environment of `sst deploy`. */
export interface DeployConfig {
  /**
   * `MODEL_VERSION`: serve this committed model version instead of the one `models/CURRENT`
   * names. Every committed version is baked into the image, so pinning an older one is a rollback
   * without a rebuild. Unset: the service reads models/CURRENT.
   */
  modelVersion: string | undefined;
}

/**
 * Validates the deploy environment.
 * @throws Error when `MODEL_VERSION` is not a version name or names no committed model.
 */
export function readDeployConfig(env: Record<string, string | undefined>, modelsDir = MODELS_DIR): DeployConfig {
  const modelVersion = env.MODEL_VERSION?.trim() || undefined;
  if (modelVersion !== undefined) {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(modelVersion)) {
      throw new Error(`MODEL_VERSION "${modelVersion}" is not a version name (letters, digits, . _ -)`);
    }
    if (!fs.existsSync(path.join(modelsDir, modelVersion, 'model.onnx'))) {
      throw new Error(`MODEL_VERSION "${modelVersion}": ${modelsDir}/${modelVersion}/model.onnx is not committed`);
    }
  }
  return { modelVersion };
}
