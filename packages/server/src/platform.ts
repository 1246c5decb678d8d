import { createLogger, type Logger, type TokenVerifier } from '@latchkey/core/node';
import { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import { type Auth, createAuth } from './accounts/auth.js';
import { createLogMailer, createSmtpMailer, type Mailer } from './accounts/mailer.js';
import type { ServerConfig } from './config.js';
import { type OpenDatabase, openDatabase } from './db/open-database.js';
import type { Database } from './db/schema.js';
import { createRealtime, type Realtime } from './realtime/realtime.js';
import { type AuditWriter, createAuditWriter } from './services/audit.js';
import { type Clock, systemClock } from './services/clock.js';
import { loadOrCreateSecret } from './services/dev-secret.js';
import { createMemoryBus, createPostgresBus, type EventBus } from './services/event-bus.js';
import { createKeyAuthenticator, type KeyAuthenticator } from './services/key-auth.js';
import { createLocalVerifier } from './services/local-token-verifier.js';
import { createMetrics, type Metrics } from './services/metrics.js';
import {
  createMemoryRateLimiter,
  createRedisRateLimiter,
  type RateLimiter,
} from './services/rate-limiter.js';
import { createSecretBox, type SecretBox } from './services/secret-box.js';
import { createSigningKeys, type SigningKeys } from './services/signing-keys.js';

/** Every service a running Latchkey needs, built once from the config. */
export interface Platform {
  config: ServerConfig;
  database: OpenDatabase;
  db: Kysely<Database>;
  clock: Clock;
  bus: EventBus;
  keys: KeyAuthenticator;
  signingKeys: SigningKeys;
  audit: AuditWriter;
  limiter: RateLimiter;
  metrics: Metrics;
  log: Logger;
  /** Seals secrets at rest (signing keys, runtime bearer secrets) under LATCHKEY_SECRET. */
  box: SecretBox;
  /** Verifies this platform's session tokens, offline, as a model host would. */
  verifyToken: TokenVerifier;
  /** Accounts: better-auth on this database (people, passwords, account sessions, TOTP). */
  auth: Auth;
  mailer: Mailer;
  /** Who may create an account (LATCHKEY_SIGNUP, else what `serve` decided). */
  signup: 'open' | 'invite' | 'closed';
  /** Sessions, jobs and the runtimes that serve them. */
  realtime: Realtime;
  /** `iss` of minted tokens: LATCHKEY_ISSUER, else the URL the server listens on. */
  readonly issuer: string;
  close(): Promise<void>;
}

function createRedisLimiter(url: string, clock: Clock, log: Logger): RateLimiter {
  const redis = new Redis(url, {
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    enableAutoPipelining: true,
    retryStrategy: (times) => Math.min(times * 100, 1_000),
  });
  // Without a listener ioredis prints every failed reconnect; log the first of each outage.
  let down = false;
  redis.on('error', (error) => {
    if (!down)
      log.warn('redis unreachable; minting answers 503 until it is back', { error: String(error) });
    down = true;
  });
  redis.on('ready', () => {
    if (down) log.info('redis reachable again');
    down = false;
  });
  return createRedisRateLimiter(redis, clock);
}

export interface PlatformOverrides {
  /** `iss` when LATCHKEY_ISSUER is unset; `startServer` passes the URL it listens on. */
  issuer?: string;
  clock?: Clock;
  log?: Logger;
  limiter?: RateLimiter;
  /** Sign-up policy when LATCHKEY_SIGNUP is unset (default `open`). */
  signup?: 'open' | 'invite' | 'closed';
}

export async function createPlatform(
  config: ServerConfig,
  overrides: PlatformOverrides = {},
): Promise<Platform> {
  const clock = overrides.clock ?? systemClock;
  const log = overrides.log ?? createLogger(config.log);
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const { db } = database;
  for (const warning of database.warnings) log.warn(warning);
  const bus =
    database.kind === 'postgres' && database.url
      ? await createPostgresBus(database.url, db as Kysely<unknown>)
      : createMemoryBus();
  const secret = config.secret ?? loadOrCreateSecret(config.dataDir, log);
  const box = createSecretBox(secret);
  const signingKeys = await createSigningKeys(db, box, clock);
  bus.subscribe((e) => {
    if (e.type === 'signing-keys-changed')
      signingKeys
        .reload()
        .catch((error) => log.error('signing key reload failed', { error: String(error) }));
  });
  bus.onResync(() => void signingKeys.reload().catch(() => undefined));
  const keys = createKeyAuthenticator({ db, clock, bus, recheckMs: config.recheckMs });
  const limiter =
    overrides.limiter ??
    (config.redisUrl
      ? createRedisLimiter(config.redisUrl, clock, log)
      : createMemoryRateLimiter(clock));
  const audit = createAuditWriter(db, clock);
  const issuer = config.issuer ?? overrides.issuer ?? `http://${config.host}:${config.port}`;
  const mailer = config.smtpUrl
    ? createSmtpMailer(config.smtpUrl, config.mailFrom, log)
    : createLogMailer(log, undefined, config.log === 'silent');
  const auth = createAuth({ db, issuer, secret, mailer, log });
  const platform: Platform = {
    config,
    database,
    db,
    clock,
    bus,
    keys,
    signingKeys,
    audit,
    limiter,
    metrics: createMetrics(),
    log,
    box,
    verifyToken: createLocalVerifier({ signingKeys, issuer, audience: config.audience, clock }),
    auth,
    mailer,
    signup: config.signup ?? overrides.signup ?? 'open',
    realtime: createRealtime({
      db,
      database,
      clock,
      bus,
      audit,
      log,
      signingKeys,
      box,
      issuer,
      audience: config.audience,
      iceServers: config.iceServers,
      turn: config.turn,
    }),
    issuer,
    async close() {
      await platform.realtime.stop();
      await audit.flush().catch(() => undefined);
      await keys.close();
      await bus.close();
      await limiter.close();
      mailer.close();
      await database.close();
    },
  };
  return platform;
}
