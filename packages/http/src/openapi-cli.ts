/**
 * `npm run openapi -w packages/http`: writes the OpenAPI document to `docs/openapi.json` (a test
 * fails while the committed copy differs from what the schemas give).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { openApiDocument } from './openapi.ts';

export const DOCUMENT_FILE = fileURLToPath(new URL('../../../docs/openapi.json', import.meta.url));

writeFileSync(DOCUMENT_FILE, `${JSON.stringify(openApiDocument(), null, 2)}\n`);
console.log(`wrote ${DOCUMENT_FILE}`);
