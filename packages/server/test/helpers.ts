// Shared set-up for the server's integration tests: temp data dirs, throw-away

// PostgreSQL databases, and the rule that a missing service fails under CI.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { it, vi } from 'vitest';
import { loadConfig, type ServerConfig } from '../src/index.js';

export const PG_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const IN_CI = process.env.CI === 'true';
/** ≥ 32 characters, fresh per run. */
export const TEST_SECRET = `test-secret-${randomBytes(24).toString('hex')}`;

export interface TempDir {
  dir: string;
  remove(): void;
}

export function tempDir(label = 'latchkey-test-'): TempDir {
  const dir = mkdtempSync(join(tmpdir(), label));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Config for an embedded (PGlite) server on a random loopback port. */
export function embeddedConfig(dataDir: string, env: Record<string, string> = {}): ServerConfig {
  return loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LATCHKEY_DATA_DIR: dataDir,
    LATCHKEY_LOG: 'silent',
    ...env,
  });
}

/** Config for a server or platform on PostgreSQL. */
export function postgresConfig(
  databaseUrl: string,
  dataDir: string,
  env: Record<string, string> = {},
): ServerConfig {
  return embeddedConfig(dataDir, {
    DATABASE_URL: databaseUrl,
    LATCHKEY_SECRET: TEST_SECRET,
    ...env,
  });
}

/** True when something accepts TCP connections at the URL's host and port. */
export function tcpReachable(url: string, defaultPort: number, timeoutMs = 1500): Promise<boolean> {
  const u = new URL(url);
  const host = u.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
  const port = Number(u.port || defaultPort);
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (v: boolean) => {
      s.destroy();
      resolve(v);
    };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.setTimeout(timeoutMs, () => done(false));
  });
}

/** Whether PostgreSQL answers a query at PG_URL. */
export async function postgresAvailable(): Promise<boolean> {
  if (!(await tcpReachable(PG_URL, 5432))) return false;
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Decides whether a suite that needs an outside service runs. Under CI=true a
 * missing service is a failure (the suite runs and its set-up throws); locally
 * the suite is skipped with a message that says why.
 */
export function serviceGate(name: string, url: string, available: boolean): boolean {
  if (available) return true;
  if (IN_CI) return true;
  console.warn(
    `[latchkey tests] ${name} is not reachable at ${redactUrl(url)}: skipping its suite locally ` +
      `(under CI=true this is a failure). Start it with: node scripts/test-setup.mjs`,
  );
  return false;
}

export function requireService(name: string, url: string, available: boolean): void {
  if (!available) {
    throw new Error(
      `${name} is not reachable at ${redactUrl(url)}; the suite needs it${IN_CI ? ' (CI=true: failing, not skipping)' : ''}`,
    );
  }
}

const redactUrl = (url: string) => url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** Creates a fresh database `lk_<random>` on the PostgreSQL at PG_URL. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `lk_${randomBytes(8).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5000 });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(PG_URL);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 5000 });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}

/**
 * Waits (vi.waitFor) until `check` returns a value other than undefined, and returns it;
 * fails with `what` and the last error at the deadline. The deadline bounds a hang, it
 * asserts no speed.
 */
export function pollUntil<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 10,
): Promise<T> {
  return vi.waitFor(
    async () => {
      const value = await check();
      if (value === undefined) throw new Error(`still waiting for ${what}`);
      return value;
    },
    { timeout: timeoutMs, interval: intervalMs },
  );
}

export interface ErrorBody {
  error: { code: string; message: string; requestId: string; docs: string };
}

/** Asserts the shape every error response shares and returns its body. */
export async function readError(res: Response): Promise<ErrorBody> {
  const body = (await res.json()) as ErrorBody;
  if (!body || typeof body !== 'object' || !body.error) {
    throw new Error(`not an error envelope: ${JSON.stringify(body)}`);
  }
  return body;
}

/**
 * Registers a test only for the backend it concerns, so a variant-specific test
 * is absent from the other variant instead of showing up as skipped.
 */
export const itWhen = (condition: boolean): typeof it =>
  condition ? it : ((() => undefined) as unknown as typeof it);
