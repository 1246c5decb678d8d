import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/index.js';
import { embeddedConfig, tempDir } from './helpers.js';
import { startServer } from './serve-with-runtime.js';

// A port with nothing behind it: the shared rate limiter is "down".
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('Redis (shared rate limiter) unreachable', () => {
  const dir = tempDir();
  let server: RunningServer;

  beforeAll(async () => {
    server = await startServer(
      embeddedConfig(dir.dir, { REDIS_URL: `redis://127.0.0.1:${await closedPort()}` }),
    );
  });
  afterAll(async () => {
    await server?.close();
    dir.remove();
  });

  it('fails closed with 503 UNAVAILABLE, not an opaque 500', async () => {
    const res = await fetch(`${server.url}/v1/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${server.bootstrap?.apiKey}` },
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('UNAVAILABLE');
    expect(body.error.message).toContain('rate limiter');
  });
});
