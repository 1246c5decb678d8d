import { describe, expect, it } from 'vitest';
import { backoffMs } from './backoff.js';
import { bearerToken } from './bearer.js';
import { callJson, fetchFailureDetail } from './call-json.js';
import { formatIssues } from './format-issues.js';
import { readCappedBody, readCappedText } from './read-capped-body.js';

describe('bearerToken', () => {
  it('takes the credential of a Bearer header, any case, trailing space allowed', () => {
    expect(bearerToken('Bearer rk_abc')).toBe('rk_abc');
    expect(bearerToken('bearer   rk_abc  ')).toBe('rk_abc');
    for (const h of [undefined, null, '', 'Basic abc', 'Bearer', 'Bearer a b', 'rk_abc'])
      expect(bearerToken(h)).toBeUndefined();
  });
});

describe('backoffMs', () => {
  it('doubles from the base up to the ceiling', () => {
    expect([0, 1, 2, 3, 10].map((a) => backoffMs(a, { baseMs: 250, maxMs: 5000 }))).toEqual([
      250, 500, 1000, 2000, 5000,
    ]);
    expect(backoffMs(-1, { baseMs: 250 })).toBe(250);
  });

  it('with jitter, waits somewhere in the upper half', () => {
    for (let i = 0; i < 50; i++) {
      const ms = backoffMs(2, { baseMs: 500, maxMs: 8000, jitter: true });
      expect(ms).toBeGreaterThanOrEqual(1000);
      expect(ms).toBeLessThanOrEqual(2000);
    }
  });
});

describe('formatIssues', () => {
  const issues = [
    { path: ['width'], message: 'Too big' },
    { path: [], message: 'Invalid input' },
    { path: [], code: 'unrecognized_keys', keys: ['a', 'b'], message: 'Unrecognized keys' },
    { path: ['grant', 'models', 0], message: 'bad name' },
  ];
  it('names each field, the root when asked, and unknown keys by name', () => {
    expect(formatIssues(issues)).toBe(
      'width: Too big; Invalid input; unknown field(s) "a", "b"; grant.models.0: bad name',
    );
    expect(formatIssues(issues.slice(1), { max: 1, root: 'body' })).toBe('body: Invalid input');
    expect(formatIssues(issues, { max: 2 })).toBe('width: Too big; Invalid input');
  });
});

describe('readCappedBody', () => {
  const post = (body: BodyInit | null, headers: Record<string, string> = {}) =>
    new Request('http://x/', { method: 'POST', body, headers });

  it('reads a body up to the limit', async () => {
    expect(await readCappedText(post('{"a":1}'), 7)).toEqual({ ok: true, text: '{"a":1}' });
    const empty = await readCappedBody(post(null), 7);
    expect(empty.ok && empty.bytes.byteLength).toBe(0);
  });

  it('refuses by Content-Length before reading, and mid-stream for a chunked body', async () => {
    expect(await readCappedText(post('x', { 'content-length': '100' }), 10)).toEqual({ ok: false });
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(8));
      },
    });
    const req = new Request('http://x/', {
      method: 'POST',
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(await readCappedBody(req, 20)).toEqual({ ok: false });
    expect(pulled).toBeLessThan(10);
  });
});

describe('callJson', () => {
  it('sends JSON with the bearer, and reads any status as an answer with its envelope', async () => {
    const seen: Array<{ url: string; init: RequestInit | undefined }> = [];
    const fake = (async (url: string | URL | Request, init?: RequestInit) => {
      seen.push({ url: String(url), init });
      return Response.json({ error: { code: 'CONFLICT', message: 'taken' } }, { status: 409 });
    }) as typeof fetch;
    const answer = await callJson('http://x/v1/a', {
      bearer: 'rt_1',
      body: { a: 1 },
      timeoutMs: 1000,
      fetch: fake,
    });
    expect(answer.status).toBe(409);
    expect(answer.error).toMatchObject({ code: 'CONFLICT', message: 'taken' });
    expect(seen[0]?.init?.method).toBe('POST');
    expect(seen[0]?.init?.headers).toMatchObject({
      authorization: 'Bearer rt_1',
      'content-type': 'application/json',
    });
    expect(seen[0]?.init?.body).toBe('{"a":1}');
  });

  it('gives undefined json for an empty or non-JSON body', async () => {
    const fake = (async () => new Response('<html>')) as unknown as typeof fetch;
    const answer = await callJson('http://x/', { timeoutMs: 1000, fetch: fake });
    expect(answer.json).toBeUndefined();
    expect(answer.error).toBeUndefined();
  });

  it('names why no answer came', () => {
    const refused = Object.assign(new TypeError('fetch failed'), {
      cause: { code: 'ECONNREFUSED' },
    });
    expect(fetchFailureDetail(refused)).toBe('ECONNREFUSED');
    expect(fetchFailureDetail(new Error('boom'))).toBe('boom');
  });
});
