// openSession and offer: the runtime's own checks of tokens, grants, models, capacity and SDP.

import type { OpenSessionRequest } from '@latchkey/core/node';
import { generateSigningKey } from '@latchkey/core/node';
import { afterEach, describe, expect, it } from 'vitest';
import { createRuntime, type Runtime } from '../src/runtime.js';
import { token, verifyToken } from './helpers.js';

const NOW = Date.parse('2031-01-01T00:00:00Z');
let runtime: Runtime;
afterEach(() => runtime?.close());

const make = (options: Partial<Parameters<typeof createRuntime>[0]> = {}) => {
  runtime = createRuntime({ verifyToken, now: () => NOW, ...options });
  return runtime;
};
const request = (over: Partial<OpenSessionRequest> = {}): OpenSessionRequest => ({
  sessionId: 'ses_1',
  model: 'echo',
  token: token(),
  origin: 'https://app.example',
  expiresAt: NOW + 60_000,
  ...over,
});
const refusal = async (r: Runtime, req: OpenSessionRequest) => {
  const out = await r.openSession(req);
  return out.ok ? 'ok' : out.code;
};

describe('openSession refuses', () => {
  it('a token signed with another key, or no token at all: INVALID_TOKEN', async () => {
    const r = make();
    const forged = token({}, {}, generateSigningKey('sig_test'));
    expect(await r.openSession(request({ token: forged }))).toEqual({
      ok: false,
      code: 'INVALID_TOKEN',
      message: 'bad signature',
    });
    expect(await refusal(r, request({ token: 'not.a.token' }))).toBe('INVALID_TOKEN');
    expect(await refusal(r, request({ token: '' }))).toBe('INVALID_TOKEN');
    expect(r.liveSessions()).toEqual([]);
  });

  it('an expired token: TOKEN_EXPIRED', async () => {
    const past = Math.floor(Date.now() / 1000) - 3600;
    const expired = token({}, { iat: past - 60, nbf: past - 60, exp: past });
    expect(await refusal(make(), request({ token: expired }))).toBe('TOKEN_EXPIRED');
  });

  it("a model the token's grant does not list: MODEL_NOT_ALLOWED", async () => {
    const r = make();
    expect(await r.openSession(request({ token: token({ models: ['render'] }) }))).toEqual({
      ok: false,
      code: 'MODEL_NOT_ALLOWED',
      message: 'this session token does not allow model "echo" (it allows "render")',
    });
    expect(await refusal(r, request({ token: token({ models: ['echo'] }) }))).toBe('ok');
  });

  it('an origin the grant does not list, or none when it lists some: ORIGIN_NOT_ALLOWED', async () => {
    const r = make();
    const scoped = token({ origins: ['https://app.example'] });
    expect(
      await refusal(
        r,
        request({ sessionId: 'ses_a', token: scoped, origin: 'https://evil.example' }),
      ),
    ).toBe('ORIGIN_NOT_ALLOWED');
    expect(await refusal(r, request({ sessionId: 'ses_b', token: scoped, origin: null }))).toBe(
      'ORIGIN_NOT_ALLOWED',
    );
    expect(await refusal(r, request({ sessionId: 'ses_c', token: scoped }))).toBe('ok');
    // An empty list allows any origin, and none.
    expect(await refusal(r, request({ sessionId: 'ses_d', origin: null }))).toBe('ok');
  });

  it('a model it does not serve, or a batch model: MODEL_NOT_FOUND (after the token check)', async () => {
    const r = make();
    expect(await refusal(r, request({ model: 'nope' }))).toBe('MODEL_NOT_FOUND');
    expect(await refusal(r, request({ model: 'render' }))).toBe('MODEL_NOT_FOUND');
    expect(await refusal(r, request({ model: 'nope', token: 'x.y.z' }))).toBe('INVALID_TOKEN');
  });

  it('a session over capacity: MODEL_UNAVAILABLE', async () => {
    const r = make({ capacity: { sessions: 1 } });
    expect(await refusal(r, request({ sessionId: 'ses_a' }))).toBe('ok');
    expect(await refusal(r, request({ sessionId: 'ses_b' }))).toBe('MODEL_UNAVAILABLE');
    await r.closeSession('ses_a', 'client_closed');
    expect(await refusal(r, request({ sessionId: 'ses_c' }))).toBe('ok');
  });

  it('a malformed request: INVALID_REQUEST', async () => {
    const r = make();
    expect(await refusal(r, request({ sessionId: 'has spaces' }))).toBe('INVALID_REQUEST');
    expect(await refusal(r, { ...request(), expiresAt: Number.NaN })).toBe('INVALID_REQUEST');
    expect(await refusal(r, request({ expiresAt: NOW - 1 }))).toBe('INVALID_REQUEST');
    expect(await refusal(r, null as unknown as OpenSessionRequest)).toBe('INVALID_REQUEST');
  });
});

describe('openSession', () => {
  it("caps expiresAt at the grant's maxSessionSeconds", async () => {
    const r = make();
    const short = token({ maxSessionSeconds: 30 });
    expect(await r.openSession(request({ token: short, expiresAt: NOW + 3_600_000 }))).toEqual({
      ok: true,
      value: { expiresAt: NOW + 30_000 },
    });
    expect(await r.openSession(request({ sessionId: 'ses_2', expiresAt: NOW + 5000 }))).toEqual({
      ok: true,
      value: { expiresAt: NOW + 5000 },
    });
  });

  it('is idempotent for the same id and token; another token for the id is a CONFLICT', async () => {
    const r = make();
    const req = request();
    const [a, b] = await Promise.all([r.openSession(req), r.openSession(req)]);
    expect(a).toEqual(b);
    expect(a.ok).toBe(true);
    expect(r.liveSessions()).toEqual(['ses_1']);
    expect(await refusal(r, request({ token: token() }))).toBe('CONFLICT');
  });

  it('a closed session stays closed: re-open and offer answer SESSION_CLOSED', async () => {
    const r = make();
    await r.openSession(request());
    await r.closeSession('ses_1', 'client_closed');
    expect(await refusal(r, request())).toBe('SESSION_CLOSED');
    const offer = await r.offer('ses_1', 'v=0\r\n');
    expect(offer.ok ? 'ok' : offer.code).toBe('SESSION_CLOSED');
  });
});

describe('offer refuses', () => {
  it('an unknown session: NOT_FOUND', async () => {
    const out = await make().offer('ses_none', 'v=0\r\n');
    expect(out.ok ? 'ok' : out.code).toBe('NOT_FOUND');
  });

  it('SDP that is not a string, too large, or not an offer: INVALID_REQUEST, and the session lives on', async () => {
    const r = make();
    await r.openSession(request());
    const cases: [unknown, RegExp][] = [
      [42, /must be a string/],
      [`v=0\r\n${'a=x\r\n'.repeat(4000)}`, /larger than 16384 bytes/],
      ['hello', /start with v=0/],
      ['v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n', /no a data channel/],
      [
        'v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=ice-ufrag:x\r\na=ice-pwd:y\r\na=fingerprint:sha-256 00\u0000\r\n',
        /control characters/,
      ],
    ];
    for (const [sdp, message] of cases) {
      const out = await r.offer('ses_1', sdp as string);
      expect(out.ok).toBe(false);
      if (!out.ok) {
        expect(out.code).toBe('INVALID_REQUEST');
        expect(out.message).toMatch(message);
      }
    }
    // Looks like an offer but werift cannot apply it.
    const broken =
      'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=ice-ufrag:x\r\na=ice-pwd:y\r\na=fingerprint:sha-256 00\r\n';
    expect(await r.offer('ses_1', broken)).toEqual({
      ok: false,
      code: 'INVALID_REQUEST',
      message: 'the SDP offer could not be applied',
    });
    expect(r.liveSessions()).toEqual(['ses_1']);
    expect(r.stats().sessions).toEqual({ created: 1, waiting: 0, active: 0 });
  });
});

describe('createRuntime', () => {
  it('refuses bad options with a TypeError at once', () => {
    expect(() => createRuntime({} as never)).toThrow(/verifyToken is required/);
    expect(() => createRuntime({ verifyToken, capacity: { sessions: -1 } })).toThrow(
      /capacity.sessions/,
    );
    expect(() => createRuntime({ verifyToken, hostAddresses: ['localhost'] })).toThrow(
      /not an IP address/,
    );
    expect(() => createRuntime({ verifyToken, hostAddresses: [] })).toThrow(TypeError);
    expect(() => createRuntime({ verifyToken, reconnectGraceMs: 1.5 })).toThrow(/reconnectGraceMs/);
    const [echo] = make().models();
    expect(echo?.name).toBe('echo');
    expect(() => createRuntime({ verifyToken, models: [{ kind: 'nope' } as never] })).toThrow(
      TypeError,
    );
  });

  it('refuses two models with one name', async () => {
    const { echoModel } = await import('../src/models/echo.js');
    expect(() => createRuntime({ verifyToken, models: [echoModel, echoModel] })).toThrow(
      'createRuntime: two models are named "echo"',
    );
  });
});
