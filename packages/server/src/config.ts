import { formatIssues, type IceServer } from '@latchkey/core';
import type { TurnConfig } from '@latchkey/core/node';
import { z } from 'zod';
import { parseTrustProxy, type TrustProxy } from './http/client-ip.js';

const intFrom = (def: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(def);

const iceServers = z
  .array(
    z.strictObject({
      urls: z.union([
        z.string().regex(/^(stun|stuns|turn|turns):/),
        z.array(z.string().regex(/^(stun|stuns|turn|turns):/)).min(1),
      ]),
      username: z.string().optional(),
      credential: z.string().optional(),
    }),
  )
  .max(8);

const ipList = (example: string) =>
  z
    .string()
    .transform((text) => text.split(',').map((a) => a.trim()))
    .pipe(
      z
        .array(
          z.union([z.ipv4(), z.ipv6()], {
            message: `must be IP addresses separated by commas, e.g. ${example}`,
          }),
        )
        .min(1),
    );

const envSchema = z.object({
  PORT: intFrom(8787, 0, 65535),
  HOST: z.string().min(1).default('127.0.0.1'),
  LATCHKEY_DATA_DIR: z.string().min(1).default('.latchkey-data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
  LATCHKEY_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .optional(),
  LATCHKEY_ISSUER: z.string().url().optional(),
  LATCHKEY_AUDIENCE: z.string().min(1).default('latchkey'),
  LATCHKEY_MINT_RATE_PER_KEY: intFrom(200, 0, 1_000_000),
  LATCHKEY_AUTH_FAILURES_PER_IP: intFrom(30, 0, 1_000_000),
  LATCHKEY_RECHECK_SECONDS: intFrom(15, 1, 60),
  LATCHKEY_TRUST_PROXY: z
    .string()
    .default('false')
    .transform((text, ctx) => {
      try {
        return parseTrustProxy(text);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    }),
  LATCHKEY_LOG: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  LATCHKEY_REGISTRY: z
    .string()
    .regex(
      /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/,
      'must be HOST or HOST:PORT with no scheme, e.g. registry.example.com or 127.0.0.1:5000',
    )
    .optional(),
  LATCHKEY_REGISTRY_SERVICE: z.string().min(1).max(200).default('latchkey-registry'),
  LATCHKEY_REGISTRY_ISSUER: z.string().min(1).max(200).default('latchkey'),
  LATCHKEY_EMBEDDED_RUNTIME: z.enum(['true', 'false', '1', '0']).default('true'),
  LATCHKEY_ICE_HOST_ADDRESSES: ipList('127.0.0.1,192.168.1.20').optional(),
  LATCHKEY_ICE_ANNOUNCED_ADDRESS: ipList('203.0.113.10').optional(),
  LATCHKEY_RTC_PORTS: z
    .string()
    .transform((text, ctx) => {
      const m = /^(\d{1,5})-(\d{1,5})$/.exec(text.trim());
      const [first, last] = [Number(m?.[1]), Number(m?.[2])];
      if (!m || first < 1 || last > 65535 || first > last) {
        ctx.addIssue({
          code: 'custom',
          message: 'must be a UDP port range FIRST-LAST within 1-65535, e.g. 50000-50100',
        });
        return z.NEVER;
      }
      return [first, last] as [number, number];
    })
    .optional(),
  LATCHKEY_TURN_URLS: z
    .string()
    .transform((text) => text.split(',').map((u) => u.trim()))
    .pipe(
      z
        .array(
          z.string().regex(/^turns?:[^\s?]+(\?transport=(udp|tcp))?$/, {
            message:
              'must be turn: or turns: URLs separated by commas, e.g. turn:turn.example.com:3478?transport=udp',
          }),
        )
        .min(1)
        .max(8),
    )
    .optional(),
  // The message never repeats the value: it is a secret.
  LATCHKEY_TURN_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  LATCHKEY_ICE_SERVERS: z
    .string()
    .transform((text, ctx) => {
      try {
        return iceServers.parse(JSON.parse(text));
      } catch {
        ctx.addIssue({
          code: 'custom',
          message:
            'must be a JSON array of {urls, username?, credential?}, e.g. [{"urls":"stun:stun.example.com:3478"}]',
        });
        return z.NEVER;
      }
    })
    .optional(),
});

export interface ServerConfig {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  secret: string | undefined;
  redisUrl: string | undefined;
  /** `iss` of session tokens; defaults to the URL the server listens on. */
  issuer: string | undefined;
  audience: string;
  /** Session tokens minted per key per second; 0 is no limit. Burst is twice this. */
  mintRatePerKey: number;
  /** Failed authentications per client IP per minute; 0 is no limit. */
  authFailuresPerIp: number;
  recheckMs: number;
  /** Which X-Forwarded-For entries to believe (see http/client-ip.ts). */
  trustProxy: TrustProxy;
  log: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** The container registry the platform fronts (HOST[:PORT]); none when unset. */
  registry: string | undefined;
  /** `service` of the registry's token auth, and `aud` of its access tokens. */
  registryService: string;
  /** `issuer` of the registry's token auth, and `iss` of its access tokens. */
  registryIssuer: string;
  /** Host the demo and configured models in this process (`serve --no-runtime` turns it off). */
  embeddedRuntime: boolean;
  /** The addresses the embedded runtime offers as ICE host candidates; undefined: every interface and loopback. */
  iceHostAddresses: string[] | undefined;
  /** Public addresses the embedded runtime offers instead (1:1 NAT). */
  iceAnnouncedAddresses: string[] | undefined;
  /** UDP ports the embedded runtime's media may use. */
  rtcPorts: [number, number] | undefined;
  /** STUN/TURN servers handed to browsers with each new session. */
  iceServers: IceServer[];
  /** A TURN server (coturn, use-auth-secret): each new session gets credentials that end with it. */
  turn: TurnConfig | undefined;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Where realtime media is reached: the runtime's ICE settings and the TURN server. */
export type NetworkConfig = Pick<
  ServerConfig,
  'iceHostAddresses' | 'iceAnnouncedAddresses' | 'rtcPorts' | 'turn'
>;

const networkSchema = envSchema.pick({
  LATCHKEY_ICE_HOST_ADDRESSES: true,
  LATCHKEY_ICE_ANNOUNCED_ADDRESS: true,
  LATCHKEY_RTC_PORTS: true,
  LATCHKEY_TURN_URLS: true,
  LATCHKEY_TURN_SECRET: true,
});

function networkFrom(e: z.infer<typeof networkSchema>): NetworkConfig {
  if (!e.LATCHKEY_TURN_URLS !== !e.LATCHKEY_TURN_SECRET) {
    throw new ConfigError(
      e.LATCHKEY_TURN_URLS
        ? 'LATCHKEY_TURN_SECRET: required with LATCHKEY_TURN_URLS (the static-auth-secret coturn shares)'
        : 'LATCHKEY_TURN_URLS: required with LATCHKEY_TURN_SECRET (where browsers reach the TURN server)',
    );
  }
  return {
    iceHostAddresses: e.LATCHKEY_ICE_HOST_ADDRESSES,
    iceAnnouncedAddresses: e.LATCHKEY_ICE_ANNOUNCED_ADDRESS,
    rtcPorts: e.LATCHKEY_RTC_PORTS,
    turn:
      e.LATCHKEY_TURN_URLS && e.LATCHKEY_TURN_SECRET
        ? { urls: e.LATCHKEY_TURN_URLS, secret: e.LATCHKEY_TURN_SECRET }
        : undefined,
  };
}

function parseEnv<T extends z.ZodType>(
  schema: T,
  env: Record<string, string | undefined>,
): z.infer<T> {
  const clean = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const parsed = schema.safeParse(clean);
  if (!parsed.success) {
    throw new ConfigError(
      formatIssues(parsed.error.issues, { max: 1, root: 'environment' }) || 'environment: invalid',
    );
  }
  return parsed.data;
}

/**
 * The realtime network settings alone, for a runtime in its own process
 * (`latchkey runtime`): the same variables and checks as `loadConfig`.
 */
export function loadNetworkConfig(
  env: Record<string, string | undefined> = process.env,
): NetworkConfig {
  return networkFrom(parseEnv(networkSchema, env));
}

/** Parses configuration from the environment once, at start-up; names the variable at fault. */
export function loadConfig(env: Record<string, string | undefined> = process.env): ServerConfig {
  const e = parseEnv(envSchema, env);
  if (e.DATABASE_URL && !e.LATCHKEY_SECRET) {
    throw new ConfigError(
      'LATCHKEY_SECRET: required with DATABASE_URL (every process must share it to read the signing keys)',
    );
  }
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: e.LATCHKEY_DATA_DIR,
    databaseUrl: e.DATABASE_URL,
    secret: e.LATCHKEY_SECRET,
    redisUrl: e.REDIS_URL,
    issuer: e.LATCHKEY_ISSUER?.replace(/\/$/, ''),
    audience: e.LATCHKEY_AUDIENCE,
    mintRatePerKey: e.LATCHKEY_MINT_RATE_PER_KEY,
    authFailuresPerIp: e.LATCHKEY_AUTH_FAILURES_PER_IP,
    recheckMs: e.LATCHKEY_RECHECK_SECONDS * 1000,
    trustProxy: e.LATCHKEY_TRUST_PROXY,
    log: e.LATCHKEY_LOG,
    registry: e.LATCHKEY_REGISTRY,
    registryService: e.LATCHKEY_REGISTRY_SERVICE,
    registryIssuer: e.LATCHKEY_REGISTRY_ISSUER,
    embeddedRuntime: e.LATCHKEY_EMBEDDED_RUNTIME === 'true' || e.LATCHKEY_EMBEDDED_RUNTIME === '1',
    iceServers: (e.LATCHKEY_ICE_SERVERS ?? []) as IceServer[],
    ...networkFrom(e),
  };
}
