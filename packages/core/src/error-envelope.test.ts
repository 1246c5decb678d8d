import { describe, expect, it } from 'vitest';
import { errorEnvelope, errorResponse, readEnvelope, readEnvelopeText } from './error-envelope.js';
import { ERROR_CODES, errorDocsUrl, errorStatus } from './errors.js';

describe('the error envelope', () => {
  it('links each code to the answering server’s own /docs/errors page, or relative without one', () => {
    expect(errorEnvelope('NOT_FOUND', 'no such key', 'req_1', 'http://10.0.0.2:8787/')).toEqual({
      error: {
        code: 'NOT_FOUND',
        message: 'no such key',
        requestId: 'req_1',
        docs: 'http://10.0.0.2:8787/docs/errors#NOT_FOUND',
      },
    });
    expect(errorDocsUrl('RATE_LIMITED')).toBe('/docs/errors#RATE_LIMITED');
  });

  it('answers with the code’s status, 500 for a client-side code, no-store and the request id', async () => {
    const res = errorResponse('RATE_LIMITED', 'slow down', {
      requestId: 'req_2',
      headers: { 'retry-after': '3' },
    });
    expect(res.status).toBe(429);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-request-id')).toBe('req_2');
    expect(res.headers.get('retry-after')).toBe('3');
    expect(readEnvelope(await res.json())).toEqual({
      code: 'RATE_LIMITED',
      message: 'slow down',
      requestId: 'req_2',
      docs: '/docs/errors#RATE_LIMITED',
    });
    expect(errorResponse('NETWORK_ERROR', 'x', { requestId: 'req_3' }).status).toBe(500);
    expect(errorStatus('UNAUTHORIZED')).toBe(401);
  });

  it('reads only envelopes with a well-formed code, and each field only when it is a string', () => {
    for (const body of [null, undefined, 'x', {}, { error: 'x' }, { error: { code: 'lower' } }])
      expect(readEnvelope(body)).toBeUndefined();
    expect(readEnvelope({ error: { code: 'NEWER_CODE', message: 7 } })).toEqual({
      code: 'NEWER_CODE',
      message: undefined,
      requestId: undefined,
      docs: undefined,
    });
    expect(readEnvelopeText('<html>')).toBeUndefined();
    expect(readEnvelopeText('{"error":{"code":"CONFLICT","message":"taken"}}')?.message).toBe(
      'taken',
    );
  });

  it('marks every client-side code, and gives every code a fix', () => {
    const entries = Object.entries(ERROR_CODES) as Array<
      [string, { status: number; fix: string; side?: string }]
    >;
    for (const [, info] of entries) expect(info.fix).toMatch(/\.$/);
    const client = entries.filter(([, i]) => i.side === 'client').map(([c]) => c);
    expect(client).toEqual(
      expect.arrayContaining([
        'NETWORK_ERROR',
        'TIMEOUT',
        'UNAUTHORIZED',
        'USAGE',
        'SERVER_UNREACHABLE',
      ]),
    );
    for (const [code, info] of entries) if (info.status === 0) expect(client).toContain(code);
  });
});
