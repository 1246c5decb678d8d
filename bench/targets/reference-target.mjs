// The bare reference for POST /v1/tokens: the floor of what a mint costs on this machine.
//
// node:http, a Map lookup of the key's SHA-256, a JSON body parsed, a JWT payload of the
// same shape as Latchkey's (iss, aud, sub, jti, iat, nbf, exp, key, grant) signed with raw
// node:crypto Ed25519, a 201 JSON answer. No framework, no validation, no audit, no
// rate limit, no metrics. Same stdout line and IPC protocol as latchkey-target.mjs.
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { createServer } from 'node:http';

const b64url = (s) => Buffer.from(s).toString('base64url');
const sha256 = (s) => createHash('sha256').update(s).digest('hex');
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const random62 = (n) => [...randomBytes(n)].map((b) => BASE62[b % 62]).join('');
const MAX_SECONDS = 6 * 60 * 60;

const { privateKey } = generateKeyPairSync('ed25519');
const apiKey = `rk_${random62(38)}`;
const keys = new Map([
  [sha256(apiKey), { id: `key_${random62(22)}`, orgId: `org_${random62(22)}` }],
]);
const header = b64url(JSON.stringify({ alg: 'EdDSA', typ: 'JWT', kid: `sig_${random62(22)}` }));
let issuer = '';

const send = (res, status, body) => {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
};

const server = createServer((req, res) => {
  if (req.method !== 'POST' || req.url !== '/v1/tokens')
    return send(res, 404, { error: 'not found' });
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    const key = m ? keys.get(sha256(m[1])) : undefined;
    if (!key) return send(res, 401, { error: 'INVALID_API_KEY' });
    let body = {};
    try {
      if (chunks.length) body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      return send(res, 400, { error: 'INVALID_REQUEST' });
    }
    const now = Math.floor(Date.now() / 1000);
    const exp = now + Math.min(Number(body.expiresIn) || MAX_SECONDS, MAX_SECONDS);
    const claims = {
      iss: issuer,
      aud: 'latchkey',
      sub: key.orgId,
      jti: `tok_${random62(22)}`,
      iat: now,
      nbf: now,
      exp,
      key: key.id,
      grant: { models: ['*'], maxSessions: 5, origins: [], maxSessionSeconds: 3600, metadata: {} },
    };
    const input = `${header}.${b64url(JSON.stringify(claims))}`;
    const token = `${input}.${sign(null, Buffer.from(input), privateKey).toString('base64url')}`;
    send(res, 201, { token, tokenId: claims.jti, expiresAt: new Date(exp * 1000).toISOString() });
  });
});

server.listen(0, '127.0.0.1', () => {
  issuer = `http://127.0.0.1:${server.address().port}`;
  process.stdout.write(
    `BENCH_TARGET ${JSON.stringify({ url: issuer, key: apiKey, db: 'none' })}\n`,
  );
});

const close = () =>
  new Promise((r) => {
    server.closeAllConnections?.();
    server.close(() => r());
  });
process.on('message', async (msg) => {
  if (msg.type === 'close') {
    await close();
    process.send?.({ id: msg.id, ok: true });
    process.disconnect?.();
    process.exit(0);
    return;
  }
  process.send?.({ id: msg.id, ok: false, error: `unsupported: ${msg.type}` });
});
process.on('disconnect', () => close().then(() => process.exit(0)));
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => close().then(() => process.exit(0)));
