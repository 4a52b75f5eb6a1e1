import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ERROR_CODES, ERROR_STATUS } from '@sentiment/core';
import { documentedRoutes, openApiDocument } from './openapi.ts';

const COMMITTED = new URL('../../../docs/openapi.json', import.meta.url);

type Operation = {
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { content?: Record<string, unknown> }>;
};

describe('the OpenAPI document', () => {
  it('docs/openapi.json is what the schemas give today (run `npm run openapi -w packages/http` after changing a schema or route)', () => {
    assert.equal(readFileSync(COMMITTED, 'utf8'), `${JSON.stringify(openApiDocument(), null, 2)}\n`);
  });

  it('is OpenAPI 3.1 with every route under /model/* or /api/*', () => {
    const document = openApiDocument();
    assert.equal(document.openapi, '3.1.0');
    const routes = documentedRoutes(document);
    assert.ok(routes.length >= 10, routes.join(', '));
    for (const route of routes) assert.match(route, /^(GET|POST|PATCH|DELETE) \/(model|api)\/[a-z./-]+(\/\{[a-z]+\})?$/);
    // Every {name} in a path is a required path parameter of each of its operations.
    const paths = document.paths as Record<string, Record<string, { parameters?: { name: string; in: string; required: boolean }[] }>>;
    for (const [path, operations] of Object.entries(paths)) {
      const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const operation of Object.values(operations)) {
        assert.deepEqual(
          (operation.parameters ?? []).filter((p) => p.in === 'path' && p.required).map((p) => p.name),
          names,
          path,
        );
      }
    }
  });

  it('request bodies come from the core schemas: strict objects with their required fields', () => {
    const paths = openApiDocument().paths as Record<string, Record<string, Operation>>;
    const body = (path: string) => paths[path]!.post!.requestBody!.content['application/json']!.schema;
    assert.deepEqual(body('/model/predict').required, ['text']);
    assert.equal(body('/model/predict').additionalProperties, false);
    assert.match(String((body('/model/predict').properties as { text: { description: string } }).text.description), /1000 code points/);
    assert.deepEqual(body('/api/approve').required, [
      'predictionId',
      'text',
      'predictedLabel',
      'label',
      'modelVersion',
      'probabilities',
      'predictionToken',
    ]);
  });

  it('every error response points at the one error body, whose code lists every code of core', () => {
    const document = openApiDocument();
    const errorBody = (document.components as { schemas: { ErrorBody: { properties: { error: { properties: { code: { enum: string[] } } } } } } })
      .schemas.ErrorBody;
    assert.deepEqual(errorBody.properties.error.properties.code.enum, ERROR_CODES);
    const statuses = new Set(Object.values(ERROR_STATUS).map(String));
    for (const operations of Object.values(document.paths as Record<string, Record<string, Operation>>)) {
      for (const [status, response] of Object.entries(Object.values(operations)[0]!.responses)) {
        if (Number(status) < 400) continue;
        assert.ok(statuses.has(status), `status ${status} has a code in core`);
        assert.deepEqual(response.content, { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } });
      }
    }
  });
});
