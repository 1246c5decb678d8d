// Partner models through a real listening server, on PGlite and on PostgreSQL: register,
// publish, retire and the default rules; who may name a model (at mint, in sessions,
// in GET /v1/models); version states from registered runtimes; the model's log; and
// image pinning against a real CNCF distribution registry (`docker-registry`, skopeo).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOciImage, type OciImage } from '../../cli/test/oci-image.js';
import {
  freePort,
  hasBinary,
  type Registry,
  skopeo,
  startRegistry,
} from '../../cli/test/registry-harness.js';
import { createAdminApi, manualClock, type RunningServer, renderAuthYaml } from '../src/index.js';
import { findOrg } from '../src/services/orgs.js';
import {
  createTestDatabase,
  embeddedConfig,
  IN_CI,
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

const HAVE_REGISTRY = hasBinary('docker-registry') && hasBinary('skopeo');
const pgUp = await postgresAvailable();
const backends = [
  { name: 'pglite' as const, run: true },
  { name: 'postgres' as const, run: serviceGate('PostgreSQL', PG_URL, pgUp) },
];

interface Version {
  version: string;
  state: string;
  default: boolean;
  image: string | null;
  imageDigest: string | null;
  weights: { version: string; totalBytes: number | null } | null;
  runtimes: Array<{ id: string; state: string }>;
}
interface Model {
  name: string;
  visibility: string;
  allowedOrgs: string[];
  defaultVersion: string | null;
  versions: Version[];
}

describe.each(backends)('partner models on $name', (backend) => {
  describe.skipIf(!backend.run)('suite', () => {
    // Near the real time: the registry checks the server's access tokens by its own clock.
    const clock = manualClock(Date.now());
    let database: TestDatabase | undefined;
    let dir: TempDir;
    let server: RunningServer;
    let registry: Registry | undefined;
    let image: OciImage;
    let partnerKey: string;
    let otherPartnerKey: string;
    const appKeys: Record<'listed' | 'stranger' | 'owner', string> = {
      listed: '',
      stranger: '',
      owner: '',
    };

    const call = async (
      method: string,
      path: string,
      opts: { key?: string | undefined; body?: unknown } = {},
    ) => {
      // Time moves on between requests (versions are ordered by when they were published).
      clock.advance(1);
      return fetch(`${server.url}${path}`, {
        method,
        headers: {
          ...(opts.key ? { authorization: `Bearer ${opts.key}` } : {}),
          ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
      });
    };
    const partner = (method: string, path: string, body?: unknown) =>
      call(method, `/v1/orgs/modelco${path}`, { key: partnerKey, body });
    const ok = async <T = Model>(res: Response, status = 200): Promise<T> => {
      const text = await res.text();
      expect(res.status, text).toBe(status);
      return JSON.parse(text) as T;
    };
    const refused = async (res: Response) => {
      const e = await readError(res);
      return [res.status, e.error.code, e.error.message] as const;
    };
    const mint = (key: string, models: string[]) =>
      call('POST', '/v1/tokens', { key, body: { models } });

    beforeAll(async () => {
      if (!HAVE_REGISTRY && IN_CI)
        throw new Error('docker-registry and skopeo are required (CI=true: failing, not skipping)');
      dir = tempDir('lk-models-');
      const port = await freePort();
      const env = { LATCHKEY_REGISTRY: `127.0.0.1:${port}` };
      if (backend.name === 'postgres') {
        requireService('PostgreSQL', PG_URL, pgUp);
        database = await createTestDatabase();
      }
      server = await startServer(
        database ? postgresConfig(database.url, dir.dir, env) : embeddedConfig(dir.dir, env),
        { clock, bootstrap: false, runtime: false },
      );
      const admin = createAdminApi({ ...server.platform, issuer: server.url });
      for (const [name, slug, isPartner] of [
        ['Model Co', 'modelco', true],
        ['Other Partner', 'otherco', true],
        ['Listed App', 'listed', false],
        ['Stranger App', 'stranger', false],
      ] as const) {
        const org = await admin.createOrg({ name, slug, partner: isPartner, actor: 'test' });
        if (!org.ok) throw new Error(org.message);
      }
      const key = async (org: string, kind: 'app' | 'partner') => {
        const k = await admin.createKey({ org, kind, actor: 'test' });
        if (!k.ok) throw new Error(k.message);
        return k.value.secret;
      };
      partnerKey = await key('modelco', 'partner');
      otherPartnerKey = await key('otherco', 'partner');
      appKeys.owner = await key('modelco', 'app');
      appKeys.listed = await key('listed', 'app');
      appKeys.stranger = await key('stranger', 'app');
      if (HAVE_REGISTRY) {
        const config = await admin.registryConfig({});
        if (!config.ok) throw new Error(config.message);
        const bundle = join(dir.dir, 'registry-ca.pem');
        writeFileSync(bundle, config.value.bundlePem);
        registry = await startRegistry(
          join(dir.dir, 'registry'),
          port,
          renderAuthYaml(config.value, bundle),
        );
        image = buildOciImage(join(dir.dir, 'image'), 'v1', `styler ${backend.name}\n`);
      }
    }, 60_000);

    afterAll(async () => {
      await registry?.stop();
      await server?.close();
      await database?.drop();
      dir?.remove();
    });

    describe('register', () => {
      it('names the model <org-slug>/<name>, private by default, and audits it', async () => {
        const m = await ok(
          await partner('POST', '/models', {
            name: 'styler',
            kind: 'realtime',
            description: 'Restyles video',
          }),
          201,
        );
        expect(m).toMatchObject({
          name: 'modelco/styler',
          visibility: 'private',
          allowedOrgs: [],
          defaultVersion: null,
          versions: [],
        });
        const full = await ok(
          await partner('POST', '/models', { name: 'modelco/batcher', kind: 'batch' }),
          201,
        );
        expect(full.name).toBe('modelco/batcher');
        const audit = await server.platform.db
          .selectFrom('audit_events')
          .select(['action', 'target', 'actor'])
          .where('action', '=', 'model.registered')
          .execute();
        expect(audit.map((a) => a.target).sort()).toEqual(['modelco/batcher', 'modelco/styler']);
        expect(audit[0]?.actor).toMatch(/^key:/);
      });

      it('refuses a taken name, another org’s prefix, a bad name, an unknown allowed org', async () => {
        expect(
          await refused(await partner('POST', '/models', { name: 'styler', kind: 'batch' })),
        ).toEqual([409, 'MODEL_EXISTS', 'model "modelco/styler" is registered already']);
        expect(
          (
            await refused(await partner('POST', '/models', { name: 'otherco/x', kind: 'batch' }))
          ).slice(0, 2),
        ).toEqual([400, 'INVALID_REQUEST']);
        expect(
          (
            await refused(await partner('POST', '/models', { name: 'Bad Name', kind: 'batch' }))
          ).slice(0, 2),
        ).toEqual([400, 'INVALID_REQUEST']);
        expect(
          await refused(
            await partner('POST', '/models', {
              name: 'x',
              kind: 'batch',
              allowedOrgs: ['no-such-org'],
            }),
          ),
        ).toEqual([
          400,
          'INVALID_REQUEST',
          'allowedOrgs: no org "no-such-org" (give a slug or an org id)',
        ]);
      });

      it('answers bad input with a stable code and a message naming the field', async () => {
        const bad = async (res: Response) => {
          const [status, code, message] = await refused(res);
          return [status, code, message.split(':')[0]];
        };
        expect(await bad(await partner('POST', '/models', { name: 'x', kind: 'video' }))).toEqual([
          400,
          'INVALID_REQUEST',
          'kind',
        ]);
        const extra = await refused(
          await partner('POST', '/models', { name: 'x', kind: 'batch', extra: 1 }),
        );
        expect(extra.slice(0, 2)).toEqual([400, 'INVALID_REQUEST']);
        expect(extra[2]).toContain('"extra"');
        expect(
          await bad(
            await partner('POST', '/models', { name: 'x', kind: 'batch', description: 'a\u0000b' }),
          ),
        ).toEqual([400, 'INVALID_REQUEST', expect.any(String)]);
        expect(
          await bad(await partner('POST', '/models/styler/versions', { version: 'no spaces' })),
        ).toEqual([400, 'INVALID_REQUEST', 'version']);
        expect(
          await bad(
            await partner('POST', '/models/styler/versions', {
              version: '9',
              resources: { blob: 'x'.repeat(5000) },
            }),
          ),
        ).toEqual([400, 'INVALID_REQUEST', 'resources']);
        expect(
          (
            await refused(await partner('POST', '/models/styler/versions/bad%20version/retire'))
          ).slice(0, 2),
        ).toEqual([404, 'MODEL_VERSION_NOT_FOUND']);
        expect(
          (await refused(await partner('GET', '/models/styler/events?limit=0'))).slice(0, 2),
        ).toEqual([400, 'INVALID_REQUEST']);
        expect(
          (await refused(await partner('GET', `/models/${'x'.repeat(200)}`))).slice(0, 2),
        ).toEqual([404, 'MODEL_NOT_FOUND']);
      });

      it('takes only the org’s own partner key', async () => {
        const app = await call('POST', '/v1/orgs/modelco/models', {
          key: appKeys.owner,
          body: { name: 'y', kind: 'batch' },
        });
        expect((await refused(app)).slice(0, 2)).toEqual([403, 'WRONG_KEY_KIND']);
        const other = await call('GET', '/v1/orgs/modelco/models', { key: otherPartnerKey });
        expect((await refused(other)).slice(0, 2)).toEqual([404, 'NOT_FOUND']);
        const none = await call('GET', '/v1/orgs/modelco/models');
        expect(none.status).toBe(401);
      });
    });

    describe('publish, default and retire', () => {
      it('makes the first version the default, and a later one only when asked', async () => {
        let m = await ok(await partner('POST', '/models/styler/versions', { version: '1' }), 201);
        expect(m.defaultVersion).toBe('1');
        m = await ok(
          await partner('POST', '/models/styler/versions', {
            version: '2',
            resources: { gpu: 'a10' },
          }),
          201,
        );
        expect(m.defaultVersion).toBe('1');
        expect(m.versions.map((v) => [v.version, v.state, v.default])).toEqual([
          ['2', 'registered', false],
          ['1', 'registered', true],
        ]);
        m = await ok(
          await partner('POST', '/models/styler/versions', { version: '3', default: true }),
          201,
        );
        expect(m.defaultVersion).toBe('3');
        expect(
          await refused(await partner('POST', '/models/styler/versions', { version: '3' })),
        ).toEqual([
          409,
          'MODEL_VERSION_EXISTS',
          'version "3" of "modelco/styler" is published already',
        ]);
        expect(
          (await refused(await partner('POST', '/models/nope/versions', { version: '1' }))).slice(
            0,
            2,
          ),
        ).toEqual([404, 'MODEL_NOT_FOUND']);
      });

      it('takes weights only when that weights version is recorded and not deleted', async () => {
        expect(
          await refused(
            await partner('POST', '/models/batcher/versions', { version: '1', weights: '1' }),
          ),
        ).toEqual([
          404,
          'WEIGHTS_NOT_FOUND',
          'weights: "modelco/batcher" has no weights version "1"',
        ]);
        const db = server.platform.db;
        const org = await findOrg(db, 'modelco');
        const model = await db
          .selectFrom('models')
          .select('id')
          .where('name', '=', 'modelco/batcher')
          .executeTakeFirstOrThrow();
        if (!org.ok) throw new Error(org.message);
        for (const [version, deleted] of [
          ['1', null],
          ['0', new Date(clock.now())],
        ] as const)
          await db
            .insertInto('weights')
            .values({
              id: `wts_${version}${'x'.repeat(21)}`,
              org_id: org.value.id,
              model_id: model.id,
              version,
              repository: 'modelco/weights/batcher',
              manifest_digest: `sha256:${'a'.repeat(64)}`,
              files: JSON.stringify([
                { path: 'w.bin', digest: `sha256:${'b'.repeat(64)}`, size: 7 },
              ]),
              total_bytes: 7,
              created_at: new Date(clock.now()),
              created_by: 'test',
              deleted_at: deleted,
            })
            .execute();
        expect(
          (
            await refused(
              await partner('POST', '/models/batcher/versions', { version: '1', weights: '0' }),
            )
          ).slice(0, 2),
        ).toEqual([404, 'WEIGHTS_NOT_FOUND']);
        const m = await ok(
          await partner('POST', '/models/batcher/versions', { version: '1', weights: '1' }),
          201,
        );
        expect(m.versions[0]?.weights).toMatchObject({ version: '1', totalBytes: 7 });
      });

      it('moves the default to the newest unretired version when the default retires, then to none', async () => {
        await ok(await partner('POST', '/models/batcher/versions', { version: '2' }), 201);
        await ok(await partner('POST', '/models/batcher/versions', { version: '3' }), 201);
        await ok(await partner('PATCH', '/models/batcher', { defaultVersion: '3' }));
        let m = await ok(await partner('POST', '/models/batcher/versions/3/retire'));
        expect(m.defaultVersion).toBe('2');
        expect(m.versions.find((v) => v.version === '3')?.state).toBe('retired');
        m = await ok(await partner('POST', '/models/batcher/versions/1/retire'));
        expect(m.defaultVersion).toBe('2');
        m = await ok(await partner('POST', '/models/batcher/versions/2/retire'));
        expect(m.defaultVersion).toBeNull();
        // Again: nothing changes.
        m = await ok(await partner('POST', '/models/batcher/versions/2/retire'));
        expect(m.defaultVersion).toBeNull();
        expect(await refused(await partner('POST', '/models/batcher/versions/9/retire'))).toEqual([
          404,
          'MODEL_VERSION_NOT_FOUND',
          'model "modelco/batcher" has no version "9"',
        ]);
        expect(
          await refused(await partner('PATCH', '/models/batcher', { defaultVersion: '2' })),
        ).toEqual([
          410,
          'MODEL_RETIRED',
          'defaultVersion: version "2" of "modelco/batcher" is retired',
        ]);
        const actions = await server.platform.db
          .selectFrom('audit_events')
          .select('action')
          .where('target', '=', 'modelco/batcher')
          .where('action', '=', 'model.version_retired')
          .execute();
        expect(actions).toHaveLength(3);
      });
    });

    describe('who may name a model', () => {
      it('refuses a private model at mint to an org it does not list, with MODEL_NOT_ALLOWED', async () => {
        expect(await refused(await mint(appKeys.listed, ['modelco/styler']))).toEqual([
          403,
          'MODEL_NOT_ALLOWED',
          'model "modelco/styler" is private, and its owner has not listed this org on it',
        ]);
        // The owner's own app keys may.
        await ok(await mint(appKeys.owner, ['modelco/styler']), 201);
      });

      it('lets a listed org mint for it (any version, or one), and still refuses the others', async () => {
        await ok(await partner('PATCH', '/models/styler', { allowedOrgs: ['listed'] }));
        await ok(await mint(appKeys.listed, ['modelco/styler', 'echo']), 201);
        await ok(await mint(appKeys.listed, ['modelco/styler@2']), 201);
        expect(
          (await refused(await mint(appKeys.stranger, ['modelco/styler']))).slice(0, 2),
        ).toEqual([403, 'MODEL_NOT_ALLOWED']);
        expect(await refused(await mint(appKeys.listed, ['modelco/styler@9']))).toEqual([
          404,
          'MODEL_VERSION_NOT_FOUND',
          'model "modelco/styler" has no version "9"',
        ]);
        expect(await refused(await mint(appKeys.listed, ['modelco/nothing']))).toEqual([
          404,
          'MODEL_NOT_FOUND',
          'no model "modelco/nothing" is registered',
        ]);
        // "*" is checked where it is used.
        await ok(await mint(appKeys.stranger, ['*']), 201);
      });

      it('lets any org mint for a public model, and refuses a retired version to everyone', async () => {
        await ok(await partner('PATCH', '/models/styler', { visibility: 'public' }));
        await ok(await mint(appKeys.stranger, ['modelco/styler']), 201);
        await ok(await partner('POST', '/models/styler/versions/1/retire'));
        expect(await refused(await mint(appKeys.stranger, ['modelco/styler@1']))).toEqual([
          410,
          'MODEL_RETIRED',
          'version "1" of "modelco/styler" is retired',
        ]);
        // A retired version's model as a whole (its default) is still fine.
        await ok(await mint(appKeys.stranger, ['modelco/styler']), 201);
        await ok(await partner('PATCH', '/models/styler', { visibility: 'private' }));
      });

      it('checks batch jobs for a partner model the same way (its name percent-encoded in the path)', async () => {
        const job = (key: string, model: string) =>
          call('POST', `/v1/jobs/${encodeURIComponent(model)}`, { key, body: { prompt: 'x' } });
        expect(await refused(await job(appKeys.stranger, 'modelco/batcher'))).toEqual([
          403,
          'MODEL_NOT_ALLOWED',
          'model "modelco/batcher" is private, and its owner has not listed this org on it',
        ]);
        // Every version of batcher is retired: no default is left.
        expect(await refused(await job(appKeys.owner, 'modelco/batcher'))).toEqual([
          404,
          'MODEL_VERSION_NOT_FOUND',
          'model "modelco/batcher" has no published version yet',
        ]);
        expect((await refused(await job(appKeys.owner, 'modelco/batcher@1'))).slice(0, 2)).toEqual([
          410,
          'MODEL_RETIRED',
        ]);
        // Allowed and published, but no runtime serves it.
        expect((await refused(await job(appKeys.listed, 'modelco/styler@2'))).slice(0, 2)).toEqual([
          404,
          'MODEL_NOT_FOUND',
        ]);
      });

      it('shows each caller what it may use in GET /v1/models', async () => {
        const names = async (key: string) =>
          (
            await ok<{ models: Array<{ name: string; owner?: string; versions?: string[] }> }>(
              await call('GET', '/v1/models', { key }),
            )
          ).models;
        const listed = await names(appKeys.listed);
        expect(listed.map((m) => m.name)).toEqual(['modelco/styler']);
        expect(listed[0]).toMatchObject({
          owner: 'modelco',
          kind: 'realtime',
          description: 'Restyles video',
          defaultVersion: '3',
          versions: ['3', '2'],
          liveVersions: [],
          served: false,
        });
        expect((await names(appKeys.stranger)).map((m) => m.name)).toEqual([]);
        expect((await names(appKeys.owner)).map((m) => m.name)).toEqual([
          'modelco/batcher',
          'modelco/styler',
        ]);
        const token = (
          await ok<{ token: string }>(await mint(appKeys.listed, ['modelco/styler']), 201)
        ).token;
        expect((await names(token)).map((m) => m.name)).toEqual(['modelco/styler']);
      });
    });

    describe('states, placement and the log', () => {
      let runtimeSecret: string;
      let runtimeId: string;
      const register = (models: unknown[]) =>
        call('POST', '/v1/runtimes/register', {
          key: runtimeSecret,
          body: {
            instanceId: 'models-test',
            url: 'http://127.0.0.1:9',
            models,
            capacity: { sessions: 4, jobs: 4 },
            secret: 'x'.repeat(43),
          },
        });
      const styler = (version: string, state?: string) => ({
        name: 'modelco/styler',
        kind: 'realtime',
        description: 'Restyles video',
        version,
        ...(state ? { state } : {}),
      });

      beforeAll(async () => {
        const made = await createAdminApi(server.platform).createRuntime({
          name: 'gpu-1',
          actor: 'test',
        });
        if (!made.ok) throw new Error(made.message);
        runtimeSecret = made.value.secret;
        runtimeId = made.value.id;
      });

      it('derives each version’s state from what online runtimes announce', async () => {
        const states = async () =>
          Object.fromEntries(
            (await ok(await partner('GET', '/models/styler'))).versions.map((v) => [
              v.version,
              v.state,
            ]),
          );
        expect(await states()).toEqual({ '1': 'retired', '2': 'registered', '3': 'registered' });
        await ok(await register([styler('2', 'deploying'), styler('3')]));
        expect(await states()).toEqual({ '1': 'retired', '2': 'deploying', '3': 'live' });
        await ok(await register([styler('2', 'failed'), styler('3', 'ready')]));
        expect(await states()).toEqual({ '1': 'retired', '2': 'failed', '3': 'live' });
        const m = await ok(await partner('GET', '/models/styler'));
        expect(m.versions.find((v) => v.version === '3')?.runtimes).toEqual([
          { id: runtimeId, state: 'ready' },
        ]);
        // Another partner's runtime announcing this model is not this model's.
        const other = await findOrg(server.platform.db, 'otherco');
        if (!other.ok) throw new Error(other.message);
        await server.platform.db
          .updateTable('runtimes')
          .set({ org_id: other.value.id })
          .where('id', '=', runtimeId)
          .execute();
        expect(await states()).toEqual({ '1': 'retired', '2': 'registered', '3': 'registered' });
        await server.platform.db
          .updateTable('runtimes')
          .set({ org_id: null })
          .where('id', '=', runtimeId)
          .execute();
        // Silent past LIVE_MS: offline, so nothing is live.
        clock.advance(11_000);
        expect(await states()).toEqual({ '1': 'retired', '2': 'registered', '3': 'registered' });
        await ok(await register([styler('2'), styler('3', 'deploying')]));
        expect(await states()).toEqual({ '1': 'retired', '2': 'live', '3': 'deploying' });
      });

      it('checks name@version against the grant: a grant naming x@2 admits version 2 and refuses 3', async () => {
        await ok(await register([styler('2'), styler('3')]));
        const token = (
          await ok<{ token: string }>(await mint(appKeys.listed, ['modelco/styler@2']), 201)
        ).token;
        const session = (model: string) =>
          call('POST', '/v1/sessions', { key: token, body: { model } });
        expect(await refused(await session('modelco/styler@3'))).toEqual([
          403,
          'MODEL_NOT_ALLOWED',
          'this session token does not allow model "modelco/styler@3" (it allows "modelco/styler@2")',
        ]);
        // The bare name means the default, 3: refused too.
        expect((await refused(await session('modelco/styler'))).slice(0, 2)).toEqual([
          403,
          'MODEL_NOT_ALLOWED',
        ]);
        // Version 2 passes every check and is placed on the runtime announcing it; that
        // runtime's address answers nothing here, so the placement ends UNAVAILABLE.
        expect((await refused(await session('modelco/styler@2'))).slice(0, 2)).toEqual([
          503,
          'UNAVAILABLE',
        ]);
        expect(
          (
            await refused(
              await call('POST', '/v1/sessions', {
                key: appKeys.stranger,
                body: { model: 'modelco/styler@2' },
              }),
            )
          ).slice(0, 2),
        ).toEqual([403, 'MODEL_NOT_ALLOWED']);
        expect(
          (
            await refused(
              await call('POST', '/v1/sessions', {
                key: appKeys.listed,
                body: { model: 'modelco/styler@1' },
              }),
            )
          ).slice(0, 2),
        ).toEqual([410, 'MODEL_RETIRED']);
      });

      it("never names a partner model in another caller's MODEL_NOT_FOUND", async () => {
        await ok(await partner('PATCH', '/models/styler', { visibility: 'private' }));
        const [status, code, message] = await refused(
          await call('POST', '/v1/sessions', { key: appKeys.stranger, body: { model: 'nope' } }),
        );
        expect([status, code]).toEqual([404, 'MODEL_NOT_FOUND']);
        expect(message).toBe('no realtime model "nope" is being served');
      });

      it('places on a runtime announcing the asked version ready, and no other', async () => {
        const directory = server.platform.realtime.directory;
        const echo = { name: 'echo', kind: 'realtime', description: 'built-in' };
        await ok(await register([styler('2', 'deploying'), styler('3'), echo]));
        expect((await directory.pick('modelco/styler', 'session', '3'))?.id).toBe(runtimeId);
        // A built-in has no versions: asked for one, it is served nowhere.
        expect((await directory.pick('echo', 'session'))?.id).toBe(runtimeId);
        expect(await directory.pick('echo', 'session', '1')).toBeUndefined();
        expect(
          (
            await refused(
              await call('POST', '/v1/sessions', {
                key: appKeys.stranger,
                body: { model: 'echo@1' },
              }),
            )
          ).slice(0, 2),
        ).toEqual([404, 'MODEL_NOT_FOUND']);
        expect(await directory.pick('modelco/styler', 'session', '2')).toBeUndefined();
        expect(await directory.pick('modelco/styler', 'session', '4')).toBeUndefined();
        expect(await directory.pick('modelco/styler', 'job', '3')).toBeUndefined();
      });

      it('shows GET /v1/models which versions are served', async () => {
        const { models } = await ok<{
          models: Array<{ name: string; liveVersions: string[]; served: boolean }>;
        }>(await call('GET', '/v1/models', { key: appKeys.listed }));
        expect(models.find((m) => m.name === 'modelco/styler')).toMatchObject({
          liveVersions: ['3'],
          served: true,
        });
      });

      it('keeps the model’s log: publish, retire, runtime joins and leaves, app sessions without their details', async () => {
        const left = await call('POST', '/v1/runtimes/deregister', {
          key: runtimeSecret,
          body: { instanceId: 'models-test' },
        });
        expect(left.status).toBe(204);
        const page = await ok<{
          data: Array<{
            seq: number;
            action: string;
            own: boolean;
            actor: string | null;
            data: Record<string, unknown>;
          }>;
          next: number;
          more: boolean;
        }>(await partner('GET', '/models/styler/events?limit=1000'));
        const actions = page.data.map((e) => e.action);
        expect(actions.slice(0, 4)).toEqual([
          'model.registered',
          'model.version_published',
          'model.version_published',
          'model.version_published',
        ]);
        expect(actions).toContain('model.version_retired');
        expect(actions).toContain('runtime.registered');
        expect(actions.at(-1)).toBe('runtime.deregistered');
        const refusal = page.data.find((e) => e.action === 'session.refused');
        expect(refusal).toMatchObject({ own: false, actor: null });
        expect(refusal?.data).not.toHaveProperty('origin');
        expect(refusal?.data.model).toMatch(/^modelco\/styler@/);
        expect(page.data.some((e) => JSON.stringify(e).includes('modelco/batcher'))).toBe(false);
        // Keyset pages: after=<seq> gives the rest, never a row twice.
        const first = await ok<{ data: Array<{ seq: number }>; next: number; more: boolean }>(
          await partner('GET', '/models/styler/events?limit=2'),
        );
        expect(first.more).toBe(true);
        const rest = await ok<{ data: Array<{ seq: number }>; next: number }>(
          await partner('GET', `/models/styler/events?after=${first.next}&limit=1000`),
        );
        expect([...first.data, ...rest.data].map((e) => e.seq)).toEqual(
          page.data.map((e) => e.seq),
        );
        const end = await ok<{ data: unknown[]; next: number; more: boolean }>(
          await partner('GET', `/models/styler/events?after=${page.next}`),
        );
        expect(end).toEqual({ data: [], next: page.next, more: false });
        expect(
          (await refused(await partner('GET', '/models/styler/events?after=-1'))).slice(0, 2),
        ).toEqual([400, 'INVALID_REQUEST']);
      });
    });

    describe.skipIf(!HAVE_REGISTRY && !IN_CI)('image pinning against a real registry', () => {
      it('pins a pushed tag to its manifest digest', async () => {
        const pushed = await skopeo([
          'copy',
          `oci:${image.dir}:${image.tag}`,
          `docker://${registry?.host}/modelco/styler:v4`,
          '--dest-creds',
          `modelco:${partnerKey}`,
          '--dest-tls-verify=false',
        ]);
        expect(pushed.code, pushed.stderr).toBe(0);
        const m = await ok(
          await partner('POST', '/models/styler/versions', {
            version: '4',
            image: `${registry?.host}/modelco/styler:v4`,
          }),
          201,
        );
        expect(m.versions[0]).toMatchObject({
          version: '4',
          image: `${registry?.host}/modelco/styler:v4`,
          imageDigest: image.manifestDigest,
        });
        // By digest too.
        const byDigest = await ok(
          await partner('POST', '/models/styler/versions', {
            version: '5',
            image: `${registry?.host}/modelco/styler@${image.manifestDigest}`,
          }),
          201,
        );
        expect(byDigest.versions[0]?.imageDigest).toBe(image.manifestDigest);
      });

      it('refuses a missing tag, another namespace, another registry; says when the registry is down or absent', async () => {
        const host = registry?.host as string;
        const publish = (version: string, img: string) =>
          partner('POST', '/models/styler/versions', { version, image: img });
        expect(await refused(await publish('6', `${host}/modelco/styler:nope`))).toEqual([
          400,
          'IMAGE_NOT_FOUND',
          `${host}/modelco/styler:nope is not in the registry`,
        ]);
        expect(
          (await refused(await publish('6', `${host}/otherco/styler:v4`))).slice(0, 2),
        ).toEqual([400, 'IMAGE_NOT_FOUND']);
        expect(
          (await refused(await publish('6', 'docker.io/modelco/styler:v4'))).slice(0, 2),
        ).toEqual([400, 'IMAGE_NOT_FOUND']);
        expect((await refused(await publish('6', `${host}/modelco/Styler`))).slice(0, 2)).toEqual([
          400,
          'INVALID_REQUEST',
        ]);
        const config = server.platform.config;
        const real = config.registry;
        try {
          config.registry = `127.0.0.1:${await freePort()}`;
          expect(
            (await refused(await publish('6', `${config.registry}/modelco/styler:v4`))).slice(0, 2),
          ).toEqual([502, 'REGISTRY_UNAVAILABLE']);
          config.registry = undefined;
          expect(
            (await refused(await publish('6', `${host}/modelco/styler:v4`))).slice(0, 2),
          ).toEqual([404, 'REGISTRY_NOT_CONFIGURED']);
        } finally {
          config.registry = real;
        }
        // Nothing was published by the refusals.
        const m = await ok(await partner('GET', '/models/styler'));
        expect(m.versions.map((v) => v.version)).not.toContain('6');
      });
    });
  });
});
