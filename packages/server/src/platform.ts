import { Redis } from 'ioredis';
import type { Kysely } from 'kysely';
import type { ServerConfig } from './config.js';
import { type OpenDatabase, openDatabase } from './db/open-database.js';
import type { Database } from './db/schema.js';
import { type AuditWriter, createAuditWriter } from './services/audit.js';
import { type Clock, systemClock } from './services/clock.js';
import { loadOrCreateSecret } from './services/dev-secret.js';
import { createMemoryBus, createPostgresBus, type EventBus } from './services/event-bus.js';
import { createKeyAuthenticator, type KeyAuthenticator } from './services/key-auth.js';
import { createLogger, type Logger } from './services/logger.js';
import { createMetrics, type Metrics } from './services/metrics.js';
import {
  createMemoryRateLimiter,
  createRedisRateLimiter,
  type RateLimiter,
} from './services/rate-limiter.js';
import { createSecretBox } from './services/secret-box.js';
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
  /** `iss` of minted tokens; set once the listening address is known. */
  issuer: string;
  close(): Promise<void>;
}

export interface PlatformOverrides {
  clock?: Clock;
  log?: Logger;
  limiter?: RateLimiter;
}

export async function createPlatform(
  config: ServerConfig,
  overrides: PlatformOverrides = {},
): Promise<Platform> {
  const clock = overrides.clock ?? systemClock;
  const log = overrides.log ?? createLogger(config.log);
  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const { db } = database;
  const bus =
    database.kind === 'postgres' && database.url
      ? await createPostgresBus(database.url, db as Kysely<unknown>)
      : createMemoryBus();
  const secret = config.secret ?? loadOrCreateSecret(config.dataDir, log);
  const signingKeys = await createSigningKeys(db, createSecretBox(secret), clock);
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
      ? createRedisRateLimiter(
          new Redis(config.redisUrl, {
            maxRetriesPerRequest: 1,
            enableOfflineQueue: true,
            lazyConnect: false,
          }),
          clock,
        )
      : createMemoryRateLimiter(clock));
  const audit = createAuditWriter(db, clock);
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
    issuer: config.issuer ?? `http://${config.host}:${config.port}`,
    async close() {
      await audit.flush().catch(() => undefined);
      await keys.close();
      await bus.close();
      await limiter.close();
      await database.close();
    },
  };
  return platform;
}
