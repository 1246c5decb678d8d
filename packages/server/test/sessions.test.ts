// Realtime sessions through the real HTTP API, on a real server with its embedded
// runtime: creation and every refusal, ownership, limits under concurrency, signaling
// with a real WebRTC peer (werift in Node), commands, the kill switch, the sweeper.
import { generateSigningKey, signSessionToken } from '@latchkey/core/node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { listAudit } from '../src/services/audit.js';
import { readError } from './helpers.js';
import { type Realtime, startRealtime } from './realtime-helpers.js';
import { createTestPeer, isClosing, isReady, type TestPeer } from './webrtc-client.js';

let rt: Realtime;
beforeAll(async () => {
  rt = await startRealtime();
});
afterAll(async () => {
  await rt?.close();
});

interface Session {
  sessionId: string;
  state: string;
  closeReason: string | null;
  model: string;
  expiresAt: string;
  iceServers?: unknown[];
}

async function create(auth: string, body: unknown = { model: 'echo' }, origin?: string) {
  const res = await rt.call('POST', '/v1/sessions', { auth, body, ...(origin ? { origin } : {}) });
  return res;
}
async function created(auth: string, body?: unknown, origin?: string): Promise<Session> {
  const res = await create(auth, body, origin);
  if (res.status !== 201) throw new Error(`${res.status} ${await res.text()}`);
  return (await res.json()) as Session;
}
const getSession = async (auth: string, id: string) =>
  (await (await rt.call('GET', `/v1/sessions/${id}`, { auth })).json()) as Session;

/** Opens the media of a session with a werift peer and waits for the model's ready message. */
async function connect(auth: string, sessionId: string): Promise<TestPeer> {
  const peer = await createTestPeer({ video: true });
  const res = await rt.call('POST', `/v1/sessions/${sessionId}/offer`, {
    auth,
    body: { sdp: peer.offer },
  });
  expect(res.status).toBe(200);
  const answer = (await res.json()) as { type: string; sdp: string };
  expect(answer.type).toBe('answer');
  await peer.answer(answer.sdp);
  await peer.next(isReady);
  return peer;
}

function waitFor<T>(what: string, check: () => Promise<T | undefined>, ms = 10_000) {
  return vi.waitFor(
    async () => {
      const v = await check();
      if (v === undefined) throw new Error(`still waiting for ${what}`);
      return v;
    },
    { timeout: ms, interval: 20 },
  );
}

describe('models', () => {
  it('lists the demo models to a key and to a token', async () => {
    for (const auth of [rt.key, await rt.token()]) {
      const res = await rt.call('GET', '/v1/models', { auth });
      expect(res.status).toBe(200);
      const { models } = (await res.json()) as { models: { name: string; kind: string }[] };
      expect(models).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ name: 'echo', kind: 'realtime' }),
          expect.objectContaining({ name: 'render', kind: 'batch' }),
        ]),
      );
    }
  });
});

describe('creating a session', () => {
  it('a token opens one: 201, created, expiry from the grant, audited with token and key ids', async () => {
    const token = await rt.token({ models: ['echo'], maxSessionSeconds: 120 });
    const before = rt.clock.now();
    const s = await created(token);
    expect(s).toMatchObject({ model: 'echo', state: 'created', closeReason: null, iceServers: [] });
    expect(s.sessionId).toMatch(/^ses_[0-9A-Za-z]{22}$/);
    expect(new Date(s.expiresAt).getTime()).toBe(before + 120_000);
    await rt.server.platform.audit.flush();
    const events = await listAudit(rt.server.platform.db, {
      orgId: rt.orgId,
      action: 'session.started',
    });
    const row = events.find((e) => e.target === s.sessionId);
    expect(row?.data).toMatchObject({ model: 'echo', keyId: expect.stringMatching(/^key_/) });
    expect(row?.data.tokenId).toMatch(/^tok_/);
  });

  it('an app key opens one for a server-side caller', async () => {
    const s = await created(rt.key, { model: 'echo', maxSessionSeconds: 60 });
    expect(s.state).toBe('created');
    expect((await getSession(rt.key, s.sessionId)).state).toBe('created');
  });

  const refusals: [
    string,
    () => Promise<{ auth?: string; body?: unknown; origin?: string }>,
    number,
    string,
  ][] = [
    ['no credentials', async () => ({ body: { model: 'echo' } }), 401, 'MISSING_API_KEY'],
    [
      'a forged token (signed by a key the platform never had)',
      async () => {
        const pair = generateSigningKey('sig_forged');
        const now = Math.floor(rt.clock.now() / 1000);
        const token = signSessionToken(
          {
            iss: rt.url,
            aud: 'latchkey',
            sub: rt.orgId,
            jti: 'tok_forged',
            iat: now,
            nbf: now,
            exp: now + 600,
            key: 'key_forged',
            grant: {
              models: ['*'],
              maxSessions: 9,
              origins: [],
              maxSessionSeconds: 60,
              metadata: {},
            },
          },
          pair,
        );
        return { auth: token, body: { model: 'echo' } };
      },
      401,
      'INVALID_TOKEN',
    ],
    [
      'a token for another model',
      async () => ({ auth: await rt.token({ models: ['render'] }), body: { model: 'echo' } }),
      403,
      'MODEL_NOT_ALLOWED',
    ],
    [
      'a token limited to another origin',
      async () => ({
        auth: await rt.token({ origins: ['https://app.example.com'] }),
        body: { model: 'echo' },
        origin: 'https://evil.example.net',
      }),
      403,
      'ORIGIN_NOT_ALLOWED',
    ],
    [
      'a token limited to an origin, from a request with no Origin',
      async () => ({
        auth: await rt.token({ origins: ['https://app.example.com'] }),
        body: { model: 'echo' },
      }),
      403,
      'ORIGIN_NOT_ALLOWED',
    ],
    [
      'a model nobody serves',
      async () => ({ auth: await rt.token(), body: { model: 'no-such-model' } }),
      404,
      'MODEL_NOT_FOUND',
    ],
    [
      'a batch model',
      async () => ({ auth: await rt.token(), body: { model: 'render' } }),
      404,
      'MODEL_NOT_FOUND',
    ],
    ['no body', async () => ({ auth: await rt.token() }), 400, 'INVALID_REQUEST'],
    [
      'an unknown field',
      async () => ({ auth: await rt.token(), body: { model: 'echo', foo: 1 } }),
      400,
      'INVALID_REQUEST',
    ],
    [
      'maxSessionSeconds from a token caller (the grant sets it)',
      async () => ({ auth: await rt.token(), body: { model: 'echo', maxSessionSeconds: 9 } }),
      400,
      'INVALID_REQUEST',
    ],
  ];
  it.each(refusals)('refuses %s', async (_what, make, status, code) => {
    const r = await make();
    const res = await rt.call('POST', '/v1/sessions', r);
    expect(res.status).toBe(status);
    const body = await readError(res);
    expect(body.error.code).toBe(code);
    expect(body.error.message).not.toMatch(/eyJ/);
  });

  it('refuses an expired token with TOKEN_EXPIRED', async () => {
    const token = await rt.token({ expiresIn: 60 });
    rt.clock.advance(61_000 + 30_000);
    try {
      const res = await create(token);
      expect(res.status).toBe(401);
      expect((await readError(res)).error.code).toBe('TOKEN_EXPIRED');
    } finally {
      rt.clock.advance(-91_000);
    }
  });

  it('refuses a partner key with WRONG_KEY_KIND', async () => {
    const org = await rt.admin.createOrg({ name: 'Partner Co', partner: true, actor: 'test' });
    if (!org.ok) throw new Error(org.message);
    const k = await rt.admin.createKey({ org: org.value.id, kind: 'partner', actor: 'test' });
    if (!k.ok) throw new Error(k.message);
    const res = await create(k.value.secret);
    expect(res.status).toBe(403);
    expect((await readError(res)).error.code).toBe('WRONG_KEY_KIND');
  });

  it('audits refusals with their code', async () => {
    const token = await rt.token({ models: ['render'] });
    await create(token);
    await rt.server.platform.audit.flush();
    const events = await listAudit(rt.server.platform.db, {
      orgId: rt.orgId,
      action: 'session.refused',
    });
    expect(events.map((e) => e.outcome)).toContain('MODEL_NOT_ALLOWED');
  });
});

describe('maxSessions', () => {
  it('holds exactly maxSessions open under one token, even when creates race', async () => {
    const token = await rt.token({ maxSessions: 2 });
    const results = await Promise.all(Array.from({ length: 6 }, () => create(token)));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 201, 409, 409, 409, 409]);
    const refused = results.find((r) => r.status === 409) as Response;
    const err = await readError(refused);
    expect(err.error.code).toBe('SESSION_LIMIT');
    expect(err.error.message).toMatch(/allows 2 open sessions at a time, and 2 are open/);
  });

  it('a closed session frees its slot', async () => {
    const token = await rt.token({ maxSessions: 1 });
    const first = await created(token);
    expect((await create(token)).status).toBe(409);
    const del = await rt.call('DELETE', `/v1/sessions/${first.sessionId}`, { auth: token });
    expect(del.status).toBe(200);
    expect(((await del.json()) as Session).closeReason).toBe('client_closed');
    expect((await create(token)).status).toBe(201);
  });
});

describe('who sees a session', () => {
  it('the same end user with a fresh token does; another user, another org do not', async () => {
    const mine = await rt.token({ metadata: { userId: 'u_1' } });
    const s = await created(mine);
    const again = await rt.token({ metadata: { userId: 'u_1' } });
    expect((await getSession(again, s.sessionId)).sessionId).toBe(s.sessionId);
    const someoneElse = await rt.token({ metadata: { userId: 'u_2' } });
    for (const method of ['GET', 'DELETE'] as const) {
      const res = await rt.call(method, `/v1/sessions/${s.sessionId}`, { auth: someoneElse });
      expect(res.status).toBe(404);
      expect((await readError(res)).error.code).toBe('NOT_FOUND');
    }
    const other = await rt.otherOrg();
    const res = await rt.call('GET', `/v1/sessions/${s.sessionId}`, { auth: other.key });
    expect(res.status).toBe(404);
    // The org's own key sees it.
    expect((await getSession(rt.key, s.sessionId)).state).toBe('created');
  });

  it('answers NOT_FOUND for ids that are not session ids', async () => {
    const res = await rt.call('GET', '/v1/sessions/../v1/tokens', { auth: rt.key });
    expect(res.status).toBe(404);
    const res2 = await rt.call('GET', '/v1/sessions/ses_x', { auth: rt.key });
    expect((await readError(res2)).error.code).toBe('NOT_FOUND');
  });
});

describe('signaling and media (werift peer)', () => {
  it('offer → answer → waiting → active; a command round-trips; DELETE closes it everywhere', async () => {
    const token = await rt.token({ models: ['echo'] });
    const s = await created(token);
    const peer = await connect(token, s.sessionId);
    try {
      await waitFor('active', async () =>
        (await getSession(token, s.sessionId)).state === 'active' ? true : undefined,
      );
      const reply = await peer.command('set_prompt', { prompt: 'a red fox' });
      expect(reply).toMatchObject({ type: 'reply', ok: true });
      const unknown = await peer.command('no_such_command');
      expect(unknown).toMatchObject({
        type: 'reply',
        ok: false,
        error: { code: 'UNKNOWN_COMMAND' },
      });
      const del = await rt.call('DELETE', `/v1/sessions/${s.sessionId}`, { auth: token });
      expect(((await del.json()) as Session).state).toBe('closed');
      expect((await peer.next(isClosing)).reason).toBe('client_closed');
      await waitFor('runtime to drop it', async () =>
        rt.server.runtime?.liveSessions().includes(s.sessionId) ? undefined : true,
      );
      // DELETE again: idempotent, same answer.
      const again = await rt.call('DELETE', `/v1/sessions/${s.sessionId}`, { auth: token });
      expect(again.status).toBe(200);
      expect(((await again.json()) as Session).closeReason).toBe('client_closed');
      const offer = await rt.call('POST', `/v1/sessions/${s.sessionId}/offer`, {
        auth: token,
        body: { sdp: peer.offer },
      });
      expect(offer.status).toBe(409);
      expect((await readError(offer)).error.code).toBe('SESSION_CLOSED');
    } finally {
      await peer.close();
    }
  });

  it('refuses an offer that is not SDP', async () => {
    const token = await rt.token();
    const s = await created(token);
    const res = await rt.call('POST', `/v1/sessions/${s.sessionId}/offer`, {
      auth: token,
      body: { sdp: 'hello' },
    });
    expect(res.status).toBe(400);
    expect((await readError(res)).error.code).toBe('INVALID_REQUEST');
    const garbage = await rt.call('POST', `/v1/sessions/${s.sessionId}/offer`, {
      auth: token,
      body: { sdp: 'v=0\r\nthis is not a session description' },
    });
    expect(garbage.status).toBe(400);
  });

  it('rotating the minting key (no grace) leaves the live session running', async () => {
    const k = await rt.admin.createKey({ org: rt.orgId, name: 'rotated', actor: 'test' });
    if (!k.ok) throw new Error(k.message);
    const token = await rt.token({ models: ['echo'] }, k.value.secret);
    const s = await created(token);
    const peer = await connect(token, s.sessionId);
    try {
      const rotated = await rt.admin.rotateKey({
        id: k.value.key.id,
        graceSeconds: 0,
        actor: 'test',
      });
      expect(rotated.ok).toBe(true);
      expect((await rt.call('POST', '/v1/tokens', { auth: k.value.secret })).status).toBe(401);
      expect(await peer.command('ping')).toMatchObject({ ok: true });
      await waitFor('active', async () =>
        (await getSession(rt.key, s.sessionId)).state === 'active' ? true : undefined,
      );
    } finally {
      await peer.close();
    }
  });

  it('revoking the minting key leaves the live session running; --end-sessions ends it', async () => {
    const k = await rt.admin.createKey({ org: rt.orgId, name: 'leaky', actor: 'test' });
    if (!k.ok) throw new Error(k.message);
    const token = await rt.token({ models: ['echo'] }, k.value.secret);
    const s = await created(token);
    const peer = await connect(token, s.sessionId);
    try {
      const revoked = await rt.admin.revokeKey({ id: k.value.key.id, actor: 'test' });
      expect(revoked.ok).toBe(true);
      await waitFor('active', async () =>
        (await getSession(rt.key, s.sessionId)).state === 'active' ? true : undefined,
      );
      expect(await peer.command('ping')).toMatchObject({ ok: true });
      // Minting is refused now, the open session is not.
      const mint = await rt.call('POST', '/v1/tokens', { auth: k.value.secret });
      expect(mint.status).toBe(401);

      const ended = await rt.admin.revokeKey({
        id: k.value.key.id,
        endSessions: true,
        actor: 'test',
      });
      expect(ended.ok && ended.value.sessionsEnded).toBe(1);
      expect((await peer.next(isClosing)).reason).toBe('key_revoked');
      const after = await getSession(rt.key, s.sessionId);
      expect(after).toMatchObject({ state: 'closed', closeReason: 'key_revoked' });
    } finally {
      await peer.close();
    }
  });
});

describe('the sweeper', () => {
  it('ends a session at the grant’s maxSessionSeconds', async () => {
    const token = await rt.token({ maxSessionSeconds: 30 });
    const s = await created(token);
    rt.clock.advance(31_000);
    await rt.server.platform.realtime.sweeper.tick();
    expect(await getSession(rt.key, s.sessionId)).toMatchObject({
      state: 'closed',
      closeReason: 'expired',
    });
  });

  it('ends a session never offered with connect_timeout', async () => {
    const token = await rt.token({ maxSessionSeconds: 3600 });
    const s = await created(token);
    rt.clock.advance(31_000);
    await rt.server.platform.realtime.sweeper.tick();
    expect((await getSession(rt.key, s.sessionId)).closeReason).toBe('connect_timeout');
  });
});

describe('CORS', () => {
  it('answers a browser preflight for sessions, but not for token minting', async () => {
    const pre = await fetch(`${rt.url}/v1/sessions`, {
      method: 'OPTIONS',
      headers: {
        origin: 'https://app.example.com',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type',
      },
    });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    expect(pre.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    const mint = await fetch(`${rt.url}/v1/tokens`, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST' },
    });
    expect(mint.headers.get('access-control-allow-origin')).toBeNull();
  });
});
