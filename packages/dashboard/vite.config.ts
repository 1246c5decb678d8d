import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `npm run dev -w @latchkey/dashboard` serves the app with hot reload and sends the API
// paths to a running `npm start` (LATCHKEY_URL, default http://127.0.0.1:8787). The
// server refuses state-changing requests from another origin (CSRF), so the proxy
// presents the server's own origin.
const target = process.env.LATCHKEY_URL ?? 'http://127.0.0.1:8787';
const api = {
  target,
  changeOrigin: true,
  configure: (proxy: {
    on(event: 'proxyReq', cb: (req: { setHeader(n: string, v: string): void }) => void): void;
  }) => proxy.on('proxyReq', (req) => req.setHeader('origin', new URL(target).origin)),
};

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The server sends a strict CSP (script-src 'self'): nothing inline, not even the
    // modulepreload polyfill (every browser the dashboard supports has modulepreload).
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: { '/v1': api, '/docs': api, '/.well-known': api, '/healthz': api },
  },
});
