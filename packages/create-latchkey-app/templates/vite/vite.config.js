// Vite serves the page; the plugin below mounts the backend's routes (server/latchkey.js)
// in the same process, so `npm run dev` is one command. `npm start` serves the built
// page and the same routes with plain node:http (server/index.js).
import react from '@vitejs/plugin-react';
import { defineConfig, loadEnv } from 'vite';
import { latchkeyApi } from './server/latchkey.js';

export default defineConfig(({ mode }) => {
  // LATCHKEY_* from .env, for the server side only: Vite puts nothing but VITE_* in the page.
  const env = loadEnv(mode, import.meta.dirname, 'LATCHKEY_');
  /** @type {import('vite').Plugin} */
  const backend = {
    name: 'latchkey-backend',
    configureServer: (server) => void server.middlewares.use(latchkeyApi(env)),
    configurePreviewServer: (server) => void server.middlewares.use(latchkeyApi(env)),
  };
  return { plugins: [react(), backend] };
});
