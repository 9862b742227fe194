/**
 * Writes docs/openapi.json and docs/api-reference.md from the route schemas (api/openapi.ts):
 * `npm run openapi`. api/openapi.test.ts fails when they are out of date.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { buildMarkdown, buildOpenApi } from '../api/openapi';

export const OPENAPI_FILE = fileURLToPath(new URL('../docs/openapi.json', import.meta.url));
export const REFERENCE_FILE = fileURLToPath(new URL('../docs/api-reference.md', import.meta.url));
export const openApiText = () => `${JSON.stringify(buildOpenApi(), null, 2)}\n`;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await writeFile(OPENAPI_FILE, openApiText());
  await writeFile(REFERENCE_FILE, buildMarkdown());
  console.log(`wrote ${OPENAPI_FILE} and ${REFERENCE_FILE}`);
}
