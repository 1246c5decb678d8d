// What an outside attack run found, as tests: text PostgreSQL cannot store (NUL, lone
// surrogates) in any request field, a bad audit row failing its neighbours, the
// failed-auth gate, X-Forwarded-For trust, malformed requests, keys echoed in errors and
// the data dir's permissions. The same suite on PGlite and on real PostgreSQL.
import { lstatSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { generateKey } from '@latchkey/core';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdminApi, createAdminApi, createLogger, type RunningServer } from '../src/index.js';
import { createAuditWriter } from '../src/services/audit.js';
import { systemClock } from '../src/services/clock.js';
import {
  createTestDatabase,
  type ErrorBody,
  embeddedConfig,
  PG_URL,
  postgresAvailable,
  postgresConfig,
  readError,
  requireService,
  serviceGate,
  type TempDir,
  type TestDatabase,
  tempDir,
} from './helpers.js';
import { startServer } from './serve-with-runtime.js';

const pgUp = await postgresAvailable();
const backends = [
  { name: 'pglite' as const, run: true },
  { name: 'postgres' as const, run: serviceGate('PostgreSQL', PG_URL, pgUp) },
];

/** Strings every field is fed: what PostgreSQL refuses, and other control characters. */
const UNSTORABLE = ['\u0000', 'a\u0000b', '\ud800', 'x\udc00y', 'z\udbff'];
const CONTROL = ['\u0001\u0007\u001b[31m\u007f', '\u202e\u200b\ufeff', '\uffff\ufffe', '\r\n\t'];
const HOSTILE = [...UNSTORABLE, ...CONTROL];
const REGISTRY = '127.0.0.1:5999';
const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });

/** Percent-encodes as UTF-8, a lone surrogate as the 3 bytes it would take (WTF-8). */
const percent = (text: string) =>
  [...text]
    .map((ch) => {
      const c = ch.codePointAt(0) ?? 0;
      if (c < 0xd800 || c > 0xdfff) return encodeURIComponent(ch);
      return [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)]
        .map((b) => `%${b.toString(16).toUpperCase()}`)
        .join('');
    })
    .join('');

describe.each(backends)('hardening on $name', (backend) => {
  describe.skipIf(!backend.run)('suite', () => {
    let dir: TempDir;
    let database: TestDatabase | undefined;
    let server: RunningServer;
    let admin: AdminApi;
    const logs: string[] = [];
    let appKey: string;
    let partnerKey: string;
    let runtimeCredential: string;
    let orgId: string;

    beforeAll(async () => {
      dir = tempDir('lk-hardening-');
      const env = {
        LATCHKEY_MINT_RATE_PER_KEY: '0',
        LATCHKEY_AUTH_FAILURES_PER_IP: '0',
        LATCHKEY_REGISTRY: REGISTRY,
      };
      if (backend.name === 'postgres') {
        requireService('PostgreSQL', PG_URL, pgUp);
        database = await createTestDatabase();
      }
      const config = database
        ? postgresConfig(database.url, dir.dir, env)
        : embeddedConfig(dir.dir, env);
      server = await startServer(config, {
        bootstrap: false,
        signup: 'open',
        log: createLogger('debug', (line) => logs.push(line)),
      });
      admin = createAdminApi(server.platform);
      const org = await admin.createOrg({ name: 'Hardened', partner: true, actor: 'test' });
      if (!org.ok) throw new Error(org.message);
      orgId = org.value.id;
      const app = await admin.createKey({ org: orgId, kind: 'app', actor: 'test' });
      const partner = await admin.createKey({ org: orgId, kind: 'partner', actor: 'test' });
      const runtime = await admin.createRuntime({ name: 'fuzz', actor: 'test' });
      if (!app.ok || !partner.ok || !runtime.ok) throw new Error('set-up failed');
      appKey = app.value.secret;
      partnerKey = partner.value.secret;
      runtimeCredential = runtime.value.secret;
    });

    afterAll(async () => {
      await server?.close();
      await database?.drop();
      dir?.remove();
    });

    const url = (path: string) => server.url + path;
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(url(path), {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
    const rowsFor = async (requestId: string) =>
      server.platform.db
        .selectFrom('audit_events')
        .selectAll()
        .where('request_id', '=', requestId)
        .execute();

    describe('a request with text PostgreSQL cannot store', () => {
      it('cannot fail other callers’ mints or lose their audit rows', async () => {
        const mints: Promise<Response>[] = [];
        const poison: Promise<Response>[] = [];
        for (let wave = 0; wave < 8; wave++) {
          for (let i = 0; i < 19; i++) mints.push(post('/v1/tokens', {}, bearer(appKey)));
          poison.push(fetch(url('/v1/sessions/%00')));
          poison.push(fetch(url(`/v1/jobs/%ED%A0%80${wave}`)));
          await new Promise((r) => setImmediate(r));
        }
        const answers = await Promise.all(mints);
        const refused = await Promise.all(poison);
        expect(answers.map((r) => r.status)).toEqual(answers.map(() => 201));
        await server.platform.audit.flush();
        for (const r of answers) {
          const rows = await rowsFor(r.headers.get('x-request-id') as string);
          expect(rows.map((row) => row.action)).toEqual(['token.minted']);
        }
        // Every refused authentication is audited, its path made storable.
        for (const r of refused) {
          expect(r.status).toBe(401);
          expect((await readError(r)).error.code).toBe('MISSING_API_KEY');
          const rows = await rowsFor(r.headers.get('x-request-id') as string);
          expect(rows.map((row) => [row.action, row.outcome])).toEqual([
            ['auth.failed', 'MISSING_API_KEY'],
          ]);
        }
        const nulRow = await rowsFor(refused[0]?.headers.get('x-request-id') as string);
        const data = nulRow[0]?.data;
        expect(typeof data === 'string' ? JSON.parse(data) : data).toEqual({
          path: '/v1/sessions/\uFFFD',
        });
      });

      it('is 400 INVALID_REQUEST in a job or generate body, naming the field', async () => {
        for (const path of ['/v1/jobs/render', '/v1/generate/render']) {
          for (const bad of UNSTORABLE) {
            const res = await post(path, { prompt: bad }, bearer(appKey));
            expect(res.status, `${path} ${JSON.stringify(bad)}`).toBe(400);
            const { error } = await readError(res);
            expect(error.code).toBe('INVALID_REQUEST');
            expect(error.message).toMatch(/^prompt: text may not contain NUL/);
          }
          // A key is a field too.
          const res = await post(path, '{"pro\\u0000mpt":"x"}', bearer(appKey));
          expect((await readError(res)).error.code).toBe('INVALID_REQUEST');
        }
      });

      it('is 400 in the registry’s Basic user name, even with a valid partner key', async () => {
        for (const user of ['a\u0000b', '\u0000']) {
          const auth = Buffer.from(`${user}:${partnerKey}`).toString('base64');
          const res = await fetch(url(`/v1/registry/token?service=latchkey-registry`), {
            headers: { authorization: `Basic ${auth}` },
          });
          expect(res.status).toBe(400);
          expect((await readError(res)).error.code).toBe('INVALID_REQUEST');
        }
        const res = await fetch(url('/v1/registry/token?service=a%00b'), {
          headers: {
            authorization: `Basic ${Buffer.from(`me:${partnerKey}`).toString('base64')}`,
          },
        });
        expect(res.status).toBe(400);
        expect((await readError(res)).error.message).toMatch(/query parameter "service"/);
      });

      it('is 400 in a runtime’s instanceId, description or session ids', async () => {
        const base = {
          instanceId: 'instance-1',
          url: 'http://127.0.0.1:9',
          models: [{ name: 'echo', kind: 'realtime', description: 'ok' }],
          capacity: { sessions: 1, jobs: 1 },
          secret: 'x'.repeat(43),
        };
        const auth = bearer(runtimeCredential);
        const cases: Array<[string, unknown]> = [
          ['/v1/runtimes/register', { ...base, instanceId: 'inst\u0000ance' }],
          [
            '/v1/runtimes/register',
            { ...base, models: [{ name: 'echo', kind: 'realtime', description: 'a\u0000' }] },
          ],
          ['/v1/runtimes/heartbeat', { instanceId: 'instance-1', sessions: ['ses_\u0000'] }],
          [
            '/v1/runtimes/events',
            {
              instanceId: 'instance-1',
              events: [{ type: 'session-active', sessionId: 'ses_\ud800', at: 1 }],
            },
          ],
          ['/v1/runtimes/deregister', { instanceId: 'instance\udfff-1' }],
        ];
        for (const [path, body] of cases) {
          const res = await post(path, body, auth);
          expect(res.status, path).toBe(400);
          expect((await readError(res)).error.code).toBe('INVALID_REQUEST');
        }
      });
    });

    describe('the audit writer', () => {
      it('writes every row of a batch that holds one the database refuses, but that one', async () => {
        const db = server.platform.db;
        // A row the database itself refuses, whatever the writer cleaned.
        await sql`alter table audit_events add constraint test_no_poison check (action <> 'test.poison') not valid`.execute(
          db,
        );
        try {
          const writer = createAuditWriter(db, systemClock);
          const marker = `req_batch_${Date.now()}`;
          const writes = Array.from({ length: 20 }, (_, i) =>
            writer.write({
              orgId,
              action: i === 7 ? 'test.poison' : 'test.neighbour',
              actor: `test:${i}`,
              outcome: 'ok',
              requestId: marker,
            }),
          );
          const settled = await Promise.allSettled(writes);
          expect(settled.map((s) => s.status)).toEqual(
            settled.map((_, i) => (i === 7 ? 'rejected' : 'fulfilled')),
          );
          const rows = await rowsFor(marker);
          expect(rows.map((r) => r.actor).sort()).toEqual(
            Array.from({ length: 20 }, (_, i) => `test:${i}`)
              .filter((a) => a !== 'test:7')
              .sort(),
          );
        } finally {
          await sql`alter table audit_events drop constraint test_no_poison`.execute(db);
        }
      });

      it('stores request text with NUL and lone surrogates replaced, keys included', async () => {
        const writer = createAuditWriter(server.platform.db, systemClock);
        const marker = `req_clean_${Date.now()}`;
        await writer.write({
          orgId,
          action: 'test.clean',
          actor: 'user\u0000name',
          target: '\ud800',
          outcome: 'ok',
          userAgent: 'ua\u0000',
          requestId: marker,
          data: { 'k\u0000': ['v\udc00', { deep: 'x\u0000' }] },
        });
        const [row] = await rowsFor(marker);
        expect(row).toMatchObject({
          actor: 'user\uFFFDname',
          target: '\uFFFD',
          user_agent: 'ua\uFFFD',
        });
        const data = typeof row?.data === 'string' ? JSON.parse(row.data) : row?.data;
        expect(data).toEqual({ 'k\uFFFD': ['v\uFFFD', { deep: 'x\uFFFD' }] });
      });
    });

    describe('every route, every string field, from the OpenAPI document', () => {
      type Schema = Record<string, unknown>;
      let doc: { paths: Record<string, Record<string, Schema>>; components: { schemas: Schema } };
      let sessionToken: string;
      let sessionId: string;
      let jobId: string;
      let ownerCookie: string;
      let signOutCookie: string;
      let fuzzOrg: string;
      let fuzzUser = 0;
      let fuzzKeyId: string;

      beforeAll(async () => {
        doc = await (await fetch(url('/v1/openapi.json'))).json();
        const minted = await post('/v1/tokens', { maxSessions: 1000 }, bearer(appKey));
        sessionToken = ((await minted.json()) as { token: string }).token;
        const session = await post('/v1/sessions', { model: 'echo' }, bearer(sessionToken));
        sessionId = ((await session.json()) as { sessionId: string }).sessionId;
        const job = await post('/v1/jobs/render', { prompt: 'a fox' }, bearer(appKey));
        jobId = ((await job.json()) as { jobId: string }).jobId;
        const signUp = async (email: string) => {
          const res = await post('/v1/auth/sign-up/email', {
            email,
            password: 'correct horse battery',
          });
          expect(res.status).toBe(200);
          return (res.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
        };
        ownerCookie = await signUp(`fuzz-owner-${Date.now()}@example.com`);
        signOutCookie = await signUp(`fuzz-leaver-${Date.now()}@example.com`);
        const org = await post('/v1/orgs', { name: 'Fuzz org' }, { cookie: ownerCookie });
        fuzzOrg = ((await org.json()) as { slug: string }).slug;
        const key = await post(
          `/v1/orgs/${fuzzOrg}/keys`,
          { name: 'fuzz' },
          { cookie: ownerCookie },
        );
        fuzzKeyId = ((await key.json()) as { key: { id: string } }).key.id;
      });

      /** A body each operation accepts, for fields to be swapped out one at a time. */
      const valid: Record<string, () => unknown> = {
        createToken: () => ({
          expiresIn: 600,
          models: ['echo'],
          origins: ['https://app.example.com'],
          metadata: { userId: 'u_1' },
        }),
        createSession: () => ({ model: 'echo' }),
        offerSession: () => ({ sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n', type: 'offer' }),
        generate: () => ({ prompt: 'a lighthouse' }),
        submitJob: () => ({ prompt: 'a lighthouse' }),
        registerRuntime: () => ({
          instanceId: 'fuzz-instance',
          url: 'http://127.0.0.1:9',
          models: [{ name: 'fuzz', kind: 'batch', description: 'd' }],
          capacity: { sessions: 0, jobs: 0 },
          secret: 'x'.repeat(43),
          version: '1',
        }),
        heartbeatRuntime: () => ({ instanceId: 'fuzz-instance', sessions: [sessionId] }),
        runtimeEvents: () => ({
          instanceId: 'fuzz-instance',
          events: [{ type: 'session-closed', sessionId, reason: 'client_closed', at: 1 }],
        }),
        deregisterRuntime: () => ({ instanceId: 'fuzz-instance' }),
        resolveRuntimeModel: () => ({ model: 'fuzzco/styler', version: '1' }),
        createRuntimeCredential: () => ({ name: 'fuzz runtime' }),
        createRegistryCredentials: () => ({}),
        signUp: () => ({
          email: `fuzz-${fuzzUser++}@example.com`,
          password: 'correct horse battery',
          name: 'Fuzz',
        }),
        signIn: () => ({ email: 'fuzz-0@example.com', password: 'correct horse battery' }),
        signOut: () => ({}),
        // Wrong passwords and made-up codes: every field reaches the library, nothing changes.
        changePassword: () => ({
          currentPassword: 'not the password',
          newPassword: 'another horse battery',
        }),
        requestPasswordReset: () => ({ email: 'fuzz-0@example.com' }),
        resetPassword: () => ({ token: 'x'.repeat(24), newPassword: 'correct horse battery' }),
        sendVerificationEmail: () => ({ email: 'fuzz-0@example.com' }),
        verifyTotp: () => ({ code: '123456', trustDevice: false }),
        verifyBackupCode: () => ({ code: 'abcde-fghij' }),
        enableTwoFactor: () => ({ password: 'not the password' }),
        disableTwoFactor: () => ({ password: 'not the password' }),
        createOrg: () => ({ name: 'Fuzz org' }),
        updateOrg: () => ({ name: 'Fuzz org' }),
        createKey: () => ({ name: 'fuzz key', kind: 'app', expiresIn: 3600 }),
        updateKey: () => ({ name: 'fuzz key' }),
        rotateKey: () => ({ grace: 60 }),
        revokeKey: () => ({ reason: 'fuzz', endSessions: true, cascade: true }),
        changeMemberRole: () => ({ role: 'developer' }),
        createInvitation: () => ({ role: 'viewer', email: 'invitee@example.com' }),
        createDeviceCode: () => ({ clientName: 'fuzz-host' }),
        pollDeviceToken: () => ({ deviceCode: 'x'.repeat(43) }),
        approveDevice: () => ({ org: fuzzOrg }),
        registerModel: () => ({
          name: 'fuzz',
          kind: 'realtime',
          description: 'd',
          visibility: 'private',
          allowedOrgs: [fuzzOrg],
        }),
        updateModel: () => ({
          description: 'd',
          visibility: 'public',
          allowedOrgs: [fuzzOrg],
          defaultVersion: '1',
        }),
        recordWeights: () => ({ version: '1', manifestDigest: `sha256:${'a'.repeat(64)}` }),
        publishModelVersion: () => ({
          version: '1',
          image: 'registry.example.com/fuzz/m:1',
          weights: '1',
          resources: { gpu: 'a100' },
          default: true,
        }),
      };

      const credentialFor = (path: string): Record<string, string> => {
        if (path === '/v1/auth/sign-out') return { cookie: signOutCookie };
        if (path.startsWith('/v1/auth/') || path.startsWith('/v1/me'))
          return { cookie: ownerCookie };
        if (
          path.startsWith('/v1/orgs') ||
          path.startsWith('/v1/invitations') ||
          path.startsWith('/v1/device/{')
        )
          return { cookie: ownerCookie };
        if (path.startsWith('/v1/runtimes/')) return bearer(runtimeCredential);
        if (path === '/v1/registry/credentials') return bearer(partnerKey);
        if (path === '/v1/registry/token')
          return { authorization: `Basic ${Buffer.from(`me:${partnerKey}`).toString('base64')}` };
        if (path.startsWith('/v1/sessions')) return bearer(sessionToken);
        return bearer(appKey);
      };

      const paramValue: Record<string, (path: string) => string> = {
        id: (path) => (path.startsWith('/v1/jobs/') ? jobId : sessionId),
        model: () => 'render',
        org: () => fuzzOrg,
        keyId: () => fuzzKeyId,
      };

      const resolve = (s: Schema): Schema => {
        const ref = s.$ref as string | undefined;
        if (!ref) return s;
        return resolve(
          (doc.components.schemas as Record<string, Schema>)[ref.split('/').pop() ?? ''] ?? {},
        );
      };

      /** Every path in a schema where a string goes (`*` for an array item or a record value). */
      function stringPaths(schema: Schema, at: string[] = [], depth = 0): string[][] {
        const s = resolve(schema);
        if (depth > 6) return [];
        const found: string[][] = [];
        if (s.type === 'string' || s.enum || s.const !== undefined) found.push(at);
        for (const key of ['anyOf', 'oneOf', 'allOf'] as const)
          for (const part of (s[key] as Schema[] | undefined) ?? [])
            found.push(...stringPaths(part, at, depth + 1));
        for (const [name, sub] of Object.entries((s.properties as Record<string, Schema>) ?? {}))
          found.push(...stringPaths(sub, [...at, name], depth + 1));
        if (s.additionalProperties && typeof s.additionalProperties === 'object')
          found.push(...stringPaths(s.additionalProperties as Schema, [...at, '*'], depth + 1));
        if (s.items) found.push(...stringPaths(s.items as Schema, [...at, '0'], depth + 1));
        return found;
      }

      /** The valid body with `value` put at `path` (containers made as needed). */
      function withValue(body: unknown, path: string[], value: string): unknown {
        if (path.length === 0) return value;
        const [head = '', ...rest] = path;
        const key = head === '*' ? 'field' : head;
        if (/^\d+$/.test(key)) {
          const list = Array.isArray(body) ? [...body] : [];
          list[Number(key)] = withValue(list[Number(key)], rest, value);
          return list;
        }
        const obj = body && typeof body === 'object' && !Array.isArray(body) ? { ...body } : {};
        (obj as Record<string, unknown>)[key] = withValue(
          (obj as Record<string, unknown>)[key],
          rest,
          value,
        );
        return obj;
      }

      async function expectNo5xx(what: string, res: Response) {
        const text = await res.text();
        expect(res.status, `${what} → ${res.status} ${text.slice(0, 200)}`).toBeLessThan(500);
        if (res.status >= 400) {
          const body = JSON.parse(text) as ErrorBody;
          expect(body.error.requestId, what).toMatch(/^req_/);
        }
        return res.status;
      }

      it('never answers 5xx, and refuses unstorable text with 400', async () => {
        const before = logs.filter((l) => l.includes('"level":"error"')).length;
        let requests = 0;
        const operations = Object.entries(doc.paths)
          .flatMap(([path, ops]) =>
            Object.entries(ops).map(([method, op]) => ({ path, method, op })),
          )
          // Deleting the fuzz org answers 404 to every org route after it: it goes last.
          .sort(
            (a, b) =>
              Number(a.op.operationId === 'deleteOrg') - Number(b.op.operationId === 'deleteOrg'),
          );
        expect(operations.length).toBeGreaterThan(15);
        for (const { path, method, op } of operations) {
          const operationId = op.operationId as string;
          const concrete = path.replace(/\{(\w+)\}/g, (_m, n: string) =>
            encodeURIComponent(paramValue[n]?.(path) ?? 'x'),
          );
          const headers = credentialFor(path);
          const bodySchema = (
            op.requestBody as { content: { 'application/json': { schema: Schema } } } | undefined
          )?.content['application/json'].schema;
          if (bodySchema) {
            const make = valid[operationId];
            expect(make, `a valid body for ${operationId} in this test`).toBeDefined();
            const paths = stringPaths(bodySchema);
            // Record-typed bodies (a job's input) have their fields in the example only.
            for (const name of Object.keys((make?.() as object) ?? {}))
              if (!paths.some((p) => p[0] === name)) paths.push([name]);
            for (const fieldPath of paths) {
              for (const bad of HOSTILE) {
                const body = withValue(make?.(), fieldPath, bad);
                const res = await fetch(url(concrete), {
                  method: method.toUpperCase(),
                  headers: { 'content-type': 'application/json', ...headers },
                  body: JSON.stringify(body),
                });
                requests++;
                const status = await expectNo5xx(
                  `${method.toUpperCase()} ${path} ${fieldPath.join('.')}=${JSON.stringify(bad)}`,
                  res,
                );
                if (UNSTORABLE.includes(bad)) expect(status).toBe(400);
              }
            }
            // An unstorable key anywhere in the body.
            const res = await fetch(url(concrete), {
              method: method.toUpperCase(),
              headers: { 'content-type': 'application/json', ...headers },
              body: JSON.stringify({ ...(make?.() as object), 'k\u0000': 1 }),
            });
            requests++;
            expect(await expectNo5xx(`${path} with a NUL key`, res)).toBe(400);
          }
          // Path parameters and query values.
          const names = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1] as string);
          const send = (target: string) =>
            fetch(url(target), {
              method: method.toUpperCase(),
              headers: {
                ...headers,
                ...(bodySchema ? { 'content-type': 'application/json' } : {}),
              },
              ...(bodySchema ? { body: JSON.stringify(valid[operationId]?.()) } : {}),
            });
          for (const bad of HOSTILE) {
            for (const name of names) {
              const target = path.replace(/\{(\w+)\}/g, (_m, n: string) =>
                n === name ? percent(bad) : encodeURIComponent(paramValue[n]?.(path) ?? 'x'),
              );
              requests++;
              await expectNo5xx(`${method.toUpperCase()} ${target}`, await send(target));
            }
            for (const query of ['service', 'scope', 'since', 'x']) {
              const target = `${concrete}?${query}=${percent(bad)}`;
              requests++;
              const status = await expectNo5xx(
                `${method.toUpperCase()} ${target}`,
                await send(target),
              );
              if (bad.includes('\u0000')) expect(status, target).toBe(400);
            }
          }
        }
        expect(requests).toBeGreaterThan(300);
        expect(logs.filter((l) => l.includes('"level":"error"')).slice(before)).toEqual([]);
        // Thousands of requests over every route: the bound is against a hang, not for speed.
      }, 180_000);
    });

    describe('malformed requests', () => {
      const raw = (request: string) =>
        new Promise<string>((resolve, reject) => {
          const socket = net.connect(server.port, '127.0.0.1', () => socket.write(request));
          let text = '';
          socket.setEncoding('utf8');
          socket.on('data', (d) => {
            text += d;
          });
          socket.on('end', () => resolve(text));
          socket.on('close', () => resolve(text));
          socket.on('error', reject);
        });

      it.each([
        ['HTTP/1.1 without Host', 'GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n'],
        ['HTTP/1.0 without Host', 'GET /healthz HTTP/1.0\r\n\r\n'],
        ['Host "a b"', 'GET /healthz HTTP/1.1\r\nHost: a b\r\nConnection: close\r\n\r\n'],
        ['Host "["', 'GET /healthz HTTP/1.1\r\nHost: [\r\nConnection: close\r\n\r\n'],
        ['Host "x:99999"', 'GET /healthz HTTP/1.1\r\nHost: x:99999\r\nConnection: close\r\n\r\n'],
        ['Host "u@evil"', 'GET /healthz HTTP/1.1\r\nHost: u@evil\r\nConnection: close\r\n\r\n'],
        ['a broken request line', 'GARBAGE\r\n\r\n'],
      ])('%s → 400 with the envelope', async (_what, request) => {
        const answer = await raw(request);
        const [head = '', body = ''] = answer.split('\r\n\r\n');
        expect(head).toMatch(/^HTTP\/1\.[01] 400 /);
        expect(head).toMatch(/content-type: application\/json/i);
        const requestId = /x-request-id: (req_\w+)/i.exec(head)?.[1];
        const parsed = JSON.parse(
          body.trim().startsWith('{') ? body : (body.split('\r\n')[1] ?? ''),
        );
        expect(parsed.error.code).toBe('INVALID_REQUEST');
        expect(parsed.error.requestId).toBe(requestId);
      });
    });

    describe('a key pasted into a URL', () => {
      it('is never echoed back whole in an error message', async () => {
        const key = generateKey('app');
        const answers = [
          await fetch(url(`/nope/${key}`)),
          await fetch(url(`/v1/sessions/${key}`), { headers: bearer(appKey) }),
          await fetch(url(`/v1/jobs/${key}`), { headers: bearer(appKey) }),
          await fetch(url(`/v1/sessions/${partnerKey}`), { headers: bearer(appKey) }),
        ];
        for (const res of answers) {
          expect(res.status).toBe(404);
          const { error } = await readError(res);
          expect(error.message).not.toContain(key.slice(3, 20));
          expect(error.message).not.toContain(partnerKey.slice(3, 20));
          expect(error.message).toMatch(/r[kp]_…\w{4}/);
        }
      });
    });
  });
});

// Each with a PGlite server of its own: these are about one process's settings.
/** A PGlite server of its own for `run`, closed and removed afterwards. */
async function withServer(
  env: Record<string, string>,
  run: (server: RunningServer) => Promise<void>,
): Promise<void> {
  const own = tempDir('lk-own-');
  const server = await startServer(embeddedConfig(own.dir, env));
  try {
    await run(server);
  } finally {
    await server.close();
    own.remove();
  }
}

describe('failed authentications', () => {
  it('never lock out a valid key from the same address', () =>
    withServer({ LATCHKEY_AUTH_FAILURES_PER_IP: '5' }, async (gated) => {
      const key = gated.bootstrap?.apiKey as string;
      const mint = (secret: string) =>
        fetch(`${gated.url}/v1/tokens`, { method: 'POST', headers: bearer(secret) });
      for (let i = 0; i < 5; i++) expect((await mint(generateKey('app'))).status).toBe(401);
      const limited = await mint(generateKey('app'));
      expect(limited.status).toBe(429);
      expect((await readError(limited)).error.code).toBe('RATE_LIMITED');
      expect((await mint(key)).status).toBe(201);
      expect((await mint('garbage')).status).toBe(429);
    }));
});

describe('X-Forwarded-For', () => {
  it('takes the address the trusted proxy appended, not what the client wrote', () =>
    withServer(
      { LATCHKEY_AUTH_FAILURES_PER_IP: '5', LATCHKEY_TRUST_PROXY: 'true' },
      async (proxied) => {
        const statuses: number[] = [];
        for (let i = 0; i < 12; i++) {
          const res = await fetch(`${proxied.url}/v1/tokens`, {
            method: 'POST',
            headers: {
              ...bearer(generateKey('app')),
              'X-Forwarded-For': `198.51.100.${i}, 10.9.8.7`,
            },
          });
          statuses.push(res.status);
        }
        // One client behind the proxy (10.9.8.7), whatever it wrote on the left.
        expect(statuses).toEqual([...Array(5).fill(401), ...Array(7).fill(429)]);
        await proxied.platform.audit.flush();
        const ips = await proxied.platform.db
          .selectFrom('audit_events')
          .select('ip')
          .where('action', '=', 'auth.failed')
          .execute();
        expect(new Set(ips.map((r) => r.ip))).toEqual(new Set(['10.9.8.7']));
      },
    ));
});

describe('the data dir', () => {
  it('is made owner-only at start, with everything in it', async () => {
    const own = tempDir('lk-perms-');
    const dataDir = join(own.dir, 'data');
    mkdirSync(dataDir, { mode: 0o755 });
    mkdirSync(join(dataDir, 'old'), { mode: 0o777 });
    writeFileSync(join(dataDir, 'old', 'notes'), 'x', { mode: 0o666 });
    const openPaths = () => {
      const open: string[] = [];
      const walk = (p: string) => {
        const st = lstatSync(p);
        if (!st.isSymbolicLink() && st.mode & 0o077)
          open.push(`${p} ${(st.mode & 0o777).toString(8)}`);
        if (st.isDirectory()) for (const n of readdirSync(p)) walk(join(p, n));
      };
      walk(dataDir);
      return open;
    };
    const started = await startServer(embeddedConfig(dataDir), { bootstrap: false });
    let closed = false;
    try {
      // The directory is what keeps out others from files PGlite adds while it runs.
      expect(lstatSync(dataDir).mode & 0o777).toBe(0o700);
      expect(openPaths()).toEqual([]);
      await sql`create table test_perm (x int)`.execute(started.platform.db);
      await sql`checkpoint`.execute(started.platform.db);
      await started.close();
      closed = true;
      expect(openPaths()).toEqual([]);
    } finally {
      if (!closed) await started.close();
      own.remove();
    }
  });
});
