// The one API client: what a refusal becomes (code, message, request id, and the fix
// from core's registry), what an unreachable server becomes, and how it calls.
import { SLUG_PATTERN as CORE_SLUG_PATTERN, ERROR_CODES } from '@latchkey/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, http, withQuery } from '../src/api/client.js';
import { bytes } from '../src/lib/format.js';
import { safeRedirect } from '../src/lib/redirect.js';
import { atLeast, roleIn } from '../src/lib/roles.js';
import { SLUG_PATTERN } from '../src/lib/slug.js';

afterEach(() => vi.unstubAllGlobals());

describe('the API client', () => {
  it('calls same-origin with JSON, and returns the body', async () => {
    const calls: Array<[string, RequestInit]> = [];
    vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
      calls.push([url, init]);
      return Response.json({ id: 'org_1' }, { status: 201 });
    });
    await expect(http.post('/v1/orgs', { name: 'Acme' })).resolves.toEqual({ id: 'org_1' });
    const [url, init] = calls[0] as [string, RequestInit];
    expect(url).toBe('/v1/orgs');
    expect(init.method).toBe('POST');
    expect(init.credentials).toBe('same-origin');
    expect(init.body).toBe('{"name":"Acme"}');
    expect((init.headers as Record<string, string>)['Content-Type']).toBe('application/json');
  });

  it('turns the error envelope into an ApiError with the fix from core', async () => {
    vi.stubGlobal('fetch', async () =>
      Response.json(
        {
          error: {
            code: 'DEVELOPER_ROLE_REQUIRED',
            message: 'creating keys needs the developer role',
            requestId: 'req_1',
            docs: '/docs/errors#DEVELOPER_ROLE_REQUIRED',
          },
        },
        { status: 403 },
      ),
    );
    const error = (await http.get('/v1/orgs/acme/keys').catch((e: unknown) => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(403);
    expect(error.code).toBe('DEVELOPER_ROLE_REQUIRED');
    expect(error.message).toBe('creating keys needs the developer role');
    expect(error.requestId).toBe('req_1');
    expect(error.fix).toBe(ERROR_CODES.DEVELOPER_ROLE_REQUIRED.fix);
  });

  it('a body that is not an envelope still gives a code and the request id header', async () => {
    vi.stubGlobal(
      'fetch',
      async () =>
        new Response('<h1>bad gateway</h1>', { status: 502, headers: { 'X-Request-Id': 'req_9' } }),
    );
    const error = (await http.get('/v1/me').catch((e: unknown) => e)) as ApiError;
    expect([error.status, error.code, error.requestId]).toEqual([502, 'INTERNAL_ERROR', 'req_9']);
    expect(error.message).toBe('the server answered HTTP 502');
  });

  it('an unreachable server is NETWORK_ERROR, with its fix', async () => {
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('Failed to fetch');
    });
    const error = (await http.get('/v1/me').catch((e: unknown) => e)) as ApiError;
    expect([error.status, error.code]).toEqual([0, 'NETWORK_ERROR']);
    expect(error.fix).toBe(ERROR_CODES.NETWORK_ERROR.fix);
  });

  it('builds query strings without empty values', () => {
    expect(withQuery('/a', { x: 'b c', y: undefined, z: '', n: 0, m: null })).toBe('/a?x=b+c&n=0');
    expect(withQuery('/a', {})).toBe('/a');
  });
});

describe('redirects after sign-in', () => {
  it('stay on this origin', () => {
    expect(safeRedirect('/orgs/acme/keys?x=1')).toBe('/orgs/acme/keys?x=1');
    for (const bad of [
      '//evil.test/x',
      '/\\evil.test',
      'https://evil.test',
      'javascript:alert(1)',
      '',
      42,
    ])
      expect(safeRedirect(bad), String(bad)).toBeUndefined();
  });
});

describe('roles', () => {
  const user = { id: 'u', email: 'a@b', name: '', emailVerified: true, twoFactorEnabled: false };
  const org = { id: 'org_1', name: 'A', slug: 'a', partner: false, createdAt: '' };
  it('rank viewer < developer < admin < owner; an instance admin acts as owner in any org', () => {
    expect(atLeast('viewer', 'developer')).toBe(false);
    expect(atLeast('developer', 'developer')).toBe(true);
    expect(atLeast('admin', 'owner')).toBe(false);
    expect(roleIn({ ...org, role: null }, { ...user, instanceAdmin: true })).toBe('owner');
    expect(roleIn({ ...org, role: null }, { ...user, instanceAdmin: false })).toBe('viewer');
    expect(roleIn({ ...org, role: 'developer' }, { ...user, instanceAdmin: true })).toBe('owner');
    expect(roleIn({ ...org, role: 'developer' }, { ...user, instanceAdmin: false })).toBe(
      'developer',
    );
  });
});

describe('the slug pattern for inputs', () => {
  it('compiles as browsers compile a pattern attribute (v flag), with the server rule', () => {
    const re = new RegExp(`^(?:${SLUG_PATTERN})$`, 'v');
    const server = CORE_SLUG_PATTERN;
    for (const v of [
      'a',
      'acme-robotics',
      '-a',
      'a-',
      'Acme',
      'a_b',
      'x'.repeat(48),
      'x'.repeat(49),
    ])
      expect(re.test(v), v).toBe(server.test(v));
    for (const ok of ['a', 'acme', 'acme-robotics', 'a1', 'x'.repeat(48)])
      expect(re.test(ok), ok).toBe(true);
    for (const bad of ['', '-a', 'a-', 'Acme', 'a_b', 'x'.repeat(49)])
      expect(re.test(bad), bad).toBe(false);
  });
});

describe('sizes of weights', () => {
  it('read in powers of 1024, with at most one decimal', () => {
    expect(bytes(0)).toBe('0 B');
    expect(bytes(1023)).toBe('1023 B');
    expect(bytes(1024)).toBe('1 KB');
    expect(bytes(1536)).toBe('1.5 KB');
    expect(bytes(50 * 1024 * 1024)).toBe('50 MB');
    expect(bytes(123.4 * 1024 ** 3)).toBe('123 GB');
    expect(bytes(3 * 1024 ** 5)).toBe('3072 TB');
    expect(bytes(-1)).toBe('—');
    expect(bytes(Number.NaN)).toBe('—');
  });
});
