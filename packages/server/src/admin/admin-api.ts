import type { KeyKind } from '@latchkey/core';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import {
  type ApiKey,
  createApiKey,
  listApiKeys,
  revokeApiKey,
  rotateApiKey,
} from '../services/api-keys.js';
import { type AuditRecord, auditInTransaction, listAudit } from '../services/audit.js';
import type { Clock } from '../services/clock.js';
import type { EventBus } from '../services/event-bus.js';
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
    actor: string;
  }): Promise<Result<ApiKey>>;
  rotateKey(input: {
    id: string;
    graceSeconds?: number | undefined;
    actor: string;
  }): Promise<Result<{ key: ApiKey; secret: string; old: ApiKey }>>;
  rotateSigningKey(input: {
    actor: string;
  }): Promise<Result<{ kid: string; retired: string | null }>>;
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
}

export function createAdminApi(deps: AdminDeps): AdminApi {
  return {
    createOrg: (input) => createOrg(deps.db, deps.clock, input),
    createKey: (input) => createApiKey(deps, input),
    listKeys: (input) => listApiKeys(deps, input.org),
    revokeKey: (input) => revokeApiKey(deps, input),
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
