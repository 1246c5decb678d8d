// A Latchkey server in its own process, for bench/tokens.mjs.
//
// Configured from the environment exactly like `latchkey serve` (loadConfig), on a
// fresh database, so `startServer` creates the development org and its app key.
// It prints one line on stdout:  BENCH_TARGET {"url":…,"key":…,"db":…}
// and answers IPC messages from the parent:
//   { id, type: 'audit-count' } -> { id, ok, count }   (token.minted rows in audit_events)
//   { id, type: 'close' }       -> { id, ok } then exits (so --cpu-prof can write its profile)
import { embeddedRuntime } from '../../packages/runtime/dist/index.js';
import { loadConfig, startServer } from '../../packages/server/dist/index.js';

const config = loadConfig(process.env);
if (config.host !== '127.0.0.1')
  throw new Error(`bench targets bind 127.0.0.1 only, not ${config.host}`);
// As `latchkey serve` runs: with the embedded runtime (LATCHKEY_EMBEDDED_RUNTIME decides).
const server = await startServer(config, { runtime: embeddedRuntime() });
const key = server.bootstrap?.apiKey;
if (!key) throw new Error('no bootstrap key: the benchmark needs a fresh, empty database');

let closing;
const close = () => {
  closing ??= server.close().catch(() => undefined);
  return closing;
};

process.on('message', async (msg) => {
  const reply = (body) => process.send?.({ id: msg.id, ...body });
  try {
    if (msg.type === 'audit-count') {
      // No flush first: every 2xx was sent only after its row was committed.
      const row = await server.platform.db
        .selectFrom('audit_events')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('action', '=', 'token.minted')
        .executeTakeFirstOrThrow();
      reply({ ok: true, count: Number(row.n) });
    } else if (msg.type === 'close') {
      await close();
      reply({ ok: true });
      process.disconnect?.();
      process.exit(0);
    } else {
      reply({ ok: false, error: `unknown message ${msg.type}` });
    }
  } catch (error) {
    reply({ ok: false, error: String(error?.stack ?? error) });
  }
});
// The parent went away: do not linger.
process.on('disconnect', () => close().then(() => process.exit(0)));
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => close().then(() => process.exit(0)));

process.stdout.write(
  `BENCH_TARGET ${JSON.stringify({ url: server.url, key, db: server.platform.database.kind })}\n`,
);
