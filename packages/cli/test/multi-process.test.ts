import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mint, runJson, type Served, serve } from './helpers.js';

const BASE = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const dbName = `lk_multi_${randomBytes(4).toString('hex')}`;
const url = (() => {
  const u = new URL(BASE);
  u.pathname = `/${dbName}`;
  return u.toString();
})();
const env = { DATABASE_URL: url, LATCHKEY_SECRET: randomBytes(32).toString('base64url') };

async function admin(sql: string) {
  const c = new pg.Client({ connectionString: BASE });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

describe('two latchkey serve processes on one PostgreSQL', () => {
  let a: Served;
  let b: Served;

  beforeAll(async () => {
    // Under CI a missing PostgreSQL is a failure: this throws and the suite fails.
    await admin(`create database ${dbName}`);
    [a, b] = await Promise.all([serve(['--no-bootstrap'], env), serve(['--no-bootstrap'], env)]);
  });

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await admin(`drop database if exists ${dbName} with (force)`);
  });

  it('a key revoked through the CLI is refused by both processes within 1 s', async () => {
    runJson(['admin', 'org', 'create', '--name', 'Multi'], env);
    const key = runJson<{ id: string; secret: string }>(
      ['admin', 'key', 'create', '--org', 'multi'],
      env,
    );
    // Both processes have now verified (and cached) the key.
    expect((await mint(a.url, key.secret)).status).toBe(201);
    expect((await mint(b.url, key.secret)).status).toBe(201);

    const revokedAt = Date.now();
    runJson(['admin', 'key', 'revoke', key.id], env);
    const cliReturned = Date.now();
    const latency: number[] = [];
    for (const server of [a, b]) {
      for (;;) {
        const r = await mint(server.url, key.secret);
        if (r.status === 401) {
          expect(r.body.error?.code).toBe('API_KEY_REVOKED');
          latency.push(Date.now() - revokedAt);
          break;
        }
        expect(r.status).toBe(201);
        if (Date.now() - revokedAt > 5_000) throw new Error('revocation did not arrive within 5 s');
        await new Promise((r2) => setTimeout(r2, 10));
      }
    }
    console.log(
      `revocation seen by both processes ${latency.join(' ms, ')} ms after the revoke command started (the CLI itself took ${cliReturned - revokedAt} ms)`,
    );
    expect(Math.max(...latency)).toBeLessThan(1000);
  });

  it('both processes publish the same JWKS, and a token from one verifies against the other', async () => {
    const key = runJson<{ secret: string }>(['admin', 'key', 'create', '--org', 'multi'], env);
    const ja = await (await fetch(`${a.url}/.well-known/jwks.json`)).json();
    const jb = await (await fetch(`${b.url}/.well-known/jwks.json`)).json();
    expect(ja).toEqual(jb);
    runJson(['admin', 'signing-key', 'rotate'], env);
    // After a rotation through the CLI both processes serve the new key set.
    const deadline = Date.now() + 5_000;
    let ka: { keys: Array<{ kid: string }> };
    let kb: { keys: Array<{ kid: string }> };
    do {
      ka = await (await fetch(`${a.url}/.well-known/jwks.json`)).json();
      kb = await (await fetch(`${b.url}/.well-known/jwks.json`)).json();
    } while ((ka.keys.length < 2 || kb.keys.length < 2) && Date.now() < deadline);
    expect(ka.keys).toHaveLength(2);
    expect(kb).toEqual(ka);
    const minted = await mint(a.url, key.secret);
    const header = JSON.parse(
      Buffer.from((minted.body.token as string).split('.')[0] as string, 'base64url').toString(),
    );
    expect(header.kid).toBe(ka.keys[0]?.kid);
  });
});
