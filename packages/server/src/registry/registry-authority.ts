import {
  createPrivateKey,
  generateKeyPairSync,
  type KeyObject,
  X509Certificate,
} from 'node:crypto';
import { newId } from '@latchkey/core';
import { createLogger, type Logger } from '@latchkey/core/node';
import type { Kysely } from 'kysely';
import type { ServerConfig } from '../config.js';
import type { Database } from '../db/schema.js';
import { iso, isoOrNull } from '../db/timestamps.js';
import { auditInTransaction } from '../services/audit.js';
import type { Clock } from '../services/clock.js';
import { loadOrCreateSecret } from '../services/dev-secret.js';
import type { EventBus } from '../services/event-bus.js';
import { fail, ok, type Result } from '../services/result.js';
import { createSecretBox, type SecretBox } from '../services/secret-box.js';
import type { TokenSigner } from './access-token.js';
import { createCertificate, libtrustKeyId } from './certificate.js';
import type { RegistryCaRow } from './schema.js';

/** Access tokens live this long; clients fetch a new one per push or pull anyway. */
export const ACCESS_TOKEN_SECONDS = 300;
const CA_YEARS = 10;
const LEAF_MS = 24 * 3600_000;
const LEAF_RENEW_MS = 3600_000;
// Backdated so a registry whose clock runs a little behind still accepts the chain.
const SKEW_MS = 5 * 60_000;
// After activation the old CA stays in the bundle while tokens under it can still be
// presented: token lifetime, the registry's 60 s leeway, other processes' reload lag.
export const RETIRED_OVERLAP_MS = 15 * 60_000;
const RELOAD_MS = 60_000;

export interface RegistryCaInfo {
  id: string;
  state: 'next' | 'active' | 'retired';
  createdAt: string;
  notAfter: string;
  activatedAt: string | null;
  /** A retired CA leaves the bundle after this. */
  publishUntil: string | null;
  /** SHA-256 of the certificate, colon-separated hex (as openssl prints it). */
  fingerprint: string;
}

/**
 * The certificate authority behind registry access tokens. Its certificate goes in
 * the registry's `rootcertbundle`; each process signs tokens with a short-lived leaf
 * key of its own, certified by the CA and sent as `x5c`, so the leaf never touches disk
 * and renewing it needs no change on the registry. The CA rotates in two steps
 * (stage, then activate) so old and new are both in the bundle during the overlap.
 */
export interface RegistryAuthority {
  /** The key and chain to sign an access token with now. */
  signer(): Promise<TokenSigner>;
  /** PEM bundle for the registry: staged, active and still-published retired CAs. */
  bundle(): Promise<{ pem: string; cas: RegistryCaInfo[] }>;
  /** Adds a new CA to the bundle without signing with it yet. */
  stage(actor: string): Promise<Result<RegistryCaInfo>>;
  /** Signs with the staged CA from now on; the old one stays in the bundle for the overlap. */
  activate(
    actor: string,
  ): Promise<Result<{ active: RegistryCaInfo; retired: RegistryCaInfo | null }>>;
}

export interface AuthorityDeps {
  db: Kysely<Database>;
  clock: Clock;
  bus: EventBus;
  config: ServerConfig;
  log?: Logger;
}

function info(row: RegistryCaRow): RegistryCaInfo {
  return {
    id: row.id,
    state: row.state,
    createdAt: iso(row.created_at),
    notAfter: iso(row.not_after),
    activatedAt: isoOrNull(row.activated_at),
    publishUntil: isoOrNull(row.publish_until),
    fingerprint: new X509Certificate(row.cert_pem).fingerprint256,
  };
}

const caSubject = (id: string) => `Latchkey registry token CA ${id}`;

const p256 = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });

async function newCaRow(box: SecretBox, now: number, state: 'next' | 'active') {
  const id = newId('sig', now);
  const { publicKey, privateKey } = p256();
  const notAfter = new Date(now + CA_YEARS * 365 * 86400_000);
  const subject = caSubject(id);
  const cert = await createCertificate({
    subject,
    issuer: subject,
    publicKey,
    signingKey: privateKey,
    issuerPublicKey: publicKey,
    notBefore: new Date(now - SKEW_MS),
    notAfter,
    ca: true,
  });
  return {
    id,
    state,
    cert_pem: cert.toString(),
    private_enc: box.seal(privateKey.export({ type: 'pkcs8', format: 'der' })),
    created_at: new Date(now),
    not_after: notAfter,
    activated_at: state === 'active' ? new Date(now) : null,
    retired_at: null,
    publish_until: null,
  };
}

function createAuthority(deps: AuthorityDeps): RegistryAuthority {
  const { clock, config } = deps;
  const db = deps.db;
  let box: SecretBox | undefined;
  const secretBox = () => {
    box ??= createSecretBox(
      config.secret ?? loadOrCreateSecret(config.dataDir, deps.log ?? createLogger('silent')),
    );
    return box;
  };

  let active: { id: string; cert: X509Certificate; key: KeyObject } | undefined;
  let leaf: { signer: TokenSigner; notBefore: number; notAfter: number } | undefined;
  let loadedAt = 0;
  let loading: Promise<void> | undefined;
  deps.bus.subscribe((e) => {
    if (e.type === 'signing-keys-changed') loadedAt = 0;
  });

  const load = async () => {
    let row = await db
      .selectFrom('registry_cas')
      .selectAll()
      .where('state', '=', 'active')
      .executeTakeFirst();
    if (!row) {
      try {
        await db
          .insertInto('registry_cas')
          .values(await newCaRow(secretBox(), clock.now(), 'active'))
          .execute();
      } catch {
        // Another process created the first CA at the same moment; use theirs.
      }
      row = await db
        .selectFrom('registry_cas')
        .selectAll()
        .where('state', '=', 'active')
        .executeTakeFirstOrThrow();
    }
    if (row.id !== active?.id) {
      active = {
        id: row.id,
        cert: new X509Certificate(row.cert_pem),
        key: createPrivateKey({
          key: secretBox().open(row.private_enc),
          format: 'der',
          type: 'pkcs8',
        }),
      };
      leaf = undefined;
    }
    loadedAt = clock.now();
  };
  const fresh = async () => {
    if (active && clock.now() - loadedAt < RELOAD_MS) return;
    loading ??= load().finally(() => {
      loading = undefined;
    });
    await loading;
  };

  const publish = () =>
    deps.bus
      .publish({ type: 'signing-keys-changed' })
      .catch((error) => deps.log?.warn('bus publish failed', { error: String(error) }));

  return {
    async signer() {
      await fresh();
      const ca = active as NonNullable<typeof active>;
      const now = clock.now();
      // Renewed ahead of its expiry, and after the clock stepped back past its start.
      if (!leaf || leaf.notAfter - now < LEAF_RENEW_MS || now < leaf.notBefore) {
        const { publicKey, privateKey } = p256();
        const notAfter = Math.min(now + LEAF_MS, new Date(ca.cert.validTo).getTime());
        const cert = await createCertificate({
          subject: 'Latchkey registry token signer',
          issuer: caSubject(ca.id),
          publicKey,
          signingKey: ca.key,
          issuerPublicKey: ca.cert.publicKey,
          notBefore: new Date(now - SKEW_MS),
          notAfter: new Date(notAfter),
          ca: false,
        });
        if (!cert.checkIssued(ca.cert) || !cert.verify(ca.cert.publicKey))
          throw new Error('registry leaf certificate does not chain to its CA');
        const made = {
          signer: { privateKey, x5c: [cert.raw.toString('base64')], kid: libtrustKeyId(publicKey) },
          notBefore: now - SKEW_MS,
          notAfter,
        };
        // A CA activated while this leaf was signed has dropped the cached leaf; keep it
        // dropped, or tokens would go on chaining to the old CA after it leaves the bundle.
        if (active?.id === ca.id) leaf = made;
        return made.signer;
      }
      return leaf.signer;
    },

    async bundle() {
      await fresh();
      const now = new Date(clock.now());
      const rows = await db
        .selectFrom('registry_cas')
        .selectAll()
        .where((eb) =>
          eb.or([eb('state', 'in', ['next', 'active']), eb('publish_until', '>', now)]),
        )
        .orderBy('created_at', 'asc')
        .execute();
      return {
        pem: `${rows.map((r) => r.cert_pem.trim()).join('\n')}\n`,
        cas: rows.map(info),
      };
    },

    async stage(actor) {
      await fresh();
      const staged = await db
        .selectFrom('registry_cas')
        .select('id')
        .where('state', '=', 'next')
        .executeTakeFirst();
      if (staged)
        return fail(
          'CONFLICT',
          `CA ${staged.id} is already staged; install the bundle, then activate it with --activate`,
        );
      const row = await newCaRow(secretBox(), clock.now(), 'next');
      try {
        await db.transaction().execute(async (trx) => {
          await trx.insertInto('registry_cas').values(row).execute();
          await auditInTransaction(trx, clock, {
            orgId: null,
            action: 'registry_ca.staged',
            actor,
            target: row.id,
            outcome: 'ok',
            data: { fingerprint: new X509Certificate(row.cert_pem).fingerprint256 },
          });
        });
      } catch (error) {
        if ((error as { code?: string }).code === '23505')
          return fail('CONFLICT', 'another CA was staged at the same moment');
        throw error;
      }
      await publish();
      return ok(info(row));
    },

    async activate(actor) {
      const now = clock.now();
      const result = await db.transaction().execute(async (trx) => {
        const next = await trx
          .selectFrom('registry_cas')
          .selectAll()
          .where('state', '=', 'next')
          .forUpdate()
          .executeTakeFirst();
        if (!next)
          return fail(
            'NOT_FOUND',
            'no staged CA to activate; run `latchkey admin registry rotate` first and install the bundle it leads to',
          );
        const retired = await trx
          .updateTable('registry_cas')
          .set({
            state: 'retired',
            retired_at: new Date(now),
            publish_until: new Date(now + RETIRED_OVERLAP_MS),
          })
          .where('state', '=', 'active')
          .returningAll()
          .executeTakeFirst();
        const activated = await trx
          .updateTable('registry_cas')
          .set({ state: 'active', activated_at: new Date(now) })
          .where('id', '=', next.id)
          .returningAll()
          .executeTakeFirstOrThrow();
        await auditInTransaction(trx, clock, {
          orgId: null,
          action: 'registry_ca.activated',
          actor,
          target: activated.id,
          outcome: 'ok',
          data: {
            retired: retired?.id ?? null,
            publishUntil: isoOrNull(retired?.publish_until ?? null),
          },
        });
        return ok({ active: info(activated), retired: retired ? info(retired) : null });
      });
      if (result.ok) {
        loadedAt = 0;
        await publish();
      }
      return result;
    },
  };
}

const authorities = new WeakMap<object, RegistryAuthority>();

/**
 * The one authority of a platform (or admin context), made on first use: the routes
 * and the admin API of one process share it, so an activation is seen at once.
 */
export function registryAuthority(deps: AuthorityDeps): RegistryAuthority {
  let a = authorities.get(deps);
  if (!a) {
    a = createAuthority(deps);
    authorities.set(deps, a);
  }
  return a;
}
