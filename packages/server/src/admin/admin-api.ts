import type { KeyKind, SessionState } from '@latchkey/core';
import type { Kysely } from 'kysely';
import type { ServerConfig } from '../config.js';
import type { Database } from '../db/schema.js';
import { type AdminSession, endKeySessions, listSessions } from '../realtime/key-sessions.js';
import {
  createRuntimeCredential,
  listRuntimes,
  type RuntimeSummary,
  revokeRuntime,
} from '../realtime/runtime-credentials.js';
import { type RegistryAuthConfig, registryAuthConfig } from '../registry/auth-config.js';
import { type RegistryCaInfo, registryAuthority } from '../registry/registry-authority.js';
import { revokeKeyAndCredentials } from '../registry/registry-credentials.js';
import {
  type ApiKey,
  createApiKey,
  getApiKey,
  listApiKeys,
  revokeApiKey,
  rotateApiKey,
} from '../services/api-keys.js';
import { type AuditRecord, auditInTransaction, listAudit } from '../services/audit.js';
import type { Clock } from '../services/clock.js';
import type { EventBus } from '../services/event-bus.js';
import type { Logger } from '../services/logger.js';
import { createOrg, findOrg, type Org } from '../services/orgs.js';
import { ok, type Result } from '../services/result.js';
import type { SigningKeys } from '../services/signing-keys.js';

/**
 * Operator actions. The CLI runs them directly on the database, or — when a
 * `latchkey serve` holds an embedded data dir — through that server's admin socket.
 */
export interface AdminApi {
  createOrg(input: {
    name: string;
    slug?: string | undefined;
    partner?: boolean | undefined;
    actor: string;
  }): Promise<Result<Org>>;
  createKey(input: {
    org: string;
    kind?: KeyKind | undefined;
    name?: string | undefined;
    expiresInSeconds?: number | undefined;
    actor: string;
  }): Promise<Result<{ key: ApiKey; secret: string }>>;
  listKeys(input: { org: string }): Promise<Result<ApiKey[]>>;
  revokeKey(input: {
    id: string;
    reason?: string | undefined;
    /** Also end the registry credentials the key issued. */
    cascade?: boolean | undefined;
    /** Also end, at once, the realtime sessions opened with tokens the key minted. */
    endSessions?: boolean | undefined;
    actor: string;
  }): Promise<Result<ApiKey & { credentialsEnded?: number; sessionsEnded?: number }>>;
  /** A credential for a `latchkey runtime` process; the secret is shown once. */
  createRuntime(input: {
    name: string;
    actor: string;
  }): Promise<Result<{ id: string; name: string; secret: string }>>;
  listRuntimes(input: Record<string, never>): Promise<Result<RuntimeSummary[]>>;
  revokeRuntime(input: {
    id: string;
    actor: string;
  }): Promise<Result<{ id: string; sessionsEnded: number }>>;
  listSessions(input: {
    org: string;
    state?: SessionState | 'open' | undefined;
    limit?: number | undefined;
  }): Promise<Result<AdminSession[]>>;
  rotateKey(input: {
    id: string;
    graceSeconds?: number | undefined;
    actor: string;
  }): Promise<Result<{ key: ApiKey; secret: string; old: ApiKey }>>;
  rotateSigningKey(input: {
    actor: string;
  }): Promise<Result<{ kid: string; retired: string | null }>>;
  /** The registry's `auth: token:` settings and the certificate bundle it must trust. */
  registryConfig(input: Record<string, never>): Promise<Result<RegistryAuthConfig>>;
  /** Stages a new registry CA, or (`activate`) starts signing with the staged one. */
  rotateRegistryCa(input: {
    activate?: boolean | undefined;
    actor: string;
  }): Promise<
    Result<{ staged?: RegistryCaInfo; active?: RegistryCaInfo; retired?: RegistryCaInfo | null }>
  >;
  audit(input: {
    org: string;
    sinceSeconds?: number | undefined;
    action?: string | undefined;
    limit?: number | undefined;
  }): Promise<Result<AuditRecord[]>>;
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
}

export function createAdminApi(deps: AdminDeps): AdminApi {
  return {
    createOrg: (input) => createOrg(deps.db, deps.clock, input),
    createKey: (input) => createApiKey(deps, input),
    listKeys: (input) => listApiKeys(deps, input.org),
    async revokeKey(input) {
      const revoked = input.cascade
        ? await revokeKeyAndCredentials(deps, input)
        : await revokeApiKey(deps, input);
      if (!input.endSessions) return revoked;
      // Like --cascade, --end-sessions also works on a key that is already revoked.
      if (!revoked.ok && revoked.code !== 'CONFLICT') return revoked;
      const key = revoked.ok ? revoked : await getApiKey(deps, input.id);
      if (!key.ok) return key;
      const sessionsEnded = await endKeySessions(deps, { keyId: input.id, actor: input.actor });
      return ok({ ...key.value, sessionsEnded });
    },
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
