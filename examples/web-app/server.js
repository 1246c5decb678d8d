// @ts-check
// Runs the example against a Latchkey you already have:
//   LATCHKEY_API_KEY=rk_… LATCHKEY_BASE_URL=http://127.0.0.1:8787 node examples/web-app/server.js
// (`npm run example` at the repo root starts a local Latchkey for you instead.)
import { startExample } from './src/app.js';

const apiKey = process.env.LATCHKEY_API_KEY;
const platformUrl = process.env.LATCHKEY_BASE_URL ?? 'http://127.0.0.1:8787';
if (!apiKey) {
  console.error(
    'Set LATCHKEY_API_KEY to an app key (rk_…), or run `npm run example` from the repo root.',
  );
  process.exit(2);
}
const app = await startExample({ apiKey, platformUrl, port: Number(process.env.PORT ?? 3000) });
console.log(`Example app: ${app.url}  (Latchkey at ${platformUrl})`);
const stop = () => void app.close().then(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
