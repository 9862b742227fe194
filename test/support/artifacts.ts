import { fileURLToPath } from 'node:url';

/** Where tests leave files worth looking at (recordings, screenshots, histories); gitignored. */
export const artifactsDir = fileURLToPath(new URL('../../data/test-artifacts/', import.meta.url));
