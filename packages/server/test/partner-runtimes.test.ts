// Partner runtimes: an org's runtime credentials (created, listed and revoked with its
// partner key), what a runtime of that org may announce at registration, which version
// it is told to serve (`/v1/runtimes/resolve`), and placement only where a model is ready.
// On PGlite and on PostgreSQL.
import { newId } from '@latchkey/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AdminApi, createAdminApi, manualClock, type RunningServer } from '../src/index.js';
import { listAudit } from '../src/services/audit.js';
import {
  createTestDatabase,
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

const MANIFEST = `sha256:${'a'.repeat(64)}`;
const FILE = { path: 'model.bin', digest: `sha256:${'b'.repeat(64)}`, size: 1234 };

describe.each(backends)('partner runtimes on $name', (backend) => {
  describe.skipIf(!backend.run)('suite', () => {
    let database: TestDatabase | undefined;
    let dir: TempDir;
    let server: RunningServer;
    let admin: AdminApi;
    const clock = manualClock(Date.now());
    let modelco: { id: string; key: string };
    let otherco: { id: string; key: string };
    let appKey: string;

    const call = (method: string, path: string, auth?: string, body?: unknown) =>
      fetch(`${server.url}${path}`, {
        method,
        headers: {
          ...(auth ? { authorization: `Bearer ${auth}` } : {}),
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });

    async function partnerOrg(slug: string) {
      const org = await admin.createOrg({ name: slug, slug, partner: true, actor: 'test' });
      if (!org.ok) throw new Error(org.message);
      const key = await admin.createKey({ org: org.value.id, kind: 'partner', actor: 'test' });
      if (!key.ok) throw new Error(key.message);
      return { id: org.value.id, key: key.value.secret };
    }

    /** A registered model with published versions (`retired` ones retired) and weights for `1`. */
    async function registerModel(orgId: string, name: string, kind: 'realtime' | 'batch') {
      const db = server.platform.db;
      const at = new Date(clock.now());
      const modelId = newId('mdl');
      await db
        .insertInto('models')
        .values({
          id: modelId,
          org_id: orgId,
          name,
          kind,
          description: `${name} for tests`,
          visibility: 'public',
          default_version: '1',
          created_at: at,
          created_by: 'test',
          updated_at: at,
        })
        .execute();
      for (const version of ['1', '2', '3'])
        await db
          .insertInto('model_versions')
          .values({
            id: newId('mdv'),
            model_id: modelId,
            version,
            image: null,
            image_digest: null,
            weights_version: version === '1' ? 'w1' : version === '3' ? 'w-missing' : null,
            resources: '{}',
            created_at: at,
            created_by: 'test',
            retired_at: version === '2' ? at : null,
            failed_message: null,
            failed_at: null,
          })
          .execute();
      await db
        .insertInto('weights')
        .values({
          id: newId('wts'),
          org_id: orgId,
          model_id: modelId,
          version: 'w1',
          repository: `${name.split('/')[0]}/weights/${name.split('/')[1]}`,
          manifest_digest: MANIFEST,
          files: JSON.stringify([FILE]),
          total_bytes: FILE.size,
          created_at: at,
          created_by: 'test',
          deleted_at: null,
        })
        .execute();
    }

    beforeAll(async () => {
      dir = tempDir('lk-partner-rt-');
      const env = { LATCHKEY_AUTH_FAILURES_PER_IP: '0', LATCHKEY_REGISTRY: '127.0.0.1:5999' };
      if (backend.name === 'postgres') {
        requireService('PostgreSQL', PG_URL, pgUp);
        database = await createTestDatabase();
      }
      server = await startServer(
        database ? postgresConfig(database.url, dir.dir, env) : embeddedConfig(dir.dir, env),
        { clock, runtime: false, bootstrap: false },
      );
      admin = createAdminApi(server.platform);
      modelco = await partnerOrg('modelco');
      otherco = await partnerOrg('otherco');
      const app = await admin.createKey({ org: modelco.id, kind: 'app', actor: 'test' });
      if (!app.ok) throw new Error(app.message);
      appKey = app.value.secret;
      await registerModel(modelco.id, 'modelco/styler', 'realtime');
      await registerModel(otherco.id, 'otherco/painter', 'realtime');
    });

    afterAll(async () => {
      await server?.close();
      await database?.drop();
      dir?.remove();
    });

    async function createCredential(org: { key: string }, name = 'gpu-1') {
      const res = await call('POST', `/v1/orgs/modelco/runtime-credentials`, org.key, { name });
      return res;
    }

    const registration = (models: unknown[]) => ({
      instanceId: `instance-${Math.random()}`,
      url: 'http://127.0.0.1:9',
      models,
      capacity: { sessions: 4, jobs: 1 },
      secret: 'x'.repeat(43),
    });
    const styler = (extra: Record<string, unknown> = {}) => ({
      name: 'modelco/styler',
      kind: 'realtime',
      description: 'd',
      ...extra,
    });

    describe('runtime credentials of a partner org', () => {
      it('are created with the partner key, listed without the secret, and audited in the org', async () => {
        const res = await createCredential(modelco);
        expect(res.status).toBe(201);
        const made = (await res.json()) as { id: string; name: string; secret: string };
        expect(made.secret).toMatch(/^rt_[A-Za-z0-9_-]{43}$/);
        expect(made.name).toBe('gpu-1');
        const list = await call('GET', '/v1/orgs/modelco/runtime-credentials', modelco.key);
        expect(list.status).toBe(200);
        const text = await list.text();
        expect(text).not.toContain(made.secret);
        const { data } = JSON.parse(text) as { data: { id: string; display: string }[] };
        const row = data.find((d) => d.id === made.id);
        expect(row?.display).toBe(`rt_…${made.secret.slice(-4)}`);
        const audit = await listAudit(server.platform.db, {
          orgId: modelco.id,
          action: 'runtime.created',
        });
        expect(audit.map((a) => a.target)).toContain(made.id);
        const dbRow = await server.platform.db
          .selectFrom('runtimes')
          .select('org_id')
          .where('id', '=', made.id)
          .executeTakeFirstOrThrow();
        expect(dbRow.org_id).toBe(modelco.id);
      });

      it("are another org's business: its partner key gets 404, an app key WRONG_KEY_KIND, none 401", async () => {
        const other = await createCredential(otherco);
        expect(other.status).toBe(404);
        expect((await readError(other)).error.code).toBe('NOT_FOUND');
        const app = await call('GET', '/v1/orgs/modelco/runtime-credentials', appKey);
        expect((await readError(app)).error.code).toBe('WRONG_KEY_KIND');
        const none = await call('GET', '/v1/orgs/modelco/runtime-credentials');
        expect(none.status).toBe(401);
        const blank = await createCredential(modelco, '   ');
        expect(blank.status).toBe(400);
        expect((await readError(blank)).error.code).toBe('INVALID_REQUEST');
      });

      it("are revoked: the runtime's sessions end, a second revoke and another org's revoke are 404", async () => {
        const made = (await (await createCredential(modelco, 'to-revoke')).json()) as {
          id: string;
          secret: string;
        };
        const reg = await call(
          'POST',
          '/v1/runtimes/register',
          made.secret,
          registration([styler({ version: '1', state: 'ready' })]),
        );
        expect(reg.status).toBe(200);
        const sessionId = newId('ses');
        const at = new Date(clock.now());
        await server.platform.db
          .insertInto('sessions')
          .values({
            id: sessionId,
            org_id: modelco.id,
            key_id: 'key_x',
            token_id: newId('tok'),
            owner_ref: null,
            model: 'modelco/styler',
            state: 'active',
            close_reason: null,
            runtime_id: made.id,
            origin: null,
            created_at: at,
            active_at: at,
            closed_at: null,
            expires_at: new Date(at.getTime() + 3600_000),
          })
          .execute();
        const foreign = await call(
          'DELETE',
          `/v1/orgs/otherco/runtime-credentials/${made.id}`,
          otherco.key,
        );
        expect(foreign.status).toBe(404);
        const res = await call(
          'DELETE',
          `/v1/orgs/modelco/runtime-credentials/${made.id}`,
          modelco.key,
        );
        expect(res.status).toBe(200);
        expect(await res.json()).toEqual({ id: made.id, sessionsEnded: 1 });
        const session = await server.platform.db
          .selectFrom('sessions')
          .select(['state', 'close_reason'])
          .where('id', '=', sessionId)
          .executeTakeFirstOrThrow();
        expect(session).toEqual({ state: 'closed', close_reason: 'runtime_lost' });
        const again = await call(
          'DELETE',
          `/v1/orgs/modelco/runtime-credentials/${made.id}`,
          modelco.key,
        );
        expect((await readError(again)).error.code).toBe('NOT_FOUND');
        const beat = await call('POST', '/v1/runtimes/heartbeat', made.secret, {
          instanceId: 'x',
          sessions: [],
        });
        expect((await readError(beat)).error.code).toBe('RUNTIME_CREDENTIAL_REVOKED');
        const audit = await listAudit(server.platform.db, {
          orgId: modelco.id,
          action: 'runtime.revoked',
        });
        expect(audit[0]?.target).toBe(made.id);
      });
    });

    describe('what a partner runtime may announce', () => {
      let secret: string;
      let runtimeId: string;
      beforeAll(async () => {
        const made = (await (await createCredential(modelco, 'announcer')).json()) as {
          id: string;
          secret: string;
        };
        secret = made.secret;
        runtimeId = made.id;
      });

      it.each([
        [
          'another org’s model',
          { name: 'otherco/painter', kind: 'realtime', description: 'd' },
          'otherco/painter',
        ],
        ['a built-in', { name: 'echo', kind: 'realtime', description: 'd' }, 'echo'],
        [
          'an unregistered name',
          { name: 'modelco/nope', kind: 'realtime', description: 'd' },
          'modelco/nope',
        ],
        [
          'its model as the wrong kind',
          { name: 'modelco/styler', kind: 'batch', description: 'd' },
          'modelco/styler',
        ],
      ])('refuses %s with RUNTIME_MODEL_NOT_ALLOWED naming it', async (_what, model, named) => {
        const res = await call('POST', '/v1/runtimes/register', secret, registration([model]));
        expect(res.status).toBe(403);
        const { error } = await readError(res);
        expect(error.code).toBe('RUNTIME_MODEL_NOT_ALLOWED');
        expect(error.message).toContain(`"${named}"`);
        expect(error.message).toContain('modelco');
      });

      it('refuses a version that is not published, or retired', async () => {
        const unknown = await call(
          'POST',
          '/v1/runtimes/register',
          secret,
          registration([styler({ version: '9' })]),
        );
        expect((await readError(unknown)).error.code).toBe('MODEL_VERSION_NOT_FOUND');
        const retired = await call(
          'POST',
          '/v1/runtimes/register',
          secret,
          registration([styler({ version: '2' })]),
        );
        expect(retired.status).toBe(410);
        expect((await readError(retired)).error.code).toBe('MODEL_RETIRED');
        const refusals = await listAudit(server.platform.db, {
          orgId: modelco.id,
          action: 'runtime.registered',
        });
        expect(refusals.some((a) => a.outcome === 'MODEL_RETIRED' && a.target === runtimeId)).toBe(
          true,
        );
      });

      it('accepts its own registered model, audits the join with its models, and records a failure', async () => {
        const ok = await call(
          'POST',
          '/v1/runtimes/register',
          secret,
          registration([styler({ version: '1', state: 'failed', stateMessage: 'no GPU' })]),
        );
        expect(ok.status).toBe(200);
        const joined = await listAudit(server.platform.db, {
          orgId: modelco.id,
          action: 'runtime.registered',
        });
        expect(joined[0]?.outcome).toBe('ok');
        expect(joined[0]?.data.models).toEqual(['modelco/styler']);
        expect(joined[0]?.data.announced).toEqual([
          { name: 'modelco/styler', version: '1', state: 'failed' },
        ]);
        const failed = await server.platform.db
          .selectFrom('model_versions')
          .innerJoin('models', 'models.id', 'model_versions.model_id')
          .select(['failed_message', 'failed_at'])
          .where('models.name', '=', 'modelco/styler')
          .where('version', '=', '1')
          .executeTakeFirstOrThrow();
        expect(failed.failed_message).toBe('no GPU');
        await call(
          'POST',
          '/v1/runtimes/register',
          secret,
          registration([styler({ version: '1', state: 'ready' })]),
        );
        const cleared = await server.platform.db
          .selectFrom('model_versions')
          .innerJoin('models', 'models.id', 'model_versions.model_id')
          .select(['failed_message'])
          .where('models.name', '=', 'modelco/styler')
          .where('version', '=', '1')
          .executeTakeFirstOrThrow();
        expect(cleared.failed_message).toBeNull();
      });

      it('leaves an operator runtime free to announce anything', async () => {
        const op = await admin.createRuntime({ name: 'operator', actor: 'test' });
        if (!op.ok) throw new Error(op.message);
        const res = await call(
          'POST',
          '/v1/runtimes/register',
          op.value.secret,
          registration([
            { name: 'echo', kind: 'realtime', description: 'd' },
            { name: 'otherco/painter', kind: 'realtime', description: 'd' },
          ]),
        );
        expect(res.status).toBe(200);
      });
    });

    describe('resolve', () => {
      let secret: string;
      beforeAll(async () => {
        secret = (
          (await (await createCredential(modelco, 'resolver')).json()) as { secret: string }
        ).secret;
      });
      const resolve = (body: unknown, auth = secret) =>
        call('POST', '/v1/runtimes/resolve', auth, body);

      it('answers the default version and its weights, by the short name or the full one', async () => {
        const want = {
          name: 'modelco/styler',
          kind: 'realtime',
          description: 'modelco/styler for tests',
          version: '1',
          weights: {
            registry: '127.0.0.1:5999',
            repository: 'modelco/weights/styler',
            manifestDigest: MANIFEST,
            files: [FILE],
          },
        };
        const short = await resolve({ model: 'styler' });
        expect(short.status).toBe(200);
        expect(await short.json()).toEqual(want);
        expect(await (await resolve({ model: 'modelco/styler', version: '1' })).json()).toEqual(
          want,
        );
      });

      it('refuses what the runtime may not serve, and versions that are not there', async () => {
        const cases: [unknown, number, string][] = [
          [{ model: 'otherco/painter' }, 403, 'RUNTIME_MODEL_NOT_ALLOWED'],
          [{ model: 'modelco/nope' }, 403, 'RUNTIME_MODEL_NOT_ALLOWED'],
          [{ model: 'styler', version: '9' }, 404, 'MODEL_VERSION_NOT_FOUND'],
          [{ model: 'styler', version: '2' }, 410, 'MODEL_RETIRED'],
          [{ model: 'styler', version: '3' }, 404, 'WEIGHTS_NOT_FOUND'],
          [{ model: 'Not A Name' }, 400, 'INVALID_REQUEST'],
          [{ model: 'styler', extra: 1 }, 400, 'INVALID_REQUEST'],
        ];
        for (const [body, status, code] of cases) {
          const res = await resolve(body);
          const { error } = await readError(res);
          expect([res.status, error.code], JSON.stringify(body)).toEqual([status, code]);
        }
        const noKey = await resolve({ model: 'styler' }, modelco.key);
        expect((await readError(noKey)).error.code).toBe('RUNTIME_CREDENTIAL_INVALID');
      });
    });

    describe('a runtime that goes silent', () => {
      it('leaves once: runtime.lost with its models, and it is asked to register again', async () => {
        const { secret, id } = (await (await createCredential(modelco, 'silent')).json()) as {
          id: string;
          secret: string;
        };
        const body = registration([styler({ version: '1', state: 'ready' })]);
        expect((await call('POST', '/v1/runtimes/register', secret, body)).status).toBe(200);
        const lostRows = async () =>
          (
            await listAudit(server.platform.db, { orgId: modelco.id, action: 'runtime.lost' })
          ).filter((a) => a.target === id);
        await server.platform.realtime.sweeper.tick();
        expect(await lostRows()).toEqual([]);
        clock.advance(10_001);
        await server.platform.realtime.sweeper.tick();
        await server.platform.realtime.sweeper.tick();
        const rows = await lostRows();
        expect(rows).toHaveLength(1);
        expect(rows[0]?.data.models).toEqual(['modelco/styler']);
        const beat = await call('POST', '/v1/runtimes/heartbeat', secret, {
          instanceId: body.instanceId,
          sessions: [],
        });
        expect([beat.status, (await readError(beat)).error.code]).toEqual([409, 'CONFLICT']);
        expect((await call('POST', '/v1/runtimes/register', secret, body)).status).toBe(200);
      });
    });

    describe('placement', () => {
      it('goes only to a runtime that announces the model ready (no state: ready)', async () => {
        const { secret, id } = (await (await createCredential(modelco, 'placer')).json()) as {
          id: string;
          secret: string;
        };
        const directory = server.platform.realtime.directory;
        const announce = (state?: string) =>
          call(
            'POST',
            '/v1/runtimes/register',
            secret,
            registration([styler(state ? { version: '1', state } : { version: '1' })]),
          );
        // Other runtimes of this suite may serve the model too: look for this one only.
        const placedHere = async () => {
          const live = await directory.live();
          const mine = live.filter((r) => r.id !== id).map((r) => r.id);
          await server.platform.db
            .updateTable('runtimes')
            .set({ last_seen_at: null })
            .where('id', 'in', mine.length ? mine : ['none'])
            .execute();
          return (await directory.pick('modelco/styler', 'session'))?.id === id;
        };
        expect((await announce('deploying')).status).toBe(200);
        expect(await placedHere()).toBe(false);
        expect((await announce('failed')).status).toBe(200);
        expect(await placedHere()).toBe(false);
        expect((await announce('ready')).status).toBe(200);
        expect(await placedHere()).toBe(true);
        expect((await announce()).status).toBe(200);
        expect(await placedHere()).toBe(true);
      });
    });
  });
});
