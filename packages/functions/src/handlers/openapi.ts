import { openApiDocument } from '@sentiment/http/openapi';
import type { LambdaHandler } from '../lambda/edge.ts';

/**
 * `GET /api/openapi.json` — the OpenAPI 3.1 document of every `/api/*` and `/model/*` route, built
 * from core's zod schemas (the same that validate requests), so it cannot drift from the code.
 * Needs no configuration: the document is built once per container.
 */
export function createOpenApiHandler(): LambdaHandler {
  const body = `${JSON.stringify(openApiDocument(), null, 2)}\n`;
  return () =>
    Promise.resolve({
      statusCode: 200,
      headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'public, max-age=300' },
      body,
      isBase64Encoded: false,
    });
}

export const handler = createOpenApiHandler();
