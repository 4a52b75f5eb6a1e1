/**
 * The two secrets of issue 7, set per stage with the SST CLI (see docs/deploy.md):
 * - `OperatorToken`: the operator's bearer token (getcsv, the operator sign-in);
 * - `PredictionSecret`: the HMAC secret the model service signs predictions with and the review
 *   functions verify them with.
 * They are `link`ed, never put in `environment`: a Lambda gets them encrypted inside its bundle
 * (read with `Resource.<Name>.value`), the service as `SST_RESOURCE_PredictionSecret`.
 */
export function createSecrets() {
  const operatorToken = new sst.Secret('OperatorToken');
  const predictionSecret = new sst.Secret('PredictionSecret');
  return { operatorToken, predictionSecret };
}

export type Secrets = ReturnType<typeof createSecrets>;
