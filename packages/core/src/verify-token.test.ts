import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { b64url } from './base64url.js';
import type { SessionClaims } from './claims.js';
import type { KeySource } from './jwks-source.js';
import { signSessionToken } from './sign-token.js';
import { generateSigningKey, type SigningKeyPair } from './signing-key.js';
import { createVerifier, MAX_TOKEN_LENGTH, type VerifyResult } from './verify-token.js';

const ISSUER = 'https://latchkey.test';
const AUDIENCE = 'latchkey';
const NOW = 1_700_000_000;

const signingKey = generateSigningKey('sig_test');
const otherKey = generateSigningKey('sig_other');

function makeClaims(overrides: Partial<SessionClaims> = {}): SessionClaims {
  return {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'org_0000000000000000000000',
    jti: 'tok_0000000000000000000000',
    iat: NOW,
    nbf: NOW,
    exp: NOW + 600,
    key: 'key_0000000000000000000000',
    grant: {
      models: ['gpt-realtime', 'whisper'],
      maxSessions: 3,
      origins: ['https://app.example.com'],
      maxSessionSeconds: 900,
      metadata: { userId: 'u_42', plan: 'pro' },
    },
    ...overrides,
  };
}

function verifier(
  opts: { now?: number; keys?: SigningKeyPair[]; clockToleranceSec?: number } = {},
) {
  const at = opts.now ?? NOW;
  return createVerifier({
    jwks: { keys: (opts.keys ?? [signingKey]).map((k) => k.publicJwk) },
    issuer: ISSUER,
    audience: AUDIENCE,
    now: () => at,
    ...(opts.clockToleranceSec === undefined ? {} : { clockToleranceSec: opts.clockToleranceSec }),
  });
}

const enc = (value: unknown) => b64url(JSON.stringify(value));
const HEADER = { alg: 'EdDSA', typ: 'JWT', kid: 'sig_test' };

/** Signs arbitrary header and payload objects with a real Ed25519 key. */
function signRaw(header: unknown, payload: unknown, key: SigningKeyPair = signingKey): string {
  const input = `${typeof header === 'string' ? header : enc(header)}.${typeof payload === 'string' ? payload : enc(payload)}`;
  return `${input}.${b64url(sign(null, Buffer.from(input), key.privateKey))}`;
}

function expectRefused(
  result: VerifyResult,
  code: 'INVALID_TOKEN' | 'TOKEN_EXPIRED' = 'INVALID_TOKEN',
) {
  expect(result.ok).toBe(false);
  if (!result.ok) {
    expect(result.code).toBe(code);
    expect(typeof result.message).toBe('string');
    expect(result.message.length).toBeGreaterThan(0);
  }
  expect(result).not.toHaveProperty('grant');
  expect(result).not.toHaveProperty('claims');
}

describe('createVerifier: happy path', () => {
  it('verifies a token signed by signSessionToken and returns the typed grant', async () => {
    const claims = makeClaims();
    const token = signSessionToken(claims, signingKey);
    const result = await verifier()(token);
    expect(result.ok).toBe(true);
    if (!result.ok) throw new Error(result.message);
    expect(result.grant).toEqual(claims.grant);
    expect(result.claims).toEqual(claims);
    expect(result.grant.models).toEqual(['gpt-realtime', 'whisper']);
    expect(result.grant.maxSessions).toBe(3);
    expect(result.grant.metadata.userId).toBe('u_42');
  });

  it('puts alg EdDSA, typ JWT and the kid in the header', () => {
    const token = signSessionToken(makeClaims(), signingKey);
    const header = JSON.parse(Buffer.from(token.split('.')[0] as string, 'base64url').toString());
    expect(header).toEqual({ alg: 'EdDSA', typ: 'JWT', kid: 'sig_test' });
  });

  it('finds the key by kid among several', async () => {
    const v = verifier({ keys: [otherKey, signingKey] });
    expect((await v(signSessionToken(makeClaims(), signingKey))).ok).toBe(true);
    expect((await v(signSessionToken(makeClaims(), otherKey))).ok).toBe(true);
  });

  it('accepts a header without typ', async () => {
    const token = signRaw({ alg: 'EdDSA', kid: 'sig_test' }, makeClaims());
    expect((await verifier()(token)).ok).toBe(true);
  });

  it('accepts a token that reaches exactly the length limit', async () => {
    // Grow metadata until the token is exactly MAX_TOKEN_LENGTH characters.
    let pad = 0;
    let token = '';
    for (let step = 4096; step >= 1; step = Math.floor(step / 2)) {
      while (true) {
        const t = signSessionToken(
          makeClaims({
            grant: { ...makeClaims().grant, metadata: { pad: 'x'.repeat(pad + step) } },
          }),
          signingKey,
        );
        if (t.length > MAX_TOKEN_LENGTH) break;
        pad += step;
        token = t;
      }
    }
    expect(token.length).toBeLessThanOrEqual(MAX_TOKEN_LENGTH);
    expect(token.length).toBeGreaterThan(MAX_TOKEN_LENGTH - 4);
    expect((await verifier()(token)).ok).toBe(true);
  });
});

describe('createVerifier: forged tokens', () => {
  const good = () => signSessionToken(makeClaims(), signingKey);

  it('refuses alg none with an empty signature', async () => {
    const [, p] = good().split('.');
    expectRefused(await verifier()(`${enc({ alg: 'none', typ: 'JWT' })}.${p}.`));
    expectRefused(await verifier()(`${enc({ alg: 'none', typ: 'JWT', kid: 'sig_test' })}.${p}.`));
  });

  it('refuses alg none with the original signature', async () => {
    const [, p, s] = good().split('.');
    expectRefused(
      await verifier()(`${enc({ alg: 'none', typ: 'JWT', kid: 'sig_test' })}.${p}.${s}`),
    );
  });

  it.each(['None', 'NONE', 'nOnE', 'eddsa', 'Ed25519', 'ES256', 'RS256', ''])(
    'refuses alg %j',
    async (alg) => {
      const token = signRaw({ alg, typ: 'JWT', kid: 'sig_test' }, makeClaims());
      expectRefused(await verifier()(token));
    },
  );

  it('refuses a missing alg', async () => {
    expectRefused(await verifier()(signRaw({ typ: 'JWT', kid: 'sig_test' }, makeClaims())));
  });

  describe('HMAC confusion', () => {
    const publicKeyObject = () => {
      const { x } = signingKey.publicJwk;
      return { x, raw: Buffer.from(x, 'base64url') };
    };
    const hmacToken = (alg: string, secret: Buffer | string) => {
      const input = `${enc({ alg, typ: 'JWT', kid: 'sig_test' })}.${enc(makeClaims())}`;
      return `${input}.${b64url(createHmac('sha256', secret).update(input).digest())}`;
    };

    it('refuses HS256 keyed with the raw public key bytes', async () => {
      expectRefused(await verifier()(hmacToken('HS256', publicKeyObject().raw)));
    });

    it('refuses HS256 keyed with the JWK x value', async () => {
      expectRefused(await verifier()(hmacToken('HS256', publicKeyObject().x)));
    });

    it('refuses HS256 keyed with the JWK JSON and the SPKI PEM', async () => {
      const { publicKey } = generateKeyPairSync('ed25519');
      expectRefused(await verifier()(hmacToken('HS256', JSON.stringify(signingKey.publicJwk))));
      expectRefused(
        await verifier()(hmacToken('HS256', publicKey.export({ format: 'pem', type: 'spki' }))),
      );
    });

    it('refuses an HMAC signature under an EdDSA header', async () => {
      expectRefused(await verifier()(hmacToken('EdDSA', publicKeyObject().raw)));
      expectRefused(await verifier()(hmacToken('EdDSA', publicKeyObject().x)));
    });

    it('refuses an HMAC-SHA512 (64-byte) signature under an EdDSA header', async () => {
      const input = `${enc(HEADER)}.${enc(makeClaims())}`;
      const mac = createHmac('sha512', Buffer.from(signingKey.publicJwk.x, 'base64url'))
        .update(input)
        .digest();
      expect(mac).toHaveLength(64);
      expectRefused(await verifier()(`${input}.${b64url(mac)}`));
    });
  });

  it('refuses an unknown kid', async () => {
    expectRefused(await verifier()(signRaw({ ...HEADER, kid: 'sig_nope' }, makeClaims())));
    // Signed by a real key whose public half the verifier does not have.
    expectRefused(await verifier()(signSessionToken(makeClaims(), otherKey)));
  });

  it('refuses a missing, empty, non-string or oversized kid', async () => {
    const v = verifier();
    expectRefused(await v(signRaw({ alg: 'EdDSA', typ: 'JWT' }, makeClaims())));
    expectRefused(await v(signRaw({ ...HEADER, kid: '' }, makeClaims())));
    expectRefused(await v(signRaw({ ...HEADER, kid: 1 }, makeClaims())));
    expectRefused(await v(signRaw({ ...HEADER, kid: ['sig_test'] }, makeClaims())));
    expectRefused(await v(signRaw({ ...HEADER, kid: 'k'.repeat(129) }, makeClaims())));
  });

  it('refuses an embedded jwk header, even when it carries the signing key', async () => {
    const attacker = generateSigningKey('sig_test');
    const v = verifier();
    expectRefused(await v(signRaw({ ...HEADER, jwk: attacker.publicJwk }, makeClaims(), attacker)));
    expectRefused(await v(signRaw({ ...HEADER, jwk: signingKey.publicJwk }, makeClaims())));
  });

  it('refuses jku, x5u, x5c, x5t and crit headers, even when correctly signed', async () => {
    const v = verifier();
    const extras: Record<string, unknown>[] = [
      { jku: 'https://attacker.example/jwks.json' },
      { x5u: 'https://attacker.example/cert.pem' },
      { x5c: ['MIIBszCCAVmgAwIBAgIUc2lnX3Rlc3Q='] },
      { x5t: 'abc' },
      { crit: ['exp'] },
      { crit: [] },
      { cty: 'JWT' },
      { b64: false, crit: ['b64'] },
      { zip: 'DEF' },
    ];
    for (const extra of extras) {
      expectRefused(await v(signRaw({ ...HEADER, ...extra }, makeClaims())));
    }
  });

  it('refuses a header __proto__ key', async () => {
    const header = `{"alg":"EdDSA","typ":"JWT","kid":"sig_test","__proto__":{"x":1}}`;
    expectRefused(await verifier()(signRaw(b64url(header), makeClaims())));
  });

  it('refuses a wrong typ', async () => {
    expectRefused(await verifier()(signRaw({ ...HEADER, typ: 'at+jwt' }, makeClaims())));
    expectRefused(await verifier()(signRaw({ ...HEADER, typ: 1 }, makeClaims())));
  });

  it('refuses a tampered payload (grant model changed, re-encoded)', async () => {
    const [h, , s] = good().split('.');
    const claims = makeClaims();
    claims.grant.models = ['*'];
    expectRefused(await verifier()(`${h}.${enc(claims)}.${s}`));
    const more = makeClaims({ grant: { ...makeClaims().grant, maxSessions: 1000 } });
    expectRefused(await verifier()(`${h}.${enc(more)}.${s}`));
  });

  it('refuses a tampered header (other kid, same signature)', async () => {
    const [, p, s] = good().split('.');
    const v = verifier({ keys: [signingKey, otherKey] });
    expectRefused(await v(`${enc({ ...HEADER, kid: 'sig_other' })}.${p}.${s}`));
  });

  it('refuses a tampered signature (every byte flipped in turn)', async () => {
    const token = good();
    const [h, p, s] = token.split('.') as [string, string, string];
    const sig = Buffer.from(s, 'base64url');
    const v = verifier();
    for (let i = 0; i < sig.length; i++) {
      const bad = Buffer.from(sig);
      bad[i] = (bad[i] as number) ^ 0x01;
      expectRefused(await v(`${h}.${p}.${b64url(bad)}`));
    }
  });

  it('refuses a truncated, extended, empty or non-base64url signature', async () => {
    const [h, p, s] = good().split('.') as [string, string, string];
    const v = verifier();
    expectRefused(await v(`${h}.${p}.${s.slice(0, -2)}`));
    expectRefused(await v(`${h}.${p}.${s}AA`));
    expectRefused(await v(`${h}.${p}.`));
    expectRefused(await v(`${h}.${p}.${s.slice(0, 40)}+${s.slice(41)}`));
    expectRefused(await v(`${h}.${p}.${Buffer.from(s, 'base64url').toString('base64')}==`));
    expectRefused(await v(`${h}.${p}.${b64url(Buffer.alloc(64))}`));
  });

  it('refuses a signature in a non-canonical base64url form (changed unused trailing bits)', async () => {
    const token = good();
    const [h, p, s] = token.split('.') as [string, string, string];
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(s.at(-1) as string);
    // 64 bytes are 86 characters; the last one carries 2 bits and 4 unused ones.
    expect(s).toHaveLength(86);
    const v = verifier();
    expect((await v(token)).ok).toBe(true);
    for (let low = 1; low < 16; low++) {
      const variant = `${s.slice(0, -1)}${alphabet[last ^ low]}`;
      expect(Buffer.from(variant, 'base64url').equals(Buffer.from(s, 'base64url'))).toBe(true);
      expectRefused(await v(`${h}.${p}.${variant}`));
    }
  });

  it('refuses a signature made by another Ed25519 key with the same kid', async () => {
    const impostor = generateSigningKey('sig_test');
    expectRefused(await verifier()(signSessionToken(makeClaims(), impostor)));
  });

  it('refuses a token whose signature covers other claims', async () => {
    const [h, p] = good().split('.');
    const [, , s2] = signSessionToken(makeClaims({ sub: 'org_other' }), signingKey).split('.');
    expectRefused(await verifier()(`${h}.${p}.${s2}`));
  });
});

describe('createVerifier: time claims', () => {
  const at = (exp: number, nbf = NOW - 3600, iat = NOW - 3600) =>
    signSessionToken(makeClaims({ exp, nbf, iat }), signingKey);

  it('refuses a token expired beyond the 30 s leeway with TOKEN_EXPIRED', async () => {
    expectRefused(await verifier()(at(NOW - 31)), 'TOKEN_EXPIRED');
    expectRefused(await verifier()(at(NOW - 30)), 'TOKEN_EXPIRED');
    expectRefused(await verifier()(at(NOW - 86_400)), 'TOKEN_EXPIRED');
  });

  it('accepts a token expired within the leeway', async () => {
    expect((await verifier()(at(NOW - 29))).ok).toBe(true);
    expect((await verifier()(at(NOW - 1))).ok).toBe(true);
    expect((await verifier()(at(NOW))).ok).toBe(true);
  });

  it('moves with the clock', async () => {
    const token = signSessionToken(makeClaims(), signingKey);
    expect((await verifier({ now: NOW + 600 + 29 })(token)).ok).toBe(true);
    expectRefused(await verifier({ now: NOW + 600 + 30 })(token), 'TOKEN_EXPIRED');
    expectRefused(await verifier({ now: NOW + 10 * 86_400 })(token), 'TOKEN_EXPIRED');
  });

  it('honours clockToleranceSec', async () => {
    expectRefused(await verifier({ clockToleranceSec: 0 })(at(NOW)), 'TOKEN_EXPIRED');
    expect((await verifier({ clockToleranceSec: 0 })(at(NOW + 1))).ok).toBe(true);
    expect((await verifier({ clockToleranceSec: 120 })(at(NOW - 100))).ok).toBe(true);
  });

  it('refuses nbf in the future beyond the leeway, accepts it within', async () => {
    expectRefused(await verifier()(at(NOW + 600, NOW + 31)));
    expectRefused(await verifier()(at(NOW + 600, NOW + 3600)));
    expect((await verifier()(at(NOW + 600, NOW + 30))).ok).toBe(true);
    expect((await verifier()(at(NOW + 600, NOW + 5))).ok).toBe(true);
  });

  it('refuses iat in the future beyond the leeway', async () => {
    expectRefused(await verifier()(at(NOW + 600, NOW, NOW + 31)));
    expect((await verifier()(at(NOW + 600, NOW, NOW + 30))).ok).toBe(true);
  });

  it.each([
    ['fractional', NOW + 600.5],
    ['string', String(NOW + 600)],
    ['null', null],
    ['huge', 2 ** 60],
    ['NaN-ish', 'NaN'],
    ['boolean', true],
  ])('refuses a %s exp', async (_name, exp) => {
    const token = signRaw(HEADER, { ...makeClaims(), exp });
    expectRefused(await verifier()(token));
  });

  it('refuses missing or non-integer nbf / iat', async () => {
    const { nbf: _n, ...noNbf } = makeClaims();
    const { iat: _i, ...noIat } = makeClaims();
    const { exp: _e, ...noExp } = makeClaims();
    expectRefused(await verifier()(signRaw(HEADER, noNbf)));
    expectRefused(await verifier()(signRaw(HEADER, noIat)));
    expectRefused(await verifier()(signRaw(HEADER, noExp)));
    expectRefused(await verifier()(signRaw(HEADER, { ...makeClaims(), nbf: NOW + 0.1 })));
    expectRefused(await verifier()(signRaw(HEADER, { ...makeClaims(), iat: `${NOW}` })));
  });
});

describe('createVerifier: issuer and audience', () => {
  it('refuses a wrong aud', async () => {
    expectRefused(await verifier()(signSessionToken(makeClaims({ aud: 'other' }), signingKey)));
    expectRefused(
      await verifier()(signSessionToken(makeClaims({ aud: `${AUDIENCE} ` }), signingKey)),
    );
    expectRefused(
      await verifier()(signSessionToken(makeClaims({ aud: AUDIENCE.toUpperCase() }), signingKey)),
    );
  });

  it('refuses aud as an array, even one holding the audience', async () => {
    expectRefused(await verifier()(signRaw(HEADER, { ...makeClaims(), aud: [AUDIENCE] })));
    expectRefused(await verifier()(signRaw(HEADER, { ...makeClaims(), aud: [AUDIENCE, 'other'] })));
  });

  it('refuses a missing aud', async () => {
    const { aud: _a, ...claims } = makeClaims();
    expectRefused(await verifier()(signRaw(HEADER, claims)));
  });

  it('refuses a wrong or missing iss', async () => {
    expectRefused(
      await verifier()(signSessionToken(makeClaims({ iss: 'https://evil.test' }), signingKey)),
    );
    expectRefused(
      await verifier()(signSessionToken(makeClaims({ iss: `${ISSUER}/` }), signingKey)),
    );
    expectRefused(await verifier()(signRaw(HEADER, { ...makeClaims(), iss: [ISSUER] })));
    const { iss: _i, ...claims } = makeClaims();
    expectRefused(await verifier()(signRaw(HEADER, claims)));
  });
});

describe('createVerifier: malformed tokens', () => {
  it('refuses an oversized token before checking anything else', async () => {
    const calls: string[] = [];
    const source: KeySource = {
      get: async (kid) => {
        calls.push(kid);
        return undefined;
      },
    };
    const v = createVerifier({ jwks: source, issuer: ISSUER, audience: AUDIENCE, now: () => NOW });
    const big = signSessionToken(
      makeClaims({ grant: { ...makeClaims().grant, metadata: { pad: 'x'.repeat(8192) } } }),
      signingKey,
    );
    expect(big.length).toBeGreaterThan(MAX_TOKEN_LENGTH);
    expectRefused(await v(big));
    expectRefused(await verifier()(big));
    expect(calls).toEqual([]);
    expectRefused(await v('a'.repeat(MAX_TOKEN_LENGTH + 1)));
    expectRefused(await v(`${'a'.repeat(5000)}.${'b'.repeat(5000)}.c`));
    expect(calls).toEqual([]);
  });

  it('refuses tokens that are not three parts', async () => {
    const token = signSessionToken(makeClaims(), signingKey);
    const [h, p, s] = token.split('.');
    const v = verifier();
    for (const t of [
      '',
      '.',
      '..',
      '...',
      h,
      `${h}.${p}`,
      `${token}.`,
      `${token}.${s}`,
      `${h}.${p}.${s}.${s}.${s}`,
    ]) {
      expectRefused(await v(t as string));
    }
  });

  it('refuses non-string input without throwing', async () => {
    const v = verifier();
    for (const t of [undefined, null, 1, {}, [], Buffer.from('x')]) {
      expectRefused(await v(t as unknown as string));
    }
  });

  it('refuses garbage base64 in each part', async () => {
    const token = signSessionToken(makeClaims(), signingKey);
    const [h, p, s] = token.split('.') as [string, string, string];
    const v = verifier();
    const garbage = ['!!!!', '$$$', 'a b', 'aGVsbG8=', '%7B%7D', 'ü', '*'];
    for (const g of garbage) {
      expectRefused(await v(`${g}.${p}.${s}`));
      expectRefused(await v(`${h}.${g}.${s}`));
      expectRefused(await v(`${h}.${p}.${g}`));
    }
    // Valid base64url that is not JSON, in the header and (correctly signed) in the payload.
    expectRefused(await v(`${b64url('not json')}.${p}.${s}`));
    expectRefused(await v(signRaw(HEADER, b64url('not json'))));
    expectRefused(await v(signRaw(HEADER, b64url(Buffer.from([0xff, 0xfe, 0x00, 0x7b])))));
    // Standard base64 instead of base64url.
    expectRefused(await v(`${Buffer.from(JSON.stringify(HEADER)).toString('base64')}.${p}.${s}`));
  });

  it('refuses a header or payload that is a JSON array, string, number or null', async () => {
    const v = verifier();
    for (const value of [[makeClaims()], [], 'claims', 42, null, true]) {
      expectRefused(await v(signRaw(HEADER, value)));
    }
    expectRefused(await v(signRaw([HEADER], makeClaims())));
    expectRefused(await v(signRaw('null', makeClaims())));
  });

  it('refuses missing sub, jti or key claims', async () => {
    const v = verifier();
    for (const name of ['sub', 'jti', 'key'] as const) {
      const claims: Record<string, unknown> = { ...makeClaims() };
      delete claims[name];
      expectRefused(await v(signRaw(HEADER, claims)));
      expectRefused(await v(signRaw(HEADER, { ...makeClaims(), [name]: 123 })));
    }
  });

  it('refuses a missing grant or any missing / mistyped grant field', async () => {
    const v = verifier();
    const { grant: _g, ...noGrant } = makeClaims();
    expectRefused(await v(signRaw(HEADER, noGrant)));
    expectRefused(await v(signRaw(HEADER, { ...makeClaims(), grant: null })));
    expectRefused(await v(signRaw(HEADER, { ...makeClaims(), grant: [] })));
    expectRefused(await v(signRaw(HEADER, { ...makeClaims(), grant: 'all' })));

    const base = makeClaims().grant;
    for (const field of Object.keys(base) as (keyof typeof base)[]) {
      const grant: Record<string, unknown> = { ...base };
      delete grant[field];
      expectRefused(await v(signRaw(HEADER, { ...makeClaims(), grant })));
    }
    const bad: Record<string, unknown>[] = [
      { models: 'gpt-realtime' },
      { models: ['ok', 1] },
      { models: null },
      { origins: 'https://app.example.com' },
      { origins: [null] },
      { maxSessions: 1.5 },
      { maxSessions: '3' },
      { maxSessionSeconds: 900.1 },
      { maxSessionSeconds: null },
      { metadata: null },
      { metadata: [] },
      { metadata: 'x' },
    ];
    for (const patch of bad) {
      expectRefused(await v(signRaw(HEADER, { ...makeClaims(), grant: { ...base, ...patch } })));
    }
  });

  it('returns only the known grant fields', async () => {
    const claims = { ...makeClaims(), grant: { ...makeClaims().grant, admin: true } };
    const result = await verifier()(signRaw(HEADER, claims));
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.grant).not.toHaveProperty('admin');
  });
});

describe('createVerifier: options', () => {
  const jwks = { keys: [signingKey.publicJwk] };

  it('throws TypeError without options', () => {
    expect(() => createVerifier(undefined as never)).toThrow(TypeError);
    expect(() => createVerifier(null as never)).toThrow(TypeError);
  });

  it('throws TypeError on a missing or empty issuer', () => {
    expect(() => createVerifier({ jwks, audience: AUDIENCE } as never)).toThrow(TypeError);
    expect(() => createVerifier({ jwks, audience: AUDIENCE, issuer: '' })).toThrow(TypeError);
    expect(() => createVerifier({ jwks, audience: AUDIENCE, issuer: 1 as never })).toThrow(
      TypeError,
    );
  });

  it('throws TypeError on a missing or empty audience', () => {
    expect(() => createVerifier({ jwks, issuer: ISSUER } as never)).toThrow(TypeError);
    expect(() => createVerifier({ jwks, issuer: ISSUER, audience: '' })).toThrow(TypeError);
    expect(() => createVerifier({ jwks, issuer: ISSUER, audience: ['a'] as never })).toThrow(
      TypeError,
    );
  });

  it('throws TypeError on bad jwks', () => {
    for (const bad of [undefined, null, 42, {}, { keys: 'x' }, { get: 'x' }, [], true]) {
      expect(() =>
        createVerifier({ jwks: bad as never, issuer: ISSUER, audience: AUDIENCE }),
      ).toThrow(TypeError);
    }
    expect(() => createVerifier({ jwks: 'not a url', issuer: ISSUER, audience: AUDIENCE })).toThrow(
      TypeError,
    );
    expect(() =>
      createVerifier({ jwks: 'ftp://example.com/jwks', issuer: ISSUER, audience: AUDIENCE }),
    ).toThrow(TypeError);
  });

  it('accepts a key set, a KeySource, a URL string and a URL object', () => {
    const source: KeySource = { get: async () => undefined };
    expect(typeof createVerifier({ jwks, issuer: ISSUER, audience: AUDIENCE })).toBe('function');
    expect(typeof createVerifier({ jwks: source, issuer: ISSUER, audience: AUDIENCE })).toBe(
      'function',
    );
    expect(
      typeof createVerifier({
        jwks: 'https://example.com/jwks',
        issuer: ISSUER,
        audience: AUDIENCE,
      }),
    ).toBe('function');
    expect(
      typeof createVerifier({
        jwks: new URL('http://127.0.0.1:1/j'),
        issuer: ISSUER,
        audience: AUDIENCE,
      }),
    ).toBe('function');
  });

  it('ignores non-Ed25519 and malformed keys in a key set', async () => {
    const v = createVerifier({
      jwks: {
        keys: [
          { ...signingKey.publicJwk, kid: 'bad_alg', alg: 'HS256' },
          { ...signingKey.publicJwk, kid: 'bad_crv', crv: 'X25519' },
          { ...signingKey.publicJwk, kid: 'bad_x', x: 'AAAA' },
          { kty: 'oct', k: signingKey.publicJwk.x, kid: 'oct' },
        ] as never,
      },
      issuer: ISSUER,
      audience: AUDIENCE,
      now: () => NOW,
    });
    for (const kid of ['bad_alg', 'bad_crv', 'bad_x', 'oct']) {
      const token = signRaw({ ...HEADER, kid }, makeClaims());
      expectRefused(await v(token));
    }
  });

  it('uses the real clock by default', async () => {
    const v = createVerifier({ jwks, issuer: ISSUER, audience: AUDIENCE });
    const t = Math.floor(Date.now() / 1000);
    expect(
      (await v(signSessionToken(makeClaims({ iat: t, nbf: t, exp: t + 60 }), signingKey))).ok,
    ).toBe(true);
    expectRefused(await v(signSessionToken(makeClaims(), signingKey)), 'TOKEN_EXPIRED');
  });
});
