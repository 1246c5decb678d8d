// The session-token signer and verifier in core are hand-written; this measures them
// against jose doing the same work (same claims, same Ed25519 key, same checks), so the
// choice stays an argument with a number. Run: npm run build && node bench/jwt-libraries.mjs
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { createLocalJWKSet, jwtVerify, SignJWT } from 'jose';
import {
  createVerifier,
  generateSigningKey,
  signSessionToken,
} from '../packages/core/dist/node.js';

const kid = 'sig_bench';
const key = generateSigningKey(kid);
const now = Math.floor(Date.now() / 1000);
const claims = {
  iss: 'http://127.0.0.1:8787',
  aud: 'latchkey',
  sub: 'org_bench',
  jti: 'tok_0123456789abcdef',
  iat: now,
  nbf: now,
  exp: now + 900,
  key: 'key_bench',
  grant: { models: ['echo'], maxSessions: 4, origins: [], maxSessionSeconds: 3600, metadata: {} },
};
const jwks = { keys: [key.publicJwk] };
const token = signSessionToken(claims, key);
const verifier = createVerifier({ jwks, issuer: claims.iss, audience: claims.aud });
const joseKeys = createLocalJWKSet(jwks);
const joseOptions = { issuer: claims.iss, audience: claims.aud, algorithms: ['EdDSA'] };
if (!(await verifier(token)).ok) throw new Error('createVerifier refused the token');
await jwtVerify(token, joseKeys, joseOptions);

const pairs = [
  {
    name: 'sign',
    core: ['`signSessionToken`', async () => signSessionToken(claims, key)],
    jose: [
      '`new SignJWT(…).sign(key)`',
      () =>
        new SignJWT(claims)
          .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid })
          .sign(key.privateKey),
    ],
  },
  {
    name: 'verify',
    core: ['`createVerifier` (static key set)', () => verifier(token)],
    jose: ['`jwtVerify` + `createLocalJWKSet`', () => jwtVerify(token, joseKeys, joseOptions)],
  },
];

/** Operations per second of `fn` over about `ms` milliseconds. */
async function rate(fn, ms) {
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    for (let i = 0; i < 50; i++) await fn();
    n += 50;
  }
  return n / ((performance.now() - t0) / 1000);
}

const ROUNDS = 5;
const load0 = loadavg()[0];
const lines = [
  '# Hand-written session-token JWS vs jose',
  '',
  `- Date: ${new Date().toISOString()}`,
  `- Machine: ${cpus()[0]?.model}, ${cpus().length} CPUs; Node ${process.version}`,
  '',
  `Each pair alternates in ~200 ms slices for ${ROUNDS} rounds (so load from other processes hits both alike); the ratio is the median of the per-round ratios jose / core.`,
  '',
  '| Operation | core (ops/s, median) | jose (ops/s, median) | jose / core (per-round) |',
  '|---|---:|---:|---:|',
];
const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
for (const p of pairs) {
  for (let i = 0; i < 500; i++) await Promise.all([p.core[1](), p.jose[1]()]);
  const core = [];
  const jose = [];
  for (let r = 0; r < ROUNDS; r++) {
    let c = 0;
    let j = 0;
    for (let s = 0; s < 5; s++) {
      c += await rate(p.core[1], 200);
      j += await rate(p.jose[1], 200);
    }
    core.push(c / 5);
    jose.push(j / 5);
  }
  const ratios = core.map((c, i) => jose[i] / c);
  lines.push(
    `| ${p.name}: ${p.core[0]} vs ${p.jose[0]} | ${Math.round(median(core)).toLocaleString('en')} | ${Math.round(median(jose)).toLocaleString('en')} | ${median(ratios).toFixed(2)} (${ratios.map((x) => x.toFixed(2)).join(', ')}) |`,
  );
}
lines.push(
  '',
  `Load average (1 min) at start: ${load0.toFixed(2)}, at end: ${loadavg()[0].toFixed(2)}.`,
  '',
);
const report = lines.join('\n');
console.log(report);
writeFileSync(new URL('./results/jwt-libraries.md', import.meta.url), report);
