import { describe, expect, it } from 'vitest';
import { generateKey } from './key-format.js';
import { redactSecrets } from './redact-secrets.js';

describe('redactSecrets', () => {
  it('masks whole keys of both kinds to their display form', () => {
    for (const kind of ['app', 'partner'] as const) {
      const key = generateKey(kind);
      const out = redactSecrets(`no session "${key}"; no route GET /nope/${key}`);
      expect(out).not.toContain(key.slice(3, 20));
      expect(out).toContain(`${key.slice(0, 3)}…${key.slice(-4)}`);
    }
  });

  it('masks key-shaped fragments and credentials, truncated or too long', () => {
    const out = redactSecrets(
      'a rk_abcdefghijklmnop b rp_ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefgh c rt_x-y_z-0123456789 d rc_0123456789abcdef',
    );
    expect(out).toBe('a rk_…mnop b rp_…efgh c rt_…6789 d rc_…cdef');
  });

  it('masks JWTs, whole or without a signature', () => {
    expect(redactSecrets('t=eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.c2ln end')).toBe('t=[token] end');
    expect(redactSecrets('eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJ4In0.')).toBe('[token]');
  });

  it('leaves ordinary text alone', () => {
    const text = 'the API key rk_…abcd was revoked; work_item park_lane eyJ alone';
    expect(redactSecrets(text)).toBe(text);
  });
});
