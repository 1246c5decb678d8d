// The management API's audit (filters, cursor pages, the streamed export) and usage,
// through the real HTTP server, on PGlite and on real PostgreSQL. The export of 100,000
// rows is read through the socket while the server's retained heap is measured: it
// must stay flat, far below the size of what was sent.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, type RunningServer } from '../src/index.js';
import {
  createTestDatabase,
  embeddedConfig,
  PG_URL,
  postgresAvailable,
  postgresConfig,
  readError,
  requireService,
  serviceGate,
  type TempDir,
  type TestDatabase,
  tempDir,
} from './helpers.js';
import { startServer } from './serve-with-runtime.js';

const pgUp = await postgresAvailable();
const backends = [
  { name: 'pglite' as const, run: true },
  { name: 'postgres' as const, run: serviceGate('PostgreSQL', PG_URL, pgUp) },
];

// A full collection on demand, so what is measured is what is held, not garbage.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const retainedHeap = () => {
  gc();
  return process.memoryUsage().heapUsed;
};

const BULK = 100_000;

interface AuditEvent {
  seq: number;
  id: string;
  at: string;
  action: string;
  actor: string;
  target: string | null;
  data: Record<string, unknown>;
}

describe.each(backends)('management audit and usage on $name', (backend) => {
  describe.skipIf(!backend.run)('suite', () => {
    let dir: TempDir;
    let database: TestDatabase | undefined;
    let server: RunningServer;
    let owner: string;
    let ownerId: string;
    let org: string;
    let orgId: string;
    let bulkOrg: string;
    let bulkOrgId: string;

    const call = (method: string, path: string, opts: { body?: unknown; bearer?: string } = {}) =>
      fetch(server.url + path, {
        method,
        headers: {
          cookie: owner,
          ...(opts.bearer ? { authorization: `Bearer ${opts.bearer}`, cookie: '' } : {}),
          ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
      });
    const json = async <T>(res: Response, status = 200): Promise<T> => {
      const text = await res.text();
      expect(res.status, text.slice(0, 300)).toBe(status);
      return JSON.parse(text) as T;
    };

    beforeAll(async () => {
      dir = tempDir('lk-mgmt-audit-');
      const env = {
        LATCHKEY_SIGNUP: 'open',
        LATCHKEY_MINT_RATE_PER_KEY: '0',
        LATCHKEY_AUTH_FAILURES_PER_IP: '0',
      };
      if (backend.name === 'postgres') {
        requireService('PostgreSQL', PG_URL, pgUp);
        database = await createTestDatabase();
      }
      const config = database
        ? postgresConfig(database.url, dir.dir, env)
        : embeddedConfig(dir.dir, env);
      server = await startServer(config, { bootstrap: false, log: createLogger('warn', () => {}) });
      const res = await fetch(`${server.url}/v1/auth/sign-up/email`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          email: `audit-${Date.now()}@example.com`,
          password: 'correct horse battery',
        }),
      });
      ownerId = ((await res.json()) as { user: { id: string } }).user.id;
      owner = (res.headers.getSetCookie()[0] ?? '').split(';')[0] ?? '';
      const made = await json<{ id: string; slug: string }>(
        await call('POST', '/v1/orgs', { body: { name: 'Audited' } }),
        201,
      );
      org = made.slug;
      orgId = made.id;
      const bulk = await json<{ id: string; slug: string }>(
        await call('POST', '/v1/orgs', { body: { name: 'Bulk' } }),
        201,
      );
      bulkOrg = bulk.slug;
      bulkOrgId = bulk.id;
    });

    afterAll(async () => {
      await server?.close();
      await database?.drop();
      dir?.remove();
    });

    it('pages newest first with an opaque cursor, never skipping or repeating a row', async () => {
      for (let i = 0; i < 7; i++)
        await json(await call('POST', `/v1/orgs/${org}/keys`, { body: { name: `k${i}` } }), 201);
      const seen: AuditEvent[] = [];
      let cursor: string | null = null;
      do {
        const page: { data: AuditEvent[]; nextCursor: string | null } = await json(
          await call(
            'GET',
            `/v1/orgs/${org}/audit?action=key.created&limit=3${cursor ? `&cursor=${cursor}` : ''}`,
          ),
        );
        expect(page.data.length).toBeLessThanOrEqual(3);
        seen.push(...page.data);
        cursor = page.nextCursor;
        if (cursor) expect(cursor).not.toMatch(/^\d+$/);
      } while (cursor);
      expect(seen.map((e) => e.data.name)).toEqual(['k6', 'k5', 'k4', 'k3', 'k2', 'k1', 'k0']);
      expect(new Set(seen.map((e) => e.id)).size).toBe(7);
      expect(seen.every((e) => e.actor === `user:${ownerId}`)).toBe(true);

      // actor, key, since and until filter; until is exclusive.
      const key = seen[3]?.target as string;
      const byKey = await json<{ data: AuditEvent[] }>(
        await call('GET', `/v1/orgs/${org}/audit?key=${key}`),
      );
      expect(byKey.data.map((e) => e.action)).toEqual(['key.created']);
      const at = seen[3]?.at as string;
      const since = await json<{ data: AuditEvent[] }>(
        await call('GET', `/v1/orgs/${org}/audit?action=key.created&since=${at}`),
      );
      expect(since.data.length).toBeGreaterThanOrEqual(4);
      const until = await json<{ data: AuditEvent[] }>(
        await call('GET', `/v1/orgs/${org}/audit?action=key.created&until=2000-01-01`),
      );
      expect(until.data).toEqual([]);
      const none = await json<{ data: AuditEvent[] }>(
        await call('GET', `/v1/orgs/${org}/audit?actor=cli:nobody`),
      );
      expect(none.data).toEqual([]);
    });

    it('names the bad query parameter (400 INVALID_REQUEST)', async () => {
      const cases: Array<[string, RegExp]> = [
        ['since=yesterday', /^since: /],
        ['until=2026-13-45T99:00:00Z', /^until: /],
        ['limit=501', /^limit: /],
        ['limit=abc', /^limit: /],
        ['cursor=bogus', /^cursor: /],
      ];
      for (const [query, message] of cases) {
        const res = await call('GET', `/v1/orgs/${org}/audit?${query}`);
        expect(res.status, query).toBe(400);
        const { error } = await readError(res);
        expect(error.code).toBe('INVALID_REQUEST');
        expect(error.message, query).toMatch(message);
      }
      const res = await call('GET', `/v1/orgs/${org}/audit/export?format=xml`);
      expect((await readError(res)).error.message).toMatch(/^format: /);
    });

    it(`streams ${BULK.toLocaleString('en')} rows as NDJSON and CSV, oldest first, with flat memory`, async () => {
      const db = server.platform.db;
      await sql`
        insert into audit_events (id, org_id, at, action, actor, target, outcome, ip, user_agent, request_id, data)
        select 'evt_' || lpad(g::text, 22, '0'), ${bulkOrgId},
          timestamptz '2026-01-01T00:00:00Z' + g * interval '1 second',
          'test.bulk', 'user:bulk', 'key_' || lpad((g % 97)::text, 22, '0'), 'ok',
          '10.0.' || (g % 200) || '.' || (g % 250), 'agent "quoted", with commas', 'req_' || g,
          jsonb_build_object('n', g, 'note', 'a,b "c"' || chr(10) || 'line two', 'nested', jsonb_build_object('ok', true))
        from generate_series(1, ${BULK}) as g`.execute(db);

      const measured: Record<string, unknown> = {};
      for (const format of ['ndjson', 'csv'] as const) {
        const baseline = retainedHeap();
        const rssBefore = process.memoryUsage().rss;
        const started = performance.now();
        const res = await call('GET', `/v1/orgs/${bulkOrg}/audit/export?format=${format}`);
        expect(res.status).toBe(200);
        expect(res.headers.get('content-type')).toMatch(format === 'csv' ? /^text\/csv/ : /ndjson/);
        expect(res.headers.get('content-disposition')).toMatch(
          new RegExp(`^attachment; filename="audit-${bulkOrg}-\\d{4}-\\d{2}-\\d{2}\\.${format}"$`),
        );
        const reader = (res.body as ReadableStream<Uint8Array>).getReader();
        const decoder = new TextDecoder();
        let bytes = 0;
        let lines = 0;
        let partial = '';
        let first: string | undefined;
        let last: string | undefined;
        let chunks = 0;
        let peak = 0;
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          bytes += value.byteLength;
          const text = partial + decoder.decode(value, { stream: true });
          const parts = text.split('\n');
          partial = parts.pop() ?? '';
          // Before the bulk rows: the CSV header, and the org's own org.created row.
          if (first === undefined) first = parts[format === 'csv' ? 2 : 1];
          if (parts.length > 0) last = parts[parts.length - 1];
          lines += parts.length;
          // Every few chunks, what the process holds after a full collection.
          if (++chunks % 8 === 0) peak = Math.max(peak, retainedHeap() - baseline);
        }
        const seconds = (performance.now() - started) / 1000;
        peak = Math.max(peak, retainedHeap() - baseline);
        const rssGrowth = process.memoryUsage().rss - rssBefore;
        measured[format] = { bytes, lines, seconds, retainedHeapGrowth: peak, rssGrowth };

        if (format === 'ndjson') {
          expect(partial).toBe('');
          expect(lines).toBe(BULK + 1);
          expect(JSON.parse(last as string)).toMatchObject({
            id: `evt_${String(BULK).padStart(22, '0')}`,
            data: { n: BULK },
          });
          const row = JSON.parse(first as string);
          expect(row).toMatchObject({
            id: `evt_${'1'.padStart(22, '0')}`,
            orgId: bulkOrgId,
            at: '2026-01-01T00:00:01.000Z',
            action: 'test.bulk',
            actor: 'user:bulk',
            ip: '10.0.1.1',
            userAgent: 'agent "quoted", with commas',
            requestId: 'req_1',
            data: { n: 1, note: 'a,b "c"\nline two', nested: { ok: true } },
          });
        } else {
          expect(lines).toBe(2 + BULK);
          expect(last).toMatch(/,req_100000,"\{""n"": ?100000,/);
          expect(first).toMatch(
            new RegExp(
              `^\\d+,evt_0{21}1,2026-01-01T00:00:01.000Z,${bulkOrgId},test.bulk,user:bulk,key_0{21}1,ok,10.0.1.1,"agent ""quoted"", with commas",req_1,"\\{""n"": ?1,`,
            ),
          );
        }
        // The whole export is tens of megabytes; the server holds about one page of it.
        expect(bytes).toBeGreaterThan(20_000_000);
        expect(peak, JSON.stringify(measured[format])).toBeLessThan(bytes / 4);
        expect(peak, JSON.stringify(measured[format])).toBeLessThan(8_000_000);
      }
      console.log(`[audit export on ${backend.name}] ${JSON.stringify(measured)}`);
    }, 300_000);

    it('exports the last row last and honours the filters', async () => {
      const res = await call(
        'GET',
        `/v1/orgs/${bulkOrg}/audit/export?format=ndjson&since=2026-01-02T03:00:00Z&key=key_${'0'.padStart(22, '0')}`,
      );
      const body = await res.text();
      expect(res.status, body.slice(0, 300)).toBe(200);
      expect(body.length, res.url).toBeGreaterThan(0);
      const rows = body
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as AuditEvent);
      // Row g is at g seconds past 2026-01-01: from g = 97,200 to the last, the multiples of 97.
      const from = (Date.parse('2026-01-02T03:00:00Z') - Date.parse('2026-01-01T00:00:00Z')) / 1000;
      expect(rows.length).toBe(Math.floor(BULK / 97) - Math.floor((from - 1) / 97));
      expect(rows[0]?.data.n).toBe(97 * Math.ceil(from / 97));
      expect(rows[rows.length - 1]?.data.n).toBe(97 * Math.floor(BULK / 97));
      expect(rows.every((r, i) => i === 0 || r.seq > (rows[i - 1]?.seq ?? 0))).toBe(true);
      // And the list's last page ends at the oldest row.
      const oldest = await json<{ data: AuditEvent[] }>(
        await call('GET', `/v1/orgs/${bulkOrg}/audit?until=2026-01-01T00:00:03Z`),
      );
      expect(oldest.data.map((e) => e.data.n)).toEqual([2, 1]);
    });

    it('counts usage per UTC day, zeros included, from audit rows and sessions', async () => {
      const db = server.platform.db;
      const keyA = `key_${'A'.repeat(22)}`;
      const keyB = `key_${'B'.repeat(22)}`;
      const row = (at: string, action: string, actor: string, n: number) => ({
        id: `evt_u${action.replace('.', '')}${n}`.padEnd(26, 'x').slice(0, 26),
        org_id: orgId,
        at: new Date(at),
        action,
        actor,
        target: null,
        outcome: action === 'auth.failed' ? 'API_KEY_REVOKED' : 'ok',
        ip: null,
        user_agent: null,
        request_id: null,
        data: JSON.stringify(action === 'auth.failed' ? {} : { keyId: actor }),
      });
      await db
        .insertInto('audit_events')
        .values([
          row('2025-03-01T00:00:00Z', 'token.minted', keyA, 1),
          row('2025-03-01T23:59:59Z', 'token.minted', keyA, 2),
          row('2025-03-01T12:00:00Z', 'token.minted', keyB, 3),
          row('2025-03-03T08:00:00Z', 'job.submitted', keyB, 4),
          row('2025-03-03T09:00:00Z', 'auth.failed', 'rk_…abcd', 5),
          row('2025-03-04T00:00:00Z', 'token.minted', keyA, 6), // the day after `to`
        ])
        .execute();
      const session = (id: string, key: string, created: string, closed: string | null) => ({
        id: `ses_${id.padEnd(22, '0')}`,
        org_id: orgId,
        key_id: key,
        token_id: `tok_${id.padEnd(22, '0')}`,
        owner_ref: null,
        model: 'echo',
        state: closed ? ('closed' as const) : ('active' as const),
        close_reason: closed ? ('client_closed' as const) : null,
        runtime_id: 'rt_none',
        origin: null,
        created_at: new Date(created),
        active_at: null,
        closed_at: closed ? new Date(closed) : null,
        expires_at: new Date('2099-01-01T00:00:00Z'),
      });
      await db
        .insertInto('sessions')
        .values([
          // 23:30 to 00:45: 30 minutes on day 1, 45 on day 2.
          session('a', keyA, '2025-03-01T23:30:00Z', '2025-03-02T00:45:00Z'),
          session('b', keyB, '2025-03-02T10:00:00Z', '2025-03-02T10:10:00Z'),
        ])
        .execute();

      const usage = await json<{
        from: string;
        to: string;
        days: Array<Record<string, number | string>>;
      }>(await call('GET', `/v1/orgs/${org}/usage?from=2025-02-28&to=2025-03-03`));
      expect(usage).toEqual({
        from: '2025-02-28',
        to: '2025-03-03',
        days: [
          {
            day: '2025-02-28',
            tokensMinted: 0,
            sessionsStarted: 0,
            sessionMinutes: 0,
            jobs: 0,
            failedAuths: 0,
          },
          {
            day: '2025-03-01',
            tokensMinted: 3,
            sessionsStarted: 1,
            sessionMinutes: 30,
            jobs: 0,
            failedAuths: 0,
          },
          {
            day: '2025-03-02',
            tokensMinted: 0,
            sessionsStarted: 1,
            sessionMinutes: 55,
            jobs: 0,
            failedAuths: 0,
          },
          {
            day: '2025-03-03',
            tokensMinted: 0,
            sessionsStarted: 0,
            sessionMinutes: 0,
            jobs: 1,
            failedAuths: 1,
          },
        ],
      });
      const onlyA = await json<{ days: Array<Record<string, number | string>> }>(
        await call('GET', `/v1/orgs/${org}/usage?from=2025-03-01&to=2025-03-02&key=${keyA}`),
      );
      expect(onlyA.days).toEqual([
        {
          day: '2025-03-01',
          tokensMinted: 2,
          sessionsStarted: 1,
          sessionMinutes: 30,
          jobs: 0,
          failedAuths: 0,
        },
        {
          day: '2025-03-02',
          tokensMinted: 0,
          sessionsStarted: 0,
          sessionMinutes: 45,
          jobs: 0,
          failedAuths: 0,
        },
      ]);

      // An open session counts up to now; the default range is the last 30 days.
      const started = new Date(Date.now() - 10 * 60_000);
      await db
        .insertInto('sessions')
        .values(session('c', keyA, started.toISOString(), null))
        .execute();
      const recent = await json<{ days: Array<{ day: string; sessionMinutes: number }> }>(
        await call('GET', `/v1/orgs/${org}/usage`),
      );
      expect(recent.days).toHaveLength(30);
      expect(recent.days[29]?.day).toBe(new Date().toISOString().slice(0, 10));
      const minutes = recent.days.reduce((sum, d) => sum + d.sessionMinutes, 0);
      expect(minutes).toBeGreaterThanOrEqual(9.9);
      expect(minutes).toBeLessThan(12);

      const tooLong = await call('GET', `/v1/orgs/${org}/usage?from=2024-01-01&to=2025-01-02`);
      expect(tooLong.status).toBe(400);
      expect((await readError(tooLong)).error.message).toMatch(/366 days/);
      const backwards = await call('GET', `/v1/orgs/${org}/usage?from=2025-03-02&to=2025-03-01`);
      expect((await readError(backwards)).error.message).toMatch(/^from: /);
    });
  });
});
