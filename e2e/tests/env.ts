/** The environment of the e2e tests, read here only: what playwright.config.ts hands the workers. */

/** `E2E_OPERATOR_TOKEN`, the operator token of the stack under test (playwright.config.ts sets it); `undefined` when unset. */
export function readOperatorToken(): string | undefined {
  return process.env.E2E_OPERATOR_TOKEN;
}

/** `E2E_PREDICTION_SECRET`, the prediction-signing secret of the stack under test; `undefined` when unset. */
export function readPredictionSecret(): string | undefined {
  return process.env.E2E_PREDICTION_SECRET;
}

/** The workers' environment (PATH to Node 24 and the rest), for a second stack a test starts itself. */
export function inheritedEnv(): NodeJS.ProcessEnv {
  return { ...process.env };
}
