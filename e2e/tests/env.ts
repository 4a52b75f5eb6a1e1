/** The environment of the e2e tests, read here only: what playwright.config.ts hands the workers. */

/** `E2E_OPERATOR_TOKEN`, the operator token of the stack under test (playwright.config.ts sets it); `undefined` when unset. */
export function readOperatorToken(): string | undefined {
  return process.env.E2E_OPERATOR_TOKEN;
}
