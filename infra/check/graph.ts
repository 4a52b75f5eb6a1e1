/**
 * The resource graph that evaluating `sst.config.ts` under Pulumi mocks produces, as plain JSON.
 * Written by `evaluate-child.ts`, read by `assertions.ts`.
 */

/** One registered resource: Pulumi type token, logical name, the inputs SST passed, its options. */
export interface GraphResource {
  type: string;
  name: string;
  /** Inputs as the Pulumi engine would receive them (outputs resolved, secrets unwrapped). */
  inputs: Record<string, unknown>;
  /** Set by SST's stack transformation on stages with `removal: 'retain'`. */
  retainOnDelete: boolean;
  /** Resource option `protect`. */
  protect: boolean;
}

/** One `Runtime.Build` request SST made for a Lambda, and what the stub build found. */
export interface FunctionBuild {
  functionID: string;
  handler: string;
  /** Linked resources by name with their properties, as the handler sees them in `Resource`. */
  links: Record<string, Record<string, unknown>>;
  /** Source file the handler resolved to, relative to the repository root; null when missing. */
  file: string | null;
  /** Named exports of that file, from esbuild's metafile. */
  exports: string[];
  errors: string[];
}

export interface Graph {
  stage: string;
  app: { name: string; removal: string; protect: boolean };
  resources: GraphResource[];
  /** What `run()` returned (stack outputs), resolved. */
  outputs: Record<string, unknown>;
  builds: FunctionBuild[];
  /** Errors raised while evaluating (thrown in `run()`, in an `apply`, or unhandled). */
  errors: string[];
  /** Provider functions the mocks did not know and answered generically. */
  unknownCalls: string[];
}

/** Account and region the mocks answer with. */
export const MOCK_ACCOUNT = '123456789012';
export const MOCK_REGION = 'us-east-1';

/** Host the mocks give an API Gateway API registered as `name`. */
export function mockApiHost(name: string): string {
  return `${name.toLowerCase()}.execute-api.${MOCK_REGION}.amazonaws.com`;
}

/** Host the mocks give a load balancer registered as `name`. */
export function mockLoadBalancerHost(name: string): string {
  return `${name.toLowerCase()}.${MOCK_REGION}.elb.amazonaws.com`;
}
