import { formatIssues } from '@latchkey/core';
import type { Logger } from '@latchkey/core/node';
import type { Kysely } from 'kysely';
import type { Auth } from '../accounts/auth.js';
import { createUser, listUsers, passwordSetLink, type UserSummary } from '../accounts/users.js';
import type { ServerConfig } from '../config.js';
import type { Database } from '../db/schema.js';
import { type AdminSession, listSessions } from '../realtime/key-sessions.js';
import {
  createRuntimeCredential,
  listRuntimes,
  type RuntimeSummary,
  revokeRuntime,
} from '../realtime/runtime-credentials.js';
import { type RegistryAuthConfig, registryAuthConfig } from '../registry/auth-config.js';
import { type RegistryCaInfo, registryAuthority } from '../registry/registry-authority.js';
import { type ApiKey, createApiKey, listApiKeys, rotateApiKey } from '../services/api-keys.js';
import { type AuditRecord, auditInTransaction, listAudit } from '../services/audit.js';
import type { Clock } from '../services/clock.js';
import type { EventBus } from '../services/event-bus.js';
import { createOrg, findOrg, type Org } from '../services/orgs.js';
import { fail, ok, type Result } from '../services/result.js';
import { revokeKey } from '../services/revoke-key.js';
import type { SigningKeys } from '../services/signing-keys.js';
import {
  ADMIN_OPERATIONS,
  type AdminInput,
  type AdminOperation,
  adminInputs,
} from './admin-schemas.js';

/** What each operator action answers. */
export interface AdminOutputs {
  createOrg: Org;
  createKey: { key: ApiKey; secret: string };
  listKeys: ApiKey[];
  revokeKey: ApiKey & { credentialsEnded?: number; sessionsEnded?: number };
  /** A credential for a `latchkey runtime` process; the secret is shown once. */
  createRuntime: { id: string; name: string; secret: string };
  listRuntimes: RuntimeSummary[];
  revokeRuntime: { id: string; sessionsEnded: number };
  listSessions: AdminSession[];
  rotateKey: { key: ApiKey; secret: string; old: ApiKey };
  rotateSigningKey: { kid: string; retired: string | null };
  /** The registry's `auth: token:` settings and the certificate bundle it must trust. */
  registryConfig: RegistryAuthConfig;
  /** Stages a new registry CA, or (`activate`) starts signing with the staged one. */
  rotateRegistryCa: {
    staged?: RegistryCaInfo;
    active?: RegistryCaInfo;
    retired?: RegistryCaInfo | null;
  };
  /** `passwordLink` (one hour, once) is where the person chooses their password. */
  createUser: { user: UserSummary; passwordLink: string };
  listUsers: UserSummary[];
  audit: AuditRecord[];
}

/**
 * Operator actions, typed from their input schemas (admin-schemas.ts). The CLI runs
 * them directly on the database, or — when a `latchkey serve` holds an embedded data
 * dir — through that server's admin socket.
 */
export type AdminApi = {
  [Op in AdminOperation]: (input: AdminInput<Op>) => Promise<Result<AdminOutputs[Op]>>;
};

/** An AdminApi whose every operation goes through `call` (the CLI's admin socket client). */
export function adminApiVia(
  call: (op: AdminOperation, input: unknown) => Promise<Result<unknown>>,
): AdminApi {
  return Object.fromEntries(
    ADMIN_OPERATIONS.map((op) => [op, (input: unknown) => call(op, input)]),
  ) as AdminApi;
}

export interface AdminDeps {
  db: Kysely<Database>;
  clock: Clock;
  bus: EventBus;
  signingKeys: SigningKeys;
  config: ServerConfig;
  /** The server's URL (the registry realm's base), when known. */
  issuer?: string;
  log?: Logger;
  /** Accounts (better-auth on this database): users are made through it. */
  auth: Auth;
}

export function createAdminApi(deps: AdminDeps): AdminApi {
  return {
    createOrg: (input) => createOrg(deps.db, deps.clock, input),
    createKey: (input) => createApiKey(deps, input),
    listKeys: (input) => listApiKeys(deps, input.org),
    revokeKey: (input) => revokeKey(deps, input),
    createRuntime: (input) => createRuntimeCredential(deps, input),
    listRuntimes: async () => ok(await listRuntimes(deps)),
    revokeRuntime: (input) => revokeRuntime(deps, input),
    listSessions: (input) => listSessions(deps, input),
    rotateKey: (input) => rotateApiKey(deps, input),
    async rotateSigningKey(input) {
      const r = await deps.signingKeys.rotate();
      await deps.db.transaction().execute((trx) =>
        auditInTransaction(trx, deps.clock, {
          orgId: null,
          action: 'signing_key.rotated',
          actor: input.actor,
          target: r.kid,
          outcome: 'ok',
          data: { retired: r.retired ?? null },
        }),
      );
      await deps.bus.publish({ type: 'signing-keys-changed' });
      return ok({ kid: r.kid, retired: r.retired ?? null });
    },
    registryConfig: async () => ok(await registryAuthConfig(deps)),
    async rotateRegistryCa(input) {
      const authority = registryAuthority(deps);
      if (!input.activate) {
        const staged = await authority.stage(input.actor);
        return staged.ok ? ok({ staged: staged.value }) : staged;
      }
      return authority.activate(input.actor);
    },
    async createUser(raw) {
      // The CLI calls this directly too: check the input as the socket would.
      const parsed = adminInputs.createUser.safeParse(raw);
      if (!parsed.success)
        return fail('INVALID_REQUEST', formatIssues(parsed.error.issues, { max: 1 }));
      const input = parsed.data;
      const user = await createUser(deps, {
        email: input.email,
        name: input.name ?? input.email.split('@')[0] ?? input.email,
        instanceAdmin: input.instanceAdmin,
      });
      if (!user) return fail('EMAIL_TAKEN', `a user with email ${input.email} exists`);
      await deps.db.transaction().execute((trx) =>
        auditInTransaction(trx, deps.clock, {
          orgId: null,
          action: 'user.created',
          actor: input.actor,
          target: user.id,
          outcome: 'ok',
          data: { email: user.email, instanceAdmin: user.instanceAdmin },
        }),
      );
      return ok({ user, passwordLink: await passwordSetLink(deps.auth, user.email) });
    },
    listUsers: async () => ok(await listUsers(deps.db)),
    async audit(input) {
      const org = await findOrg(deps.db, input.org);
      if (!org.ok) return org;
      const since = input.sinceSeconds
        ? new Date(deps.clock.now() - input.sinceSeconds * 1000)
        : undefined;
      return ok(
        await listAudit(deps.db, {
          orgId: org.value.id,
          since,
          action: input.action,
          limit: input.limit,
        }),
      );
    },
  };
}
