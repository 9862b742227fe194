import { defineConfig } from 'vite';

/**
 * The builder app. `npm run dev -w web` serves it with live reload and forwards /api and /healthz
 * to the API (`npm start`, port 3000, or API_URL); `npm run build -w web` writes web/dist, which
 * the API serves in production.
 */
export default defineConfig({
  root: import.meta.dirname,
  // @switchboard/flow-model is TypeScript source in the workspace; Vite compiles it like our own files.
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 1500,
    rolldownOptions: {
      // React Server Components' "use client" marker means nothing in a client-only bundle.
      onwarn(warning, warn) {
        if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
      },
    },
  },
  server: {
    port: 5173,
    proxy: {
      '/api': { target: process.env.API_URL ?? 'http://127.0.0.1:3000', ws: true },
      '/healthz': process.env.API_URL ?? 'http://127.0.0.1:3000',
    },
  },
});
