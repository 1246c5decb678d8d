// Where media is reached, as the server configures it: the ICE and TURN variables
// (parsed once at start-up, each error naming its variable, the TURN secret never
// repeated), and the TURN credentials every new session gets (coturn's use-auth-secret).
import { createHmac } from 'node:crypto';
import { loadNetworkConfig } from '@latchkey/core/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/index.js';
import { type Realtime, startRealtime } from './realtime-helpers.js';

const SECRET = 'coturn-static-auth-secret-for-tests';

describe('the realtime network variables', () => {
  const base = { LATCHKEY_DATA_DIR: '/tmp/x' };
  const error = (env: Record<string, string>) => {
    try {
      loadConfig({ ...base, ...env });
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as Error).message;
    }
    throw new Error('expected a ConfigError');
  };

  it('defaults: every interface (undefined here, the runtime lists them), no announced address, any port, no TURN', () => {
    expect(loadConfig(base)).toMatchObject({
      iceHostAddresses: undefined,
      iceAnnouncedAddresses: undefined,
      rtcPorts: undefined,
      turn: undefined,
    });
  });

  it('parses addresses, the port range and TURN', () => {
    expect(
      loadConfig({
        ...base,
        LATCHKEY_ICE_HOST_ADDRESSES: '10.0.0.5, 127.0.0.1',
        LATCHKEY_ICE_ANNOUNCED_ADDRESS: '203.0.113.10',
        LATCHKEY_RTC_PORTS: '50000-50100',
        LATCHKEY_TURN_URLS: 'turn:turn.example.com:3478?transport=udp,turns:turn.example.com:5349',
        LATCHKEY_TURN_SECRET: SECRET,
      }),
    ).toMatchObject({
      iceHostAddresses: ['10.0.0.5', '127.0.0.1'],
      iceAnnouncedAddresses: ['203.0.113.10'],
      rtcPorts: [50000, 50100],
      turn: {
        urls: ['turn:turn.example.com:3478?transport=udp', 'turns:turn.example.com:5349'],
        secret: SECRET,
      },
    });
  });

  it('refuses bad values, naming the variable and never repeating the secret', () => {
    expect(error({ LATCHKEY_ICE_HOST_ADDRESSES: 'my-laptop' })).toMatch(
      /^LATCHKEY_ICE_HOST_ADDRESSES: must be IP addresses/,
    );
    expect(error({ LATCHKEY_ICE_ANNOUNCED_ADDRESS: '203.0.113' })).toMatch(
      /^LATCHKEY_ICE_ANNOUNCED_ADDRESS: must be IP addresses/,
    );
    for (const ports of ['50000', '50100-50000', '0-10', '50000-70000'])
      expect(error({ LATCHKEY_RTC_PORTS: ports })).toMatch(
        /^LATCHKEY_RTC_PORTS: must be a UDP port range/,
      );
    expect(error({ LATCHKEY_TURN_URLS: 'stun:x:3478', LATCHKEY_TURN_SECRET: SECRET })).toMatch(
      /^LATCHKEY_TURN_URLS: must be turn: or turns: URLs/,
    );
    expect(error({ LATCHKEY_TURN_URLS: 'turn:x:3478' })).toMatch(
      /^LATCHKEY_TURN_SECRET: required with LATCHKEY_TURN_URLS/,
    );
    expect(error({ LATCHKEY_TURN_SECRET: SECRET })).toMatch(
      /^LATCHKEY_TURN_URLS: required with LATCHKEY_TURN_SECRET/,
    );
    const short = error({ LATCHKEY_TURN_URLS: 'turn:x:3478', LATCHKEY_TURN_SECRET: 'hunter2' });
    expect(short).toBe('LATCHKEY_TURN_SECRET: must be at least 16 characters');
  });

  it('loadNetworkConfig reads the same variables alone (latchkey runtime)', () => {
    expect(
      loadNetworkConfig({ LATCHKEY_RTC_PORTS: '40000-40010', PORT: 'not checked here' }),
    ).toEqual({
      iceHostAddresses: undefined,
      iceAnnouncedAddresses: undefined,
      rtcPorts: [40000, 40010],
      turn: undefined,
    });
    expect(() => loadNetworkConfig({ LATCHKEY_RTC_PORTS: 'x' })).toThrow(/^LATCHKEY_RTC_PORTS/);
  });
});

describe('TURN credentials per session', () => {
  let rt: Realtime;
  beforeAll(async () => {
    rt = await startRealtime({
      LATCHKEY_ICE_SERVERS: JSON.stringify([{ urls: 'stun:stun.example.com:3478' }]),
      LATCHKEY_TURN_URLS: 'turn:turn.example.com:3478?transport=udp',
      LATCHKEY_TURN_SECRET: SECRET,
    });
  });
  afterAll(async () => {
    await rt?.close();
  });

  it('every new session gets its own coturn use-auth-secret credentials, ending no later than the session', async () => {
    const token = await rt.token({ models: ['echo'], maxSessionSeconds: 300 });
    const seen = new Set<string>();
    for (let i = 0; i < 2; i++) {
      const res = await rt.call('POST', '/v1/sessions', { auth: token, body: { model: 'echo' } });
      expect(res.status).toBe(201);
      const s = (await res.json()) as {
        sessionId: string;
        expiresAt: string;
        iceServers: { urls: string | string[]; username?: string; credential?: string }[];
      };
      expect(s.iceServers[0]).toEqual({ urls: 'stun:stun.example.com:3478' });
      const turn = s.iceServers[1];
      expect(turn?.urls).toEqual(['turn:turn.example.com:3478?transport=udp']);
      const [expiry, id] = (turn?.username ?? '').split(':');
      expect(id).toBe(s.sessionId);
      expect(Number(expiry) * 1000).toBeLessThanOrEqual(new Date(s.expiresAt).getTime());
      expect(Number(expiry) * 1000).toBeGreaterThan(new Date(s.expiresAt).getTime() - 1000);
      expect(turn?.credential).toBe(
        createHmac('sha1', SECRET)
          .update(turn?.username ?? '')
          .digest('base64'),
      );
      expect(JSON.stringify(s)).not.toContain(SECRET);
      seen.add(turn?.credential ?? '');
    }
    expect(seen.size).toBe(2);
  });
});
