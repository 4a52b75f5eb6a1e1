import { startLocalDynamo, type LocalDynamo } from '../local/dynamo.ts';

/**
 * One DynamoDB Local for a whole `npm test` run (`node --test --test-global-setup=src/testing/env.ts`):
 * a JVM takes seconds to start, so the test files share one and each creates its own uniquely named
 * tables. The endpoint reaches the test processes through {@link SHARED_ENDPOINT_VARIABLE}.
 */
export const SHARED_ENDPOINT_VARIABLE = 'DYNAMODB_TEST_ENDPOINT';

let shared: LocalDynamo | undefined;

/** node:test global setup: starts the shared in-memory DynamoDB Local. */
export async function globalSetup(): Promise<void> {
  shared = await startLocalDynamo();
  process.env[SHARED_ENDPOINT_VARIABLE] = shared.endpoint;
}

/** node:test global teardown: stops it. */
export async function globalTeardown(): Promise<void> {
  await shared?.close();
}

/** The shared test endpoint, when a global setup started one (else each test file starts its own). */
export function sharedTestEndpoint(): string | undefined {
  return process.env[SHARED_ENDPOINT_VARIABLE] || undefined;
}
