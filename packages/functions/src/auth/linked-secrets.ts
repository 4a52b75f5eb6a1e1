import { Resource } from 'sst/resource';

/** SST secret names (infra) and the environment variables they stand in for. */
const LINKED = { PredictionSecret: 'PREDICTION_SECRET', OperatorToken: 'OPERATOR_TOKEN' } as const;

/**
 * The SST secrets linked to this Lambda (`sst secret set PredictionSecret …`), as the environment
 * variables the config reads; SST ships linked values encrypted in the bundle, not as plain
 * environment variables. Outside SST (tests, `npm start`) this is `{}`.
 */
export function linkedSecrets(): Record<string, string> {
  const resources = Resource as unknown as Record<string, { value?: unknown } | undefined>;
  const env: Record<string, string> = {};
  for (const [name, variable] of Object.entries(LINKED)) {
    const value = name in resources ? resources[name]?.value : undefined;
    if (typeof value === 'string') env[variable] = value;
  }
  return env;
}
