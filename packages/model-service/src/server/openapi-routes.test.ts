import assert from 'node:assert/strict';
import { it } from 'node:test';
import type Router from '@koa/router';
import { documentedRoutes } from '@sentiment/http/openapi';
import { createApp } from './app.ts';
import { memoryLogger } from './test-support.ts';

it('every route the model service serves is in the OpenAPI document under /model, and no other /model route is', () => {
  const app = createApp({ logger: memoryLogger().logger, summaryIntervalMs: 3_600_000 });
  // @koa/router marks its dispatch middleware with the router it came from.
  const router = app.middleware.map((m) => (m as { router?: Router }).router).find((r) => r !== undefined);
  assert.ok(router, 'the app mounts a router');
  const served = router.stack.flatMap((layer) => layer.methods.filter((m) => m !== 'HEAD').map((method) => `${method} /model${String(layer.path)}`));
  assert.ok(served.length >= 6, served.join(', '));
  const documented = documentedRoutes().filter((route) => route.split(' ')[1]!.startsWith('/model/'));
  assert.deepEqual([...served].sort(), [...documented].sort());
});
