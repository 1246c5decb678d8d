// Who may call which management route, read off the app's own `routes` list: every
// route with an `access` × every kind of caller × their own org and another org, plus
// the credentials that never count (no cookie, app key, partner key, session token) and
// the CSRF check. A route added with `access` and no fixture here fails the first test.
//
// On PGlite and on PostgreSQL, like the other server tests (under 20 s for both here).
import { newId } from '@latchkey/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveDeviceCode, createDeviceCode } from '../src/accounts/device-codes.js';
import { createInvitation } from '../src/accounts/invitations.js';
import { hasRole, type Role, roleRequiredCode } from '../src/accounts/roles.js';
import { routes } from '../src/http/app.js';
import type { Route } from '../src/http/route.js';
import { type AdminApi, createAdminApi, type RunningServer } from '../src/index.js';
import { publishVersion } from '../src/models/model-versions.js';
import { registerModel } from '../src/models/models.js';
import { createRuntimeCredential } from '../src/realtime/runtime-credentials.js';
import { findOrg } from '../src/services/orgs.js';
import {
  answer,
  type Call,
  caller,
  PASSWORD,
  type Person,
  signIn,
  signUp,
} from './account-helpers.js';
import {
  createTestDatabase,
  embeddedConfig,
  PG_URL,
  postgresAvailable,
  postgresConfig,
  requireService,
  serviceGate,
  type TempDir,
  type TestDatabase,
  tempDir,
} from './helpers.js';
import { startServer } from './serve-with-runtime.js';

type Actor = Role | 'non-member' | 'instance-admin';
const ACTORS: Actor[] = ['viewer', 'developer', 'admin', 'owner', 'non-member', 'instance-admin'];
type Where = 'own org' | 'another org';

interface Org {
  id: string;
  slug: string;
}

/** What a fixture gets: the org the request names, the caller, and ways to make things. */
interface Ctx {
  org: Org;
  caller: Person;
  /** A new account that is a member of `org` with `role` (no session: a target). */
  member(role: Role): Promise<string>;
  /** A pending invitation to `org`: its id and link token. */
  invitation(org?: Org): Promise<{ id: string; token: string }>;
  /** A new org owned by someone else. */
  freshOrg(): Promise<Org>;
  /** A new active key of `org`. */
  key(kind?: 'app' | 'partner'): Promise<{ id: string; secret: string }>;
  /** A live realtime session of `org` (a row: the matrix server hosts no runtime). */
  session(): Promise<string>;
  /** An unexpired registry credential of `org`. */
  credential(): Promise<string>;
  /** An active runtime credential of `org` (a partner org's runtime). */
  runtimeCredential(): Promise<string>;
  signIn(email: string): Promise<string>;
  /** A pending device sign-in code; `approved`: approved for `org` by its owner. */
  deviceCode(approved?: boolean): Promise<{ deviceCode: string; userCode: string }>;
  /** A new partner org where the caller is a developer. */
  callerOrg(): Promise<Org>;
  /** A new partner model of `org` (short name), with version `1` published. */
  model(): Promise<string>;
  /** A new model of `org` with a recorded weights version (a row: the matrix has no registry). */
  weights(): Promise<{ model: string; version: string }>;
  /** The cookie of a new account (for routes that change the caller's own account). */
  freshCookie(): Promise<string>;
}

interface Fixture {
  params?: (ctx: Ctx) => Promise<Record<string, string>> | Record<string, string>;
  body?: (ctx: Ctx) => unknown | Promise<unknown>;
  /** The cookie to send instead of the caller's own (signing out ends the one it uses). */
  cookie?: (ctx: Ctx) => Promise<string>;
  /**
   * What a permitted caller gets, where a valid input cannot be made here (a mailed reset
   * token, a second-factor step): the handler's own refusal proves the gate let it through.
   */
  reached?: [number, string];
  /**
   * A partner route: it also takes the org's partner key, so the credentials test expects
   * an app key to be refused as the wrong kind, another org's partner key 404.
   */
  partner?: true;
}

let unique = 0;

/**
 * One per route with `access`, by operationId: path parameters and a valid body that
 * succeed for a caller at or above the route's access. Each case gets a fresh org, so
 * destructive operations are fine. Add yours when you add a route.
 */
const fixtures: Record<string, Fixture> = {
  signUp: { body: () => ({ email: `matrix-${++unique}@example.com`, password: 'x'.repeat(12) }) },
  signIn: { body: (c) => ({ email: c.caller.email, password: PASSWORD }) },
  signOut: { body: () => ({}), cookie: (c) => c.signIn(c.caller.email) },
  me: {},
  listOrgs: {},
  createOrg: { body: () => ({ name: `Matrix ${++unique}` }) },
  getOrg: {},
  updateOrg: { body: () => ({ name: 'Renamed' }) },
  deleteOrg: {},
  listMembers: {},
  changeMemberRole: {
    params: async (c) => ({ userId: await c.member('viewer') }),
    body: () => ({ role: 'developer' }),
  },
  removeMember: { params: async (c) => ({ userId: await c.member('viewer') }) },
  createInvitation: { body: () => ({ role: 'viewer' }) },
  listInvitations: {},
  revokeInvitation: { params: async (c) => ({ id: (await c.invitation()).id }) },
  getInvitation: { params: async (c) => ({ token: (await c.invitation()).token }) },
  acceptInvitation: {
    params: async (c) => ({ token: (await c.invitation(await c.freshOrg())).token }),
  },
  listKeys: {},
  createKey: { body: () => ({ name: 'matrix key' }) },
  getKey: { params: async (c) => ({ keyId: (await c.key()).id }) },
  updateKey: {
    params: async (c) => ({ keyId: (await c.key()).id }),
    body: () => ({ name: 'renamed' }),
  },
  rotateKey: { params: async (c) => ({ keyId: (await c.key()).id }), body: () => ({ grace: 60 }) },
  revokeKey: {
    params: async (c) => ({ keyId: (await c.key()).id }),
    body: () => ({ reason: 'matrix', endSessions: true }),
  },
  listOrgSessions: {},
  endOrgSession: { params: async (c) => ({ id: await c.session() }) },
  listAudit: {},
  exportAudit: {},
  getUsage: {},
  listRegistryCredentials: {},
  sendVerificationEmail: { body: (c) => ({ email: c.caller.email }) },
  verifyEmail: {},
  verifyMagicLink: {},
  changePassword: {
    cookie: (c) => c.freshCookie(),
    body: () => ({ currentPassword: PASSWORD, newPassword: `${PASSWORD} 2` }),
  },
  requestPasswordReset: { body: () => ({ email: `reset-${++unique}@example.com` }) },
  resetPassword: {
    body: () => ({ token: 'not-a-reset-token', newPassword: `${PASSWORD} 2` }),
    reached: [400, 'INVALID_LINK'],
  },
  enableTwoFactor: { cookie: (c) => c.freshCookie(), body: () => ({ password: PASSWORD }) },
  disableTwoFactor: { cookie: (c) => c.freshCookie(), body: () => ({ password: PASSWORD }) },
  // Signed in without a second factor on: the library refuses the code step as such.
  verifyTotp: { body: () => ({ code: '123456' }), reached: [409, 'CONFLICT'] },
  verifyBackupCode: { body: () => ({ code: 'abcde-fghij' }), reached: [409, 'CONFLICT'] },
  revokeRegistryCredential: { params: async (c) => ({ id: await c.credential() }) },
  createDeviceCode: { body: () => ({ clientName: 'matrix-host' }) },
  pollDeviceToken: { body: async (c) => ({ deviceCode: (await c.deviceCode(true)).deviceCode }) },
  getDeviceRequest: { params: async (c) => ({ userCode: (await c.deviceCode()).userCode }) },
  approveDevice: {
    params: async (c) => ({ userCode: (await c.deviceCode()).userCode }),
    body: async (c) => ({ org: (await c.callerOrg()).slug }),
  },
  denyDevice: { params: async (c) => ({ userCode: (await c.deviceCode()).userCode }) },
  listPartnerModels: { partner: true },
  registerModel: { partner: true, body: () => ({ name: `m${++unique}`, kind: 'realtime' }) },
  getPartnerModel: { partner: true, params: async (c) => ({ model: await c.model() }) },
  updateModel: {
    partner: true,
    params: async (c) => ({ model: await c.model() }),
    body: () => ({ description: 'changed', visibility: 'public' }),
  },
  publishModelVersion: {
    partner: true,
    params: async (c) => ({ model: await c.model() }),
    body: () => ({ version: '2' }),
  },
  retireModelVersion: {
    partner: true,
    params: async (c) => ({ model: await c.model(), version: '1' }),
  },
  listModelEvents: { partner: true, params: async (c) => ({ model: await c.model() }) },
  listRuntimeCredentials: { partner: true },
  createRuntimeCredential: { partner: true, body: () => ({ name: 'matrix runtime' }) },
  revokeRuntimeCredential: {
    partner: true,
    params: async (c) => ({ id: await c.runtimeCredential() }),
  },
  listWeights: { partner: true, params: async (c) => ({ model: await c.model() }) },
  // The matrix server fronts no registry: a caller let through gets that far.
  recordWeights: {
    partner: true,
    params: async (c) => ({ model: await c.model() }),
    body: () => ({ version: '1', manifestDigest: `sha256:${'a'.repeat(64)}` }),
    reached: [404, 'REGISTRY_NOT_CONFIGURED'],
  },
  getWeights: { partner: true, params: (c) => c.weights() },
  deleteWeights: {
    partner: true,
    params: (c) => c.weights(),
    reached: [404, 'REGISTRY_NOT_CONFIGURED'],
  },
};

/** What a partner route answers a credential other than a member's session. */
const PARTNER_CREDENTIAL: Record<string, [number, string]> = {
  'no cookie': [401, 'NOT_SIGNED_IN'],
  'app key': [403, 'WRONG_KEY_KIND'],
  // The matrix's partner key is another org's: that org is not found.
  'partner key': [404, 'NOT_FOUND'],
  'session token': [401, 'INVALID_API_KEY'],
};

const managed = routes.filter((r): r is Route & { access: NonNullable<Route['access']> } =>
  Boolean(r.access),
);
const gated = managed.filter((r) => r.access !== 'public');
const stateChanging = managed.filter((r) => r.spec.method !== 'get');
const inOrg = (r: Route) => r.spec.path.includes('{org}');
const label = (r: Route) => `${r.spec.method.toUpperCase()} ${r.spec.path}`;
const successOf = (r: Route) =>
  Math.min(
    ...Object.keys(r.spec.responses)
      .map(Number)
      .filter((s) => s >= 200 && s < 300),
  );

/** [status, code]: the code is null where the route succeeds. */
function expected(r: Route, actor: Actor, where: Where | null): [number, string | null] {
  const access = r.access as NonNullable<Route['access']>;
  const ok: [number, string | null] = fixtures[r.spec.operationId]?.reached ?? [successOf(r), null];
  if (access === 'instance-admin')
    return actor === 'instance-admin' ? ok : [403, 'INSTANCE_ADMIN_REQUIRED'];
  if (access === 'signed-in' || access === 'public' || where === null) return ok;
  if (actor === 'instance-admin') return ok; // every org, as an owner
  if (actor === 'non-member' || where === 'another org') return [404, 'NOT_FOUND'];
  if (access === 'viewer' || hasRole(actor, access)) return ok;
  return [403, roleRequiredCode[access]];
}

interface Case {
  route: Route;
  actor: Actor;
  where: Where | null;
}

const roleCases: Case[] = gated.flatMap((route) =>
  ACTORS.flatMap((actor): Case[] =>
    inOrg(route)
      ? (['own org', 'another org'] as const).map((where) => ({ route, actor, where }))
      : [{ route, actor, where: null }],
  ),
);
const CREDENTIALS = ['no cookie', 'app key', 'partner key', 'session token'] as const;
const ORIGINS = ['foreign Origin', 'same Origin', 'no Origin'] as const;
const total =
  roleCases.length + gated.length * CREDENTIALS.length + stateChanging.length * ORIGINS.length;
console.log(
  `[role matrix] ${total} cases per database: ${roleCases.length} role × org, ${gated.length * CREDENTIALS.length} credentials, ${stateChanging.length * ORIGINS.length} CSRF`,
);

const pgUp = await postgresAvailable();
const backends = [
  { name: 'pglite' as const, run: true },
  { name: 'postgres' as const, run: serviceGate('PostgreSQL', PG_URL, pgUp) },
];

describe.each(backends)(
  `the role matrix (${total} cases over ${managed.length} routes) on $name`,
  (backend) => {
    describe.skipIf(!backend.run)('suite', () => {
      let database: TestDatabase | undefined;
      let dir: TempDir;
      let server: RunningServer;
      let admin: AdminApi;
      let call: Call;
      let founder: Person;
      const people = {} as Record<Actor, Person>;
      const bearer: Record<string, string> = {};

      beforeAll(async () => {
        dir = tempDir('lk-matrix-');
        const env = {
          LATCHKEY_SIGNUP: 'open',
          LATCHKEY_SIGNIN_PER_IP: '0',
          LATCHKEY_SIGNIN_FAILURES_PER_ACCOUNT: '0',
          LATCHKEY_AUTH_FAILURES_PER_IP: '0',
        };
        if (backend.name === 'postgres') {
          requireService('PostgreSQL', PG_URL, pgUp);
          database = await createTestDatabase();
        }
        server = await startServer(
          database ? postgresConfig(database.url, dir.dir, env) : embeddedConfig(dir.dir, env),
          { bootstrap: false, runtime: false },
        );
        admin = createAdminApi(server.platform);
        call = caller(server.url);
        founder = await signUp(call, 'founder');
        for (const actor of ACTORS) people[actor] = await signUp(call, actor);
        await server.platform.db
          .updateTable('auth_users')
          .set({ instanceAdmin: true })
          .where('id', '=', people['instance-admin'].id)
          .execute();
        const org = await admin.createOrg({ name: 'Keys', partner: true, actor: 'test' });
        if (!org.ok) throw new Error(org.message);
        const app = await admin.createKey({ org: org.value.id, kind: 'app', actor: 'test' });
        const partner = await admin.createKey({
          org: org.value.id,
          kind: 'partner',
          actor: 'test',
        });
        if (!app.ok || !partner.ok) throw new Error('keys');
        bearer['app key'] = app.value.secret;
        bearer['partner key'] = partner.value.secret;
        const minted = await call('POST', '/v1/tokens', {
          headers: { authorization: `Bearer ${app.value.secret}` },
          body: {},
        });
        bearer['session token'] = ((await minted.json()) as { token: string }).token;
      });

      afterAll(async () => {
        await server?.close();
        await database?.drop();
        dir?.remove();
      });

      const db = () => server.platform.db;
      const at = () => new Date(server.platform.clock.now());

      async function addMember(orgId: string, userId: string, role: Role) {
        await db()
          .insertInto('memberships')
          .values({ org_id: orgId, user_id: userId, role, created_at: at(), updated_at: at() })
          .execute();
      }

      /** A new org whose owner is the founder. */
      async function freshOrg(): Promise<Org> {
        // Partner orgs: the registry routes answer only for them, and the rest do not care.
        const org = await admin.createOrg({
          name: `matrix ${++unique}`,
          partner: true,
          actor: 'test',
        });
        if (!org.ok) throw new Error(org.message);
        await addMember(org.value.id, founder.id, 'owner');
        return { id: org.value.id, slug: org.value.slug };
      }

      function ctxFor(org: Org, caller: Person): Ctx {
        return {
          org,
          caller,
          freshOrg,
          signIn: (email) => signIn(call, email),
          freshCookie: async () => (await signUp(call, 'fresh')).cookie,
          async deviceCode(approved = false) {
            const made = await createDeviceCode(server.platform, { clientName: 'matrix-host' });
            if (approved) {
              const done = await approveDeviceCode(
                server.platform,
                { userId: founder.id },
                { userCode: made.userCode, orgId: org.id },
              );
              if (!done.ok) throw new Error(done.message);
            }
            return made;
          },
          async callerOrg() {
            const own = await freshOrg();
            await addMember(own.id, caller.id, 'developer');
            return own;
          },
          async model() {
            const name = `m${++unique}`;
            const owner = await findOrg(db(), org.id);
            if (!owner.ok) throw new Error(owner.message);
            const made = await registerModel(server.platform, owner.value, {
              name,
              kind: 'realtime',
              actor: 'test',
            });
            if (!made.ok) throw new Error(made.message);
            const v = await publishVersion(server.platform, owner.value, name, {
              version: '1',
              actor: 'test',
            });
            if (!v.ok) throw new Error(v.message);
            return name;
          },
          async weights() {
            const model = await this.model();
            const row = await db()
              .selectFrom('models')
              .select('id')
              .where('name', '=', `${org.slug}/${model}`)
              .executeTakeFirstOrThrow();
            await db()
              .insertInto('weights')
              .values({
                id: newId('wts'),
                org_id: org.id,
                model_id: row.id,
                version: 'w1',
                repository: `${org.slug}/weights/${model}`,
                manifest_digest: `sha256:${'b'.repeat(64)}`,
                files: JSON.stringify([
                  { path: 'a.bin', digest: `sha256:${'c'.repeat(64)}`, size: 3 },
                ]),
                total_bytes: 3,
                created_at: at(),
                created_by: 'test',
                deleted_at: null,
              })
              .execute();
            return { model, version: 'w1' };
          },
          async key(kind = 'app') {
            const made = await admin.createKey({ org: org.id, kind, actor: 'test' });
            if (!made.ok) throw new Error(made.message);
            return { id: made.value.key.id, secret: made.value.secret };
          },
          async session() {
            const key = await this.key();
            const id = newId('ses');
            await db()
              .insertInto('sessions')
              .values({
                id,
                org_id: org.id,
                key_id: key.id,
                token_id: newId('tok'),
                owner_ref: null,
                model: 'echo',
                state: 'active',
                close_reason: null,
                runtime_id: 'rtm_matrix',
                origin: null,
                created_at: at(),
                active_at: at(),
                closed_at: null,
                expires_at: new Date(at().getTime() + 3600_000),
              })
              .execute();
            return id;
          },
          async runtimeCredential() {
            const made = await createRuntimeCredential(server.platform, {
              name: 'matrix runtime',
              actor: 'test',
              orgId: org.id,
            });
            if (!made.ok) throw new Error(made.message);
            return made.value.id;
          },
          async credential() {
            const key = await this.key('partner');
            const id = newId('tok');
            await db()
              .insertInto('registry_credentials')
              .values({
                id,
                org_id: org.id,
                api_key_id: key.id,
                hash: `matrix-${id}`,
                display: 'rc_…mtrx',
                created_at: at(),
                expires_at: new Date(at().getTime() + 3600_000),
                revoked_at: null,
                revoked_reason: null,
              })
              .execute();
            return id;
          },
          async member(role) {
            const id = newId('usr');
            await db()
              .insertInto('auth_users')
              .values({
                id,
                name: 'Target',
                email: `${id.toLowerCase()}@example.com`,
                emailVerified: true,
                image: null,
                createdAt: at(),
                updatedAt: at(),
                twoFactorEnabled: false,
                instanceAdmin: false,
              })
              .execute();
            await addMember(org.id, id, role);
            return id;
          },
          async invitation(target = org) {
            const made = await createInvitation(
              server.platform,
              { userId: founder.id, role: 'owner' },
              { orgId: target.id, role: 'viewer' },
            );
            if (!made.ok) throw new Error(made.message);
            return { id: made.value.invitation.id, token: made.value.token };
          },
        };
      }

      /** The request a fixture makes for `route` in `org`, with `headers` and the caller's cookie. */
      async function send(
        route: Route,
        ctx: Ctx,
        opts: { cookie?: string | null; headers?: Record<string, string> } = {},
      ) {
        const fixture = fixtures[route.spec.operationId];
        if (!fixture)
          throw new Error(`no fixture for ${route.spec.operationId} in role-matrix.test.ts`);
        const params: Record<string, string> = {
          org: ctx.org.slug,
          ...(await fixture.params?.(ctx)),
        };
        const path = route.spec.path.replace(/\{(\w+)\}/g, (_m, n: string) => {
          const value = params[n];
          if (value === undefined) throw new Error(`fixture ${route.spec.operationId}: no {${n}}`);
          return encodeURIComponent(value);
        });
        const cookie =
          opts.cookie === null
            ? undefined
            : (opts.cookie ?? (await fixture.cookie?.(ctx)) ?? ctx.caller.cookie);
        return call(route.spec.method.toUpperCase(), path, {
          cookie,
          ...(route.spec.body ? { body: (await fixture.body?.(ctx)) ?? {} } : {}),
          headers: opts.headers ?? {},
        });
      }

      async function setUp(actor: Actor, where: Where | null): Promise<Ctx> {
        const own = await freshOrg();
        const caller = people[actor];
        if (actor !== 'non-member' && actor !== 'instance-admin')
          await addMember(own.id, caller.id, actor);
        return ctxFor(where === 'another org' ? await freshOrg() : own, caller);
      }

      const codeOf = async (res: Response): Promise<[number, string | null]> => {
        const { status, body } = await answer(res);
        return [status, status >= 400 ? (body?.error?.code ?? 'no envelope') : null];
      };

      it('has a fixture for every route with `access` (add yours to `fixtures`)', () => {
        const missing = managed.map((r) => r.spec.operationId).filter((id) => !(id in fixtures));
        expect(missing).toEqual([]);
        expect(
          Object.keys(fixtures).filter((id) => !managed.some((r) => r.spec.operationId === id)),
        ).toEqual([]);
      });

      describe('each kind of caller', () => {
        const named = roleCases.map((c) => {
          const want = expected(c.route, c.actor, c.where);
          const where = c.where ? ` · ${c.where}` : '';
          return { ...c, want, name: `${c.actor} · ${label(c.route)}${where} → ${want.join(' ')}` };
        });
        it.each(named)('$name', async ({ route, actor, where, want }) => {
          const ctx = await setUp(actor, where);
          expect(await codeOf(await send(route, ctx))).toEqual(want);
        });
      });

      describe('credentials other than the account session', () => {
        const cases = gated.flatMap((route) =>
          CREDENTIALS.map((credential) => ({ route, credential })),
        );
        it.each(cases.map((c) => ({ ...c, name: `${c.credential} · ${label(c.route)}` })))(
          '$name → refused',
          async ({ route, credential }) => {
            const ctx = await setUp('owner', 'own org');
            const secret = bearer[credential];
            const res = await send(route, ctx, {
              cookie: null,
              headers: secret ? { authorization: `Bearer ${secret}` } : {},
            });
            expect(await codeOf(res)).toEqual(
              fixtures[route.spec.operationId]?.partner
                ? PARTNER_CREDENTIAL[credential]
                : [401, 'NOT_SIGNED_IN'],
            );
          },
        );
      });

      describe('CSRF on state-changing routes', () => {
        const cases = stateChanging.flatMap((route) =>
          ORIGINS.map((origin) => ({ route, origin })),
        );
        it.each(cases.map((c) => ({ ...c, name: `${c.origin} · ${label(c.route)}` })))(
          '$name',
          async ({ route, origin }) => {
            const ctx = await setUp('owner', 'own org');
            const headers: Record<string, string> =
              origin === 'foreign Origin'
                ? { origin: 'https://evil.example' }
                : origin === 'same Origin'
                  ? { origin: new URL(server.url).origin }
                  : {};
            const want: [number, string | null] =
              origin === 'foreign Origin'
                ? [403, 'CSRF_REJECTED']
                : (fixtures[route.spec.operationId]?.reached ?? [successOf(route), null]);
            expect(await codeOf(await send(route, ctx, { headers }))).toEqual(want);
          },
        );
      });
    });
  },
);
