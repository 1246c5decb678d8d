import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { turnCredentials } from './turn-credentials.js';

const turn = {
  urls: ['turn:127.0.0.1:3478?transport=udp'],
  secret: 'a-long-shared-secret-for-coturn',
};

describe('turnCredentials', () => {
  it('is coturn use-auth-secret: <expiry>:<id> and base64(HMAC-SHA1(secret, username))', () => {
    const c = turnCredentials(turn, 'ses_abc', Date.UTC(2030, 0, 1, 0, 0, 0, 999));
    expect(c.username).toBe(`${Date.UTC(2030, 0, 1) / 1000}:ses_abc`);
    expect(c.credential).toBe(
      createHmac('sha1', turn.secret)
        .update(c.username as string)
        .digest('base64'),
    );
    expect(c.urls).toEqual(turn.urls);
  });

  it('never outlives the expiry: rounds down to the second', () => {
    const at = Date.UTC(2030, 0, 1, 0, 0, 0, 1);
    const expiry = Number(turnCredentials(turn, 'x', at).username?.split(':')[0]);
    expect(expiry * 1000).toBeLessThanOrEqual(at);
  });

  it('does not carry the secret, and differs per secret and per id', () => {
    const a = turnCredentials(turn, 'ses_a', 2e12);
    expect(JSON.stringify(a)).not.toContain(turn.secret);
    expect(turnCredentials(turn, 'ses_b', 2e12).credential).not.toBe(a.credential);
    expect(
      turnCredentials({ ...turn, secret: 'another-secret-entirely' }, 'ses_a', 2e12).credential,
    ).not.toBe(a.credential);
  });

  it('refuses an id with ":" and a bad date', () => {
    expect(() => turnCredentials(turn, 'a:b', 2e12)).toThrow(TypeError);
    expect(() => turnCredentials(turn, 'a', Number.NaN)).toThrow(TypeError);
  });
});
