// Weights on the server against a real CNCF distribution registry (docker-registry 2.8)
// whose token auth points at this server: record a pushed version (the server reads the
// manifest itself), list, get, delete (the registry's manifest too), the conflict with a
// published version, and the registry scopes: another org gets nothing, an org's runtime
// credential pulls but cannot push. On PGlite and on PostgreSQL.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createRegistryClient,
  OCI_MANIFEST,
  OciError,
  pullWeights,
  pushWeights,
} from '@latchkey/core/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  hasBinary,
  type Registry,
  startRegistry,
} from '../../cli/test/registry-harness.js';
import { type AdminApi, createAdminApi, type RunningServer, renderAuthYaml } from '../src/index.js';
import { publishVersion, retireVersion } from '../src/models/model-versions.js';
import { registerModel } from '../src/models/models.js';
import { createRuntimeCredential } from '../src/realtime/runtime-credentials.js';
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

const HAVE = hasBinary('docker-registry');
if (!HAVE && !IN_CI)
  console.warn('[latchkey tests] docker-registry is missing: skipping the weights suite locally');

const pgUp = await postgresAvailable();
const backends = [
  { name: 'pglite' as const, run: true },
  { name: 'postgres' as const, run: serviceGate('PostgreSQL', PG_URL, pgUp) },
];
const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

describe.each(backends)('weights on $name', (backend) => {
  describe.skipIf(!backend.run || (!HAVE && !IN_CI))('suite', () => {
    let database: TestDatabase | undefined;
    let dir: TempDir;
    let server: RunningServer;
    let admin: AdminApi;
    let registry: Registry;
    let acmeKey: string;
    let globexKey: string;
    let runtimeSecret: string;
    let operatorRuntimeSecret: string;
    let weightsDir: string;
    const files: Record<string, Buffer> = {
      'model.bin': randomBytes(600_000),
      'tokenizer/vocab.json': Buffer.from('{"a":1}'),
    };

    const api = (method: string, path: string, key: string, body?: unknown) =>
      fetch(`${server.url}/v1/orgs/acme/models/styler${path}`, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body ? { 'content-type': 'application/json' } : {}),
        },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
    const push = (reference: string, password = acmeKey) =>
      pushWeights({
        registry: registry.host,
        repository: 'acme/weights/styler',
        reference,
        auth: { username: 'acme', password },
        dir: weightsDir,
      });
    const acme = async () => {
      const org = await findOrg(server.platform.db, 'acme');
      if (!org.ok) throw new Error(org.message);
      return org.value;
    };

    beforeAll(async () => {
      if (!HAVE) throw new Error('docker-registry is required (CI=true: failing, not skipping)');
      dir = tempDir('lk-weights-');
      const port = await freePort();
      const env = { LATCHKEY_REGISTRY: `127.0.0.1:${port}` };
      if (backend.name === 'postgres') {
        requireService('PostgreSQL', PG_URL, pgUp);
        database = await createTestDatabase();
      }
      server = await startServer(
        database ? postgresConfig(database.url, dir.dir, env) : embeddedConfig(dir.dir, env),
        { bootstrap: false, runtime: false },
      );
      admin = createAdminApi(server.platform);
      for (const name of ['Acme', 'Globex']) {
        const org = await admin.createOrg({ name, partner: true, actor: 'test' });
        if (!org.ok) throw new Error(org.message);
      }
      const key = async (org: string) => {
        const k = await admin.createKey({ org, kind: 'partner', actor: 'test' });
        if (!k.ok) throw new Error(k.message);
        return k.value.secret;
      };
      acmeKey = await key('acme');
      globexKey = await key('globex');
      const made = await registerModel(server.platform, await acme(), {
        name: 'styler',
        kind: 'realtime',
        actor: 'test',
      });
      if (!made.ok) throw new Error(made.message);
      const rt = await createRuntimeCredential(server.platform, {
        name: 'acme gpu',
        actor: 'test',
      });
      const op = await createRuntimeCredential(server.platform, {
        name: 'operator',
        actor: 'test',
      });
      if (!rt.ok || !op.ok) throw new Error('runtime credentials');
      await server.platform.db
        .updateTable('runtimes')
        .set({ org_id: (await acme()).id })
        .where('id', '=', rt.value.id)
        .execute();
      runtimeSecret = rt.value.secret;
      operatorRuntimeSecret = op.value.secret;

      const config = await admin.registryConfig({});
      if (!config.ok) throw new Error(config.message);
      const bundle = join(dir.dir, 'bundle.pem');
      writeFileSync(bundle, config.value.bundlePem);
      registry = await startRegistry(
        join(dir.dir, 'registry'),
        port,
        renderAuthYaml({ ...config.value, realm: `${server.url}/v1/registry/token` }, bundle),
      );
      weightsDir = join(dir.dir, 'w');
      for (const [path, data] of Object.entries(files)) {
        mkdirSync(join(weightsDir, path, '..'), { recursive: true });
        writeFileSync(join(weightsDir, path), data);
      }
    });

    afterAll(async () => {
      await registry?.stop();
      await server?.close();
      await database?.drop();
      dir?.remove();
    });

    it('records a pushed version from the manifest the registry holds, and audits it', async () => {
      const pushed = await push('1');
      const res = await api('POST', '/weights', acmeKey, {
        version: '1',
        manifestDigest: pushed.digest,
      });
      expect(res.status).toBe(201);
      const body = (await res.json()) as Record<string, unknown>;
      expect(body).toMatchObject({
        model: 'acme/styler',
        version: '1',
        registry: registry.host,
        repository: 'acme/weights/styler',
        manifestDigest: pushed.digest,
        totalBytes: 600_007,
        fileCount: 2,
        files: [
          { path: 'model.bin', digest: sha(files['model.bin'] as Buffer), size: 600_000 },
          {
            path: 'tokenizer/vocab.json',
            digest: sha(files['tokenizer/vocab.json'] as Buffer),
            size: 7,
          },
        ],
      });
      const audit = await admin.audit({ org: 'acme', action: 'weights.pushed' });
      if (!audit.ok) throw new Error(audit.message);
      expect(audit.value[0]).toMatchObject({
        target: 'acme/styler',
        data: {
          model: 'acme/styler',
          version: '1',
          digest: pushed.digest,
          bytes: 600_007,
          files: 2,
        },
      });

      const list = await api('GET', '/weights', acmeKey);
      expect(((await list.json()) as { data: unknown[] }).data).toEqual([body]);
      const one = await api('GET', '/weights/1', acmeKey);
      expect(await one.json()).toEqual(body);
    });

    it('refuses a version recorded already, a manifest the registry lacks, and one that is not weights', async () => {
      const again = await api('POST', '/weights', acmeKey, {
        version: '1',
        manifestDigest: `sha256:${'0'.repeat(64)}`,
      });
      expect(again.status).toBe(409);
      expect((await readError(again)).error).toMatchObject({
        code: 'WEIGHTS_VERSION_EXISTS',
        message:
          '"acme/styler" already has weights version "1"; push under a new version, or delete that one first',
      });
      const missing = await api('POST', '/weights', acmeKey, {
        version: '9',
        manifestDigest: `sha256:${'0'.repeat(64)}`,
      });
      expect(missing.status).toBe(404);
      expect((await readError(missing)).error).toMatchObject({
        code: 'WEIGHTS_NOT_FOUND',
        message: `manifestDigest: acme/weights/styler@sha256:${'0'.repeat(64)} is not in the registry; push the weights first (latchkey model weights push)`,
      });
      // An image manifest (another config type) pushed where weights go.
      const client = createRegistryClient({
        registry: registry.host,
        auth: { username: 'acme', password: acmeKey },
      });
      const config = Buffer.from('{}');
      const configDigest = await client.putBlob('acme/weights/styler', config);
      const imageDigest = await client.putManifest('acme/weights/styler', 'image', {
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: {
          mediaType: 'application/vnd.oci.image.config.v1+json',
          digest: configDigest,
          size: config.length,
        },
        layers: [],
      });
      const wrong = await api('POST', '/weights', acmeKey, {
        version: '9',
        manifestDigest: imageDigest,
      });
      expect(wrong.status).toBe(400);
      expect((await readError(wrong)).error).toMatchObject({
        code: 'INVALID_REQUEST',
        message:
          'manifestDigest: not a Latchkey weights manifest: config.mediaType must be application/vnd.latchkey.weights.config.v1+json',
      });
      const bad = await api('POST', '/weights', acmeKey, {
        version: '../x',
        manifestDigest: 'sha256:x',
      });
      expect(bad.status).toBe(400);
      expect((await readError(bad)).error.code).toBe('INVALID_REQUEST');
    });

    it('keeps another org out: its partner key gets 404 here and no scope in the registry', async () => {
      const res = await fetch(`${server.url}/v1/orgs/acme/models/styler/weights`, {
        headers: { authorization: `Bearer ${globexKey}` },
      });
      expect(res.status).toBe(404);
      expect((await readError(res)).error.code).toBe('NOT_FOUND');
      const err = (await pullWeights({
        registry: registry.host,
        repository: 'acme/weights/styler',
        reference: '1',
        auth: { username: 'globex', password: globexKey },
        outDir: join(dir.dir, 'stolen'),
      }).catch((e: unknown) => e)) as OciError;
      expect(err).toBeInstanceOf(OciError);
      expect(err.code).toBe('REGISTRY_UNAUTHORIZED');
      expect(err.status).toBe(401);
      expect(err.message).toMatch(
        /^the registry refused manifest acme\/weights\/styler:1 \(UNAUTHORIZED: /,
      );
    });

    it("lets the org's runtime credential pull, not push; an operator's runtime pulls any org's weights", async () => {
      const out = join(dir.dir, 'runtime-cache');
      const pulled = await pullWeights({
        registry: registry.host,
        repository: 'acme/weights/styler',
        reference: '1',
        auth: { username: 'runtime', password: runtimeSecret },
        outDir: out,
      });
      expect(pulled.files).toHaveLength(2);
      for (const [path, data] of Object.entries(files))
        expect(sha(readFileSync(join(out, path)))).toBe(sha(data));
      writeFileSync(join(weightsDir, 'extra.bin'), randomBytes(1000));
      const err = (await push('rt', runtimeSecret).catch((e: unknown) => e)) as OciError;
      expect(err.code).toBe('REGISTRY_UNAUTHORIZED');
      expect(err.message).toMatch(
        /^the registry refused checking blob sha256:[a-f0-9]{64} in acme\/weights\/styler|^the registry refused pushing to acme\/weights\/styler/,
      );
      const op = await pullWeights({
        registry: registry.host,
        repository: 'acme/weights/styler',
        reference: '1',
        auth: { username: 'operator', password: operatorRuntimeSecret },
        outDir: join(dir.dir, 'operator-cache'),
      });
      expect(op.digest).toBe(pulled.digest);
      const audit = await admin.audit({ org: 'acme', action: 'registry.token_issued' });
      if (!audit.ok) throw new Error(audit.message);
      expect(audit.value.some((e) => (e.data as { via?: string }).via === 'runtime')).toBe(true);
    });

    it('grants a runtime credential pull only at the token endpoint, and nothing once revoked', async () => {
      const token = (password: string, scope: string) =>
        fetch(
          `${server.url}/v1/registry/token?service=${server.platform.config.registryService}&scope=${encodeURIComponent(scope)}`,
          {
            headers: { authorization: `Basic ${Buffer.from(`rt:${password}`).toString('base64')}` },
          },
        );
      const access = async (res: Response) => {
        expect(res.status).toBe(200);
        const jwt = ((await res.json()) as { token: string }).token;
        return JSON.parse(Buffer.from(jwt.split('.')[1] as string, 'base64url').toString()).access;
      };
      expect(
        await access(await token(runtimeSecret, 'repository:acme/weights/styler:pull,push')),
      ).toEqual([{ type: 'repository', name: 'acme/weights/styler', actions: ['pull'] }]);
      expect(await access(await token(runtimeSecret, 'repository:globex/weights/x:pull'))).toEqual(
        [],
      );
      const extra = await createRuntimeCredential(server.platform, {
        name: 'short-lived',
        actor: 'test',
      });
      if (!extra.ok) throw new Error(extra.message);
      await server.platform.db
        .updateTable('runtimes')
        .set({ org_id: (await acme()).id, revoked_at: new Date() })
        .where('id', '=', extra.value.id)
        .execute();
      const revoked = await token(extra.value.secret, 'repository:acme/weights/styler:pull');
      expect(revoked.status).toBe(401);
      expect((await readError(revoked)).error.code).toBe('RUNTIME_CREDENTIAL_REVOKED');
    });

    it('keeps weights a published version uses, then deletes them and their manifest', async () => {
      const org = await acme();
      const v = await publishVersion(server.platform, org, 'styler', {
        version: '2',
        weights: '1',
        actor: 'test',
      });
      if (!v.ok) throw new Error(v.message);
      const refused = await api('DELETE', '/weights/1', acmeKey);
      expect(refused.status).toBe(409);
      expect((await readError(refused)).error).toMatchObject({
        code: 'CONFLICT',
        message:
          'weights "1" are in use by acme/styler version "2"; retire it first (latchkey model retire)',
      });
      const retired = await retireVersion(server.platform, org, 'styler', '2', { actor: 'test' });
      if (!retired.ok) throw new Error(retired.message);
      const gone = await api('DELETE', '/weights/1', acmeKey);
      expect(gone.status).toBe(200);
      const body = (await gone.json()) as { manifestDigest: string };
      const client = createRegistryClient({
        registry: registry.host,
        auth: { username: 'acme', password: acmeKey },
      });
      await expect(
        client.getManifest('acme/weights/styler', body.manifestDigest),
      ).rejects.toMatchObject({
        code: 'WEIGHTS_NOT_FOUND',
      });
      const audit = await admin.audit({ org: 'acme', action: 'weights.deleted' });
      if (!audit.ok) throw new Error(audit.message);
      expect(audit.value[0]?.data).toMatchObject({
        model: 'acme/styler',
        version: '1',
        digest: body.manifestDigest,
        registry: 'deleted',
      });
      const after = await api('GET', '/weights/1', acmeKey);
      expect(after.status).toBe(404);
      expect((await readError(after)).error.code).toBe('WEIGHTS_NOT_FOUND');
      const twice = await api('DELETE', '/weights/1', acmeKey);
      expect((await readError(twice)).error.code).toBe('WEIGHTS_NOT_FOUND');
      // A deleted version may be pushed and recorded again.
      const pushed = await push('1');
      const again = await api('POST', '/weights', acmeKey, {
        version: '1',
        manifestDigest: pushed.digest,
      });
      expect(again.status).toBe(201);
    });
  });
});
