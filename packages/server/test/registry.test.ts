// The registry credential and token endpoints through a real listening server on
// a fresh PGlite, with a manual clock: credential expiry, revocation with and
// without --cascade, the scope intersection, and CA rotation.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  verify as verifySignature,
  X509Certificate,
} from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AdminApi,
  createAdminApi,
  createLogger,
  createSecretBox,
  loadOrCreateSecret,
  manualClock,
  type RunningServer,
} from '../src/index.js';
import { libtrustKeyId } from '../src/registry/certificate.js';
import { embeddedConfig, readError, type TempDir, tempDir } from './helpers.js';
import { startServer } from './serve-with-runtime.js';

const REGISTRY = '127.0.0.1:5999';
const clock = manualClock(Date.parse('2026-03-01T12:00:00Z'));
let dir: TempDir;
let server: RunningServer;
let admin: AdminApi;
let partnerKey: string;
let partnerKeyId: string;
let appKey: string;
let otherPartnerKey: string;

let ipSeq = 0;
const ip = () => `10.9.${(++ipSeq >> 8) & 255}.${ipSeq & 255}`;

const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

async function credentials(key?: string) {
  const res = await fetch(`${server.url}/v1/registry/credentials`, {
    method: 'POST',
    headers: { 'X-Forwarded-For': ip(), ...(key ? { Authorization: `Bearer ${key}` } : {}) },
  });
  return res;
}

async function token(auth: string | undefined, query: string) {
  return fetch(`${server.url}/v1/registry/token?${query}`, {
    headers: { 'X-Forwarded-For': ip(), ...(auth ? { Authorization: auth } : {}) },
  });
}

interface Jwt {
  header: { alg: string; typ: string; kid: string; x5c: string[] };
  claims: {
    iss: string;
    aud: unknown;
    sub: string;
    exp: number;
    nbf: number;
    iat: number;
    jti: string;
    access: Array<{ type: string; name: string; actions: string[] }>;
  };
  signingInput: string;
  signature: Buffer;
}

function decode(jwt: string): Jwt {
  const [h, c, s] = jwt.split('.') as [string, string, string];
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString()),
    claims: JSON.parse(Buffer.from(c, 'base64url').toString()),
    signingInput: `${h}.${c}`,
    signature: Buffer.from(s, 'base64url'),
  };
}

async function bundle(): Promise<X509Certificate[]> {
  const r = await admin.registryConfig({});
  if (!r.ok) throw new Error(r.message);
  return (
    r.value.bundlePem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? []
  ).map((pem) => new X509Certificate(pem));
}

/** Checks a token as distribution does: ES256 over the x5c leaf, leaf issued by a bundled CA. */
async function verifyAsRegistry(jwt: string): Promise<{ ca: X509Certificate; t: Jwt }> {
  const t = decode(jwt);
  expect(t.header.alg).toBe('ES256');
  expect(t.signature).toHaveLength(64); // raw R||S, not DER
  const leaf = new X509Certificate(Buffer.from(t.header.x5c[0] as string, 'base64'));
  expect(
    verifySignature(
      'sha256',
      Buffer.from(t.signingInput),
      { key: leaf.publicKey, dsaEncoding: 'ieee-p1363' },
      t.signature,
    ),
  ).toBe(true);
  expect(t.header.kid).toBe(libtrustKeyId(leaf.publicKey));
  const ca = (await bundle()).find((c) => leaf.checkIssued(c) && leaf.verify(c.publicKey));
  if (!ca) throw new Error('the leaf does not chain to a certificate in the bundle');
  expect(ca.ca).toBe(true);
  expect(leaf.ca).toBe(false);
  const now = clock.now();
  expect(Date.parse(leaf.validFrom)).toBeLessThanOrEqual(now);
  expect(Date.parse(leaf.validTo)).toBeGreaterThan(now);
  return { ca, t };
}

beforeAll(async () => {
  dir = tempDir('lk-registry-');
  server = await startServer(
    embeddedConfig(dir.dir, { LATCHKEY_REGISTRY: REGISTRY, LATCHKEY_TRUST_PROXY: 'true' }),
    { clock, bootstrap: false },
  );
  admin = createAdminApi(server.platform);
  const make = async (name: string) => {
    const org = await admin.createOrg({ name, partner: true, actor: 'test' });
    if (!org.ok) throw new Error(org.message);
    return org.value;
  };
  await make('Acme');
  await make('Globex');
  const key = async (org: string, kind: 'app' | 'partner') => {
    const k = await admin.createKey({ org, kind, actor: 'test' });
    if (!k.ok) throw new Error(k.message);
    return k.value;
  };
  const p = await key('acme', 'partner');
  partnerKey = p.secret;
  partnerKeyId = p.key.id;
  appKey = (await key('acme', 'app')).secret;
  otherPartnerKey = (await key('globex', 'partner')).secret;
});

afterAll(async () => {
  await server?.close();
  dir?.remove();
});

describe('POST /v1/registry/credentials', () => {
  it('gives a partner key a 12 h credential for the configured registry, stored only as a hash and audited', async () => {
    const res = await credentials(partnerKey);
    expect(res.status).toBe(201);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as {
      registry: string;
      username: string;
      password: string;
      expiresAt: string;
      credentialId: string;
    };
    expect(body.registry).toBe(REGISTRY);
    expect(body.username).toBe('acme');
    expect(body.password).toMatch(/^rc_[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(body.expiresAt) - clock.now()).toBe(12 * 3600_000);

    const rows = await server.platform.db
      .selectFrom('registry_credentials' as never)
      .selectAll()
      .execute();
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(body.password);
    expect(dump).toContain(createHash('sha256').update(body.password).digest('hex'));

    const audit = await admin.audit({ org: 'acme', action: 'registry.credentials_issued' });
    if (!audit.ok) throw new Error(audit.message);
    expect(audit.value[0]?.target).toBe(body.credentialId);
    expect(audit.value[0]?.actor).toBe(partnerKeyId);
    expect(JSON.stringify(audit.value)).not.toContain(body.password);
  });

  it('refuses an app key with WRONG_KEY_KIND', async () => {
    const res = await credentials(appKey);
    expect(res.status).toBe(403);
    const e = await readError(res);
    expect(e.error.code).toBe('WRONG_KEY_KIND');
    expect(e.error.message).toBe(
      'only partner keys (rp_) get registry credentials; this is an app key (rk_)',
    );
  });

  it('refuses no key and a bad key with 401', async () => {
    const none = await credentials();
    expect(none.status).toBe(401);
    expect((await readError(none)).error.code).toBe('MISSING_API_KEY');
    const bad = await credentials(`rp_${'x'.repeat(38)}`);
    expect(bad.status).toBe(401);
    expect((await readError(bad)).error.code).toBe('INVALID_API_KEY');
  });

  it('says REGISTRY_NOT_CONFIGURED when the server fronts no registry', async () => {
    const config = server.platform.config;
    config.registry = undefined;
    try {
      const res = await credentials(partnerKey);
      expect(res.status).toBe(404);
      const e = await readError(res);
      expect(e.error.code).toBe('REGISTRY_NOT_CONFIGURED');
      expect(e.error.message).toContain('--registry');
    } finally {
      config.registry = REGISTRY;
    }
  });
});

describe('GET /v1/registry/token', () => {
  let password: string;
  beforeAll(async () => {
    password = ((await (await credentials(partnerKey)).json()) as { password: string }).password;
  });

  it('grants the intersection: push and pull on <org>/*, nothing on another org or outside the grammar', async () => {
    const q = new URLSearchParams({ service: 'latchkey-registry', account: 'acme' });
    q.append('scope', 'repository:acme/demo:pull,push');
    q.append('scope', 'repository:acme/team/model:*');
    q.append('scope', 'repository:globex/demo:pull,push');
    q.append('scope', 'repository:acme/../globex/demo:push');
    q.append('scope', 'repository:acmex/demo:pull repository:acme/demo:delete');
    q.append('scope', 'registry:catalog:*');
    const res = await token(basic('acme', password), q.toString());
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      token: string;
      access_token: string;
      expires_in: number;
      issued_at: string;
    };
    expect(body.access_token).toBe(body.token);
    expect(body.expires_in).toBe(300);
    expect(body).not.toHaveProperty('refresh_token');
    const { t } = await verifyAsRegistry(body.token);
    expect(t.claims.aud).toBe('latchkey-registry');
    expect(typeof t.claims.aud).toBe('string');
    expect(t.claims.iss).toBe('latchkey');
    expect(Number.isInteger(t.claims.exp)).toBe(true);
    expect(t.claims.exp - t.claims.iat).toBe(300);
    expect(t.claims.iat).toBe(Math.floor(clock.now() / 1000));
    expect(t.claims.access).toEqual([
      { type: 'repository', name: 'acme/demo', actions: ['pull', 'push'] },
      { type: 'repository', name: 'acme/team/model', actions: ['pull', 'push'] },
    ]);
  });

  it('answers docker login (no scope) with an empty grant, and audits every grant', async () => {
    const res = await token(
      basic('acme', password),
      'client_id=docker&offline_token=true&service=latchkey-registry',
    );
    expect(res.status).toBe(200);
    const { t } = await verifyAsRegistry(((await res.json()) as { token: string }).token);
    expect(t.claims.access).toEqual([]);
    const audit = await admin.audit({ org: 'acme', action: 'registry.token_issued' });
    if (!audit.ok) throw new Error(audit.message);
    const last = audit.value[0];
    expect(last?.target).toBe(t.claims.jti);
    expect(last?.data).toMatchObject({ via: 'credential', requested: [], granted: [] });
    expect(
      audit.value.some((e) =>
        (e.data.granted as string[]).includes('repository:acme/demo:pull,push'),
      ),
    ).toBe(true);
  });

  it('accepts the partner key itself as the password, scoped to its own org', async () => {
    const res = await token(
      basic('globex', otherPartnerKey),
      'scope=repository:globex/m:push&scope=repository:acme/demo:pull',
    );
    expect(res.status).toBe(200);
    const { t } = await verifyAsRegistry(((await res.json()) as { token: string }).token);
    expect(t.claims.sub).toBe('globex');
    expect(t.claims.access).toEqual([{ type: 'repository', name: 'globex/m', actions: ['push'] }]);
  });

  it('refuses without credentials, with an app key, a wrong password or another service — in both error shapes', async () => {
    const none = await token(undefined, 'scope=repository:acme/demo:pull');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    const noneBody = (await none.json()) as {
      error: { code: string };
      errors: Array<{ code: string; message: string }>;
    };
    expect(noneBody.error.code).toBe('MISSING_API_KEY');
    expect(noneBody.errors[0]?.code).toBe('UNAUTHORIZED');
    expect(noneBody.errors[0]?.message).toContain('latchkey auth docker-login');

    const app = await token(basic('acme', appKey), 'scope=repository:acme/demo:pull');
    expect(app.status).toBe(403);
    expect((await readError(app)).error.code).toBe('WRONG_KEY_KIND');

    const wrong = await token(
      basic('acme', `rc_${'A'.repeat(43)}`),
      'scope=repository:acme/demo:pull',
    );
    expect(wrong.status).toBe(401);
    const w = await readError(wrong);
    expect(w.error.code).toBe('INVALID_TOKEN');
    expect(w.error.message).toContain('latchkey auth docker-login');

    const service = await token(
      basic('acme', password),
      'service=other&scope=repository:acme/demo:pull',
    );
    expect(service.status).toBe(400);
    expect((await readError(service)).error.message).toContain('"latchkey-registry"');

    const malformed = await token(basic('acme', password), 'scope=nonsense');
    expect(malformed.status).toBe(400);
  });

  it('refuses a credential after its 12 h with TOKEN_EXPIRED and the fix', async () => {
    const fresh = ((await (await credentials(partnerKey)).json()) as { password: string }).password;
    const start = clock.now();
    try {
      clock.advance(12 * 3600_000 - 1000);
      expect((await token(basic('acme', fresh), 'scope=repository:acme/demo:pull')).status).toBe(
        200,
      );
      clock.advance(1000);
      const res = await token(basic('acme', fresh), 'scope=repository:acme/demo:pull');
      expect(res.status).toBe(401);
      const e = await readError(res);
      expect(e.error.code).toBe('TOKEN_EXPIRED');
      expect(e.error.message).toContain('run `latchkey auth docker-login`');
    } finally {
      clock.set(start);
    }
  });
});

describe('revocation', () => {
  it('blocks new credentials and key-based tokens at once; issued credentials live on until --cascade ends them', async () => {
    const k = await admin.createKey({ org: 'acme', kind: 'partner', name: 'ci', actor: 'test' });
    if (!k.ok) throw new Error(k.message);
    const issued = ((await (await credentials(k.value.secret)).json()) as { password: string })
      .password;
    const scope = 'scope=repository:acme/demo:push';

    const revoked = await admin.revokeKey({
      id: k.value.key.id,
      reason: 'left the team',
      actor: 'test',
    });
    expect(revoked.ok).toBe(true);
    const again = await credentials(k.value.secret);
    expect(again.status).toBe(401);
    expect((await readError(again)).error.code).toBe('API_KEY_REVOKED');
    const viaKey = await token(basic('acme', k.value.secret), scope);
    expect(viaKey.status).toBe(401);
    expect((await readError(viaKey)).error.code).toBe('API_KEY_REVOKED');
    expect((await token(basic('acme', issued), scope)).status).toBe(200);

    // The operator forgot --cascade; cascading on the revoked key still ends its credentials.
    const cascaded = await admin.revokeKey({ id: k.value.key.id, cascade: true, actor: 'test' });
    if (!cascaded.ok) throw new Error(cascaded.message);
    expect(cascaded.value.credentialsEnded).toBe(1);
    const ended = await token(basic('acme', issued), scope);
    expect(ended.status).toBe(401);
    const e = await readError(ended);
    expect(e.error.code).toBe('INVALID_TOKEN');
    expect(e.error.message).toContain('was revoked');
    const audit = await admin.audit({ org: 'acme', action: 'registry.credentials_revoked' });
    if (!audit.ok) throw new Error(audit.message);
    expect(audit.value[0]?.data).toMatchObject({ count: 1 });
    // Other keys' credentials are untouched.
    const mine = ((await (await credentials(partnerKey)).json()) as { password: string }).password;
    expect((await token(basic('acme', mine), scope)).status).toBe(200);
  });
});

describe('CA rotation', () => {
  it('stages a CA into the bundle, activates it, and drops the old one after the overlap', async () => {
    const password = ((await (await credentials(partnerKey)).json()) as { password: string })
      .password;
    const sign = async () =>
      verifyAsRegistry(
        (
          (await (
            await token(basic('acme', password), 'scope=repository:acme/demo:pull')
          ).json()) as {
            token: string;
          }
        ).token,
      );
    const before = await bundle();
    expect(before).toHaveLength(1);
    const oldCa = (await sign()).ca;

    const staged = await admin.rotateRegistryCa({ actor: 'test' });
    if (!staged.ok) throw new Error(staged.message);
    expect(staged.value.staged?.state).toBe('next');
    expect(await bundle()).toHaveLength(2);
    expect((await sign()).ca.fingerprint256).toBe(oldCa.fingerprint256);
    const twice = await admin.rotateRegistryCa({ actor: 'test' });
    expect(twice.ok ? 'ok' : twice.code).toBe('CONFLICT');

    const activated = await admin.rotateRegistryCa({ activate: true, actor: 'test' });
    if (!activated.ok) throw new Error(activated.message);
    expect(activated.value.active?.id).toBe(staged.value.staged?.id);
    const newCa = (await sign()).ca;
    expect(newCa.fingerprint256).not.toBe(oldCa.fingerprint256);
    expect(newCa.fingerprint256).toBe(staged.value.staged?.fingerprint);
    expect(await bundle()).toHaveLength(2);

    const start = clock.now();
    try {
      clock.advance(16 * 60_000);
      const after = await bundle();
      expect(after.map((c) => c.fingerprint256)).toEqual([newCa.fingerprint256]);
    } finally {
      clock.set(start);
    }
    const none = await admin.rotateRegistryCa({ activate: true, actor: 'test' });
    expect(none.ok ? 'ok' : none.code).toBe('NOT_FOUND');
  });

  it('keeps CA private keys sealed at rest', async () => {
    const rows = (await server.platform.db
      .selectFrom('registry_cas' as never)
      .selectAll()
      .execute()) as Array<{ private_enc: string; cert_pem: string }>;
    expect(rows.length).toBeGreaterThan(0);
    const box = createSecretBox(loadOrCreateSecret(dir.dir, createLogger('silent')));
    for (const r of rows) {
      expect(r.private_enc).toMatch(/^v1\./);
      expect(r.private_enc).not.toContain('PRIVATE KEY');
      const key = createPrivateKey({ key: box.open(r.private_enc), format: 'der', type: 'pkcs8' });
      expect(createPublicKey(key).export({ type: 'spki', format: 'der' })).toEqual(
        new X509Certificate(r.cert_pem).publicKey.export({ type: 'spki', format: 'der' }),
      );
    }
  });
});
