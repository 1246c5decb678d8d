// Runtimes in their own process: a coordinator with no embedded runtime, and a runtime
// agent (the code behind `latchkey runtime`) that registers with an rt_ credential,
// verifies tokens against the coordinator's JWKS, and serves sessions and jobs.
import { startRuntimeAgent } from '@latchkey/runtime';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { listAudit } from '../src/services/audit.js';
import { readError } from './helpers.js';
import { type Realtime, startRealtime } from './realtime-helpers.js';
import { createTestPeer, isClosing, isReady } from './webrtc-client.js';

let rt: Realtime;
let credential: string;
let runtimeId: string;
let agent: Awaited<ReturnType<typeof startRuntimeAgent>> | undefined;

beforeAll(async () => {
  rt = await startRealtime({}, { runtime: false });
  const created = await rt.admin.createRuntime({ name: 'gpu-1', actor: 'test' });
  if (!created.ok) throw new Error(created.message);
  credential = created.value.secret;
  runtimeId = created.value.id;
});
afterAll(async () => {
  await agent?.close();
  await rt?.close();
});

const runtimeCall = (path: string, body: unknown, auth = credential) =>
  rt.call('POST', path, { auth, body });

describe('a coordinator with no runtime', () => {
  it('serves no models, and says so', async () => {
    const res = await rt.call('GET', '/v1/models', { auth: rt.key });
    expect(await res.json()).toEqual({ models: [] });
    const s = await rt.call('POST', '/v1/sessions', { auth: rt.key, body: { model: 'echo' } });
    expect((await readError(s)).error.code).toBe('MODEL_NOT_FOUND');
  });

  it('refuses registration without, or with a wrong, runtime credential', async () => {
    const body = {
      instanceId: 'instance-x',
      url: 'http://127.0.0.1:9',
      models: [],
      capacity: { sessions: 1, jobs: 1 },
      secret: 'x'.repeat(43),
    };
    const none = await rt.call('POST', '/v1/runtimes/register', { body });
    expect((await readError(none)).error.code).toBe('MISSING_API_KEY');
    const wrong = await runtimeCall('/v1/runtimes/register', body, `rt_${'A'.repeat(43)}`);
    expect(wrong.status).toBe(401);
    expect((await readError(wrong)).error.code).toBe('RUNTIME_CREDENTIAL_INVALID');
    const appKey = await runtimeCall('/v1/runtimes/register', body, rt.key);
    expect((await readError(appKey)).error.code).toBe('RUNTIME_CREDENTIAL_INVALID');
  });
});

describe('a registered runtime process', () => {
  beforeAll(async () => {
    agent = await startRuntimeAgent({ serverUrl: rt.url, credential, heartbeatMs: 200 });
  });

  it('registers under its credential and brings its models', async () => {
    expect(agent?.runtimeId).toBe(runtimeId);
    const { models } = (await (await rt.call('GET', '/v1/models', { auth: rt.key })).json()) as {
      models: { name: string }[];
    };
    expect(models.map((m) => m.name)).toEqual(expect.arrayContaining(['echo', 'render']));
    const list = await rt.admin.listRuntimes({});
    expect(list.ok && list.value.find((r) => r.id === runtimeId)).toMatchObject({
      name: 'gpu-1',
      state: 'online',
      kind: 'remote',
    });
  });

  it('hosts a session: signaling goes through the coordinator, the runtime verifies the token itself', async () => {
    const token = await rt.token({ models: ['echo'] });
    const res = await rt.call('POST', '/v1/sessions', { auth: token, body: { model: 'echo' } });
    expect(res.status).toBe(201);
    const { sessionId } = (await res.json()) as { sessionId: string };
    expect(agent?.runtime.liveSessions()).toContain(sessionId);
    const peer = await createTestPeer({ video: true });
    try {
      const offer = await rt.call('POST', `/v1/sessions/${sessionId}/offer`, {
        auth: token,
        body: { sdp: peer.offer },
      });
      expect(offer.status).toBe(200);
      await peer.answer(((await offer.json()) as { sdp: string }).sdp);
      await peer.next(isReady);
      expect(await peer.command('set_prompt', { prompt: 'remote' })).toMatchObject({ ok: true });
      // The runtime reports the session active over its events channel.
      await vi.waitFor(
        async () => {
          const s = (await (
            await rt.call('GET', `/v1/sessions/${sessionId}`, { auth: token })
          ).json()) as { state: string };
          expect(s.state).toBe('active');
        },
        { timeout: 10_000, interval: 20 },
      );
      await rt.call('DELETE', `/v1/sessions/${sessionId}`, { auth: token });
      expect((await peer.next(isClosing)).reason).toBe('client_closed');
    } finally {
      await peer.close();
    }
  });

  it('runs jobs', async () => {
    const res = await rt.call('POST', '/v1/generate/render', {
      auth: rt.key,
      body: { prompt: 'from the runtime process', width: 32, height: 32 },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
  });

  it('a heartbeat from a replaced instance is refused with CONFLICT', async () => {
    const res = await runtimeCall('/v1/runtimes/heartbeat', {
      instanceId: 'not-the-current',
      sessions: [],
    });
    expect(res.status).toBe(409);
    expect((await readError(res)).error.code).toBe('CONFLICT');
  });

  it('events from a replaced instance are refused with CONFLICT too', async () => {
    const res = await runtimeCall('/v1/runtimes/events', {
      instanceId: 'not-the-current',
      events: [],
    });
    expect(res.status).toBe(409);
  });

  it('revoking the runtime ends its sessions and takes its models away', async () => {
    const token = await rt.token({ models: ['echo'] });
    const res = await rt.call('POST', '/v1/sessions', { auth: token, body: { model: 'echo' } });
    const { sessionId } = (await res.json()) as { sessionId: string };
    const revoked = await rt.admin.revokeRuntime({ id: runtimeId, actor: 'test' });
    expect(revoked.ok && revoked.value.sessionsEnded).toBe(1);
    const s = (await (
      await rt.call('GET', `/v1/sessions/${sessionId}`, { auth: token })
    ).json()) as { state: string; closeReason: string };
    expect(s).toMatchObject({ state: 'closed', closeReason: 'runtime_lost' });
    expect(await (await rt.call('GET', '/v1/models', { auth: rt.key })).json()).toEqual({
      models: [],
    });
    const hb = await runtimeCall('/v1/runtimes/heartbeat', {
      instanceId: 'x'.repeat(8),
      sessions: [],
    });
    expect((await readError(hb)).error.code).toBe('RUNTIME_CREDENTIAL_REVOKED');
    await rt.server.platform.audit.flush();
    const audit = await listAudit(rt.server.platform.db, {
      orgId: rt.orgId,
      action: 'session.ended',
    });
    expect(audit.find((e) => e.target === sessionId)?.data.reason).toBe('runtime_lost');
  });
});
