import type { IceServer } from '@latchkey/core';
import {
  ConfigError,
  LOG_LEVELS,
  type LogLevel,
  NETWORK_ENV,
  type NetworkConfig,
  networkFrom,
  parseEnv,
} from '@latchkey/core/node';
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

const envSchema = NETWORK_ENV.extend({
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
  LATCHKEY_LOG: z.enum(LOG_LEVELS).default('info'),
  LATCHKEY_REGISTRY: z
    .string()
    .regex(
      /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/,
      'must be HOST or HOST:PORT with no scheme, e.g. registry.example.com or 127.0.0.1:5000',
    )
    .optional(),
  LATCHKEY_REGISTRY_SERVICE: z.string().min(1).max(200).default('latchkey-registry'),
  LATCHKEY_REGISTRY_ISSUER: z.string().min(1).max(200).default('latchkey'),
  LATCHKEY_SIGNUP: z.enum(['open', 'invite', 'closed']).optional(),
  LATCHKEY_SMTP_URL: z
    .string()
    .regex(
      /^smtps?:\/\//,
      'must start with smtp:// or smtps://, e.g. smtp://user:pass@mail.example.com:587',
    )
    .optional(),
  LATCHKEY_MAIL_FROM: z.string().min(3).max(200).default('Latchkey <latchkey@localhost>'),
  LATCHKEY_SIGNIN_PER_IP: intFrom(30, 0, 1_000_000),
  LATCHKEY_SIGNIN_FAILURES_PER_ACCOUNT: intFrom(10, 0, 1_000_000),
  LATCHKEY_EMBEDDED_RUNTIME: z.enum(['true', 'false', '1', '0']).default('true'),
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

export interface ServerConfig extends NetworkConfig {
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
  log: LogLevel;
  /** The container registry the platform fronts (HOST[:PORT]); none when unset. */
  registry: string | undefined;
  /** `service` of the registry's token auth, and `aud` of its access tokens. */
  registryService: string;
  /** `issuer` of the registry's token auth, and `iss` of its access tokens. */
  registryIssuer: string;
  /**
   * Who may create an account: anyone (`open`), holders of an invitation link
   * (`invite`), or nobody but instance admins (`closed`). Unset: `open` when the
   * server bootstraps a development org, `closed` with --no-bootstrap.
   */
  signup: 'open' | 'invite' | 'closed' | undefined;
  /** Account mail (verification, password reset, invitations); the log when unset. */
  smtpUrl: string | undefined;
  mailFrom: string;
  /** Sign-in and sign-up attempts per client IP per minute; 0 is no limit. */
  signInPerIp: number;
  /** Failed sign-ins per account per 15 minutes before it is held off; 0 is no limit. */
  signInFailuresPerAccount: number;
  /** Host the demo and configured models in this process (`serve --no-runtime` turns it off). */
  embeddedRuntime: boolean;
  /** STUN/TURN servers handed to browsers with each new session. */
  iceServers: IceServer[];
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
    signup: e.LATCHKEY_SIGNUP,
    smtpUrl: e.LATCHKEY_SMTP_URL,
    mailFrom: e.LATCHKEY_MAIL_FROM,
    signInPerIp: e.LATCHKEY_SIGNIN_PER_IP,
    signInFailuresPerAccount: e.LATCHKEY_SIGNIN_FAILURES_PER_ACCOUNT,
    embeddedRuntime: e.LATCHKEY_EMBEDDED_RUNTIME === 'true' || e.LATCHKEY_EMBEDDED_RUNTIME === '1',
    iceServers: (e.LATCHKEY_ICE_SERVERS ?? []) as IceServer[],
    ...networkFrom(e),
  };
}

export { ConfigError };
