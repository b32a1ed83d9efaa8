// The web app's build: `npm run build -w client/web` (or `npm start`, which builds it when stale)
// writes client/web/dist/, which the server serves at `/`. `npm run dev -w client/web` serves it
// with hot reload and passes /graphql (HTTP and WebSocket) to a server on :4000 (`npm run dev`).
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', sourcemap: false },
  server: { proxy: { '/graphql': { target: 'http://127.0.0.1:4000', ws: true } } },
});
