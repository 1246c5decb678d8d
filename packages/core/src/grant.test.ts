import { describe, expect, it } from 'vitest';
import { DEFAULT_GRANT } from './claims.js';
import {
  grantFor,
  grantRefusal,
  grantRequestProblem,
  isModelName,
  isOrigin,
  modelOrgSlug,
  parseModelRef,
  readGrant,
} from './grant.js';

describe('model names and origins', () => {
  it('accepts the names models have, refuses the rest', () => {
    for (const ok of ['echo', 'render', 'gpt-4o.mini_2', '0', 'a'.repeat(64)])
      expect(isModelName(ok), ok).toBe(true);
    for (const bad of ['', 'Echo', '-x', '.x', 'a'.repeat(65), 'a b', 'a/b/c', '*', 7, null])
      expect(isModelName(bad), String(bad)).toBe(false);
  });

  it("takes a partner's <org-slug>/<name>, with the registry's path rules after the slash", () => {
    for (const ok of [
      'modelco/styler',
      'a/b',
      'model-co/x.y_z',
      `${'s'.repeat(48)}/${'m'.repeat(64)}`,
    ])
      expect(isModelName(ok), ok).toBe(true);
    for (const bad of ['/x', 'x/', '-co/x', 'co-/x', 'co/x-', 'co/-x', 'co/x..y', 'Co/x', 'co/X'])
      expect(isModelName(bad), bad).toBe(false);
  });

  it('reads name@version refs, and refuses a bad version', () => {
    expect(parseModelRef('modelco/styler@2.0.1')).toEqual({
      name: 'modelco/styler',
      version: '2.0.1',
    });
    expect(parseModelRef('echo')).toEqual({ name: 'echo' });
    for (const bad of ['echo@', 'echo@-1', 'echo@a b', '@1', 'co/x@1@2', 7])
      expect(parseModelRef(bad), String(bad)).toBeUndefined();
    expect(modelOrgSlug('modelco/styler')).toBe('modelco');
    expect(modelOrgSlug('echo')).toBeUndefined();
  });

  it('lets a grant naming a model admit its versions, and one naming a version only that one', () => {
    const grant = (models: string[]) => ({ models, origins: [] });
    expect(grantRefusal(grant(['co/x']), 'co/x@2', undefined)).toBeUndefined();
    expect(grantRefusal(grant(['co/x@2']), 'co/x@2', undefined)).toBeUndefined();
    expect(grantRefusal(grant(['co/x@2']), 'co/x@3', undefined)?.code).toBe('MODEL_NOT_ALLOWED');
    expect(grantRefusal(grant(['co/x@2']), 'co/x', undefined)?.code).toBe('MODEL_NOT_ALLOWED');
  });

  it('accepts scheme://host[:port] only', () => {
    for (const ok of ['https://app.example.com', 'http://localhost:5173', 'https://[::1]:8443'])
      expect(isOrigin(ok), ok).toBe(true);
    for (const bad of ['https://a.example/', 'https://a.example/x', 'ftp://a', 'a.example', 'null'])
      expect(isOrigin(bad), bad).toBe(false);
  });
});

describe('grantRequestProblem', () => {
  it('passes a good request and nothing', () => {
    expect(grantRequestProblem(undefined)).toBeUndefined();
    expect(grantRequestProblem({})).toBeUndefined();
    expect(
      grantRequestProblem({
        expiresIn: 600,
        models: ['echo', '*'],
        maxSessions: 2,
        origins: ['https://app.example.com'],
        maxSessionSeconds: 60,
        metadata: { userId: 'u_1' },
      }),
    ).toBeUndefined();
  });

  it.each([
    [[], 'grant'],
    [{ nope: 1 }, 'nope'],
    [{ expiresIn: 0 }, 'expiresIn'],
    [{ expiresIn: 21_601 }, 'expiresIn'],
    [{ expiresIn: 1.5 }, 'expiresIn'],
    [{ maxSessionSeconds: '60' }, 'maxSessionSeconds'],
    [{ maxSessions: 0 }, 'maxSessions'],
    [{ maxSessions: 1001 }, 'maxSessions'],
    [{ models: [] }, 'models'],
    [{ models: 'echo' }, 'models'],
    [{ models: [1] }, 'models'],
    [{ models: ['echo', 'Bad Name'] }, 'models.1'],
    [{ origins: ['https://a.example/path'] }, 'origins.0'],
    [{ origins: Array(33).fill('https://a.example') }, 'origins'],
    [{ metadata: [1] }, 'metadata'],
    [{ metadata: { ['k'.repeat(65)]: 1 } }, 'metadata'],
    [{ metadata: { big: 'x'.repeat(1100) } }, 'metadata'],
  ])('%j → names %s', (request, field) => {
    expect(grantRequestProblem(request)?.field).toBe(field);
  });
});

describe('grantFor and readGrant', () => {
  it('fills in the defaults, and reads a grant back', () => {
    const grant = grantFor({ models: ['echo'] });
    expect(grant).toEqual({ ...DEFAULT_GRANT, models: ['echo'], metadata: {} });
    expect(readGrant(JSON.parse(JSON.stringify(grant)))).toEqual(grant);
  });

  it('refuses a malformed grant', () => {
    const good = grantFor({});
    for (const bad of [
      null,
      [],
      { ...good, models: 'echo' },
      { ...good, origins: [1] },
      { ...good, maxSessions: 1.5 },
      { ...good, maxSessionSeconds: '60' },
      { ...good, metadata: [] },
    ])
      expect(readGrant(bad), JSON.stringify(bad)).toBeUndefined();
  });
});

describe('grantRefusal', () => {
  const grant = { models: ['echo'], origins: ['https://app.example.com'] };

  it('allows what the grant lists, and anything under "*" or no origins', () => {
    expect(grantRefusal(grant, 'echo', 'https://app.example.com')).toBeUndefined();
    expect(grantRefusal({ models: ['*'], origins: [] }, 'render', null)).toBeUndefined();
    // Jobs and servers skip the origin check.
    expect(grantRefusal(grant, 'echo', undefined)).toBeUndefined();
  });

  it('refuses another model, another origin, and no origin when origins are listed', () => {
    expect(grantRefusal(grant, 'render', 'https://app.example.com')).toEqual({
      code: 'MODEL_NOT_ALLOWED',
      message: 'this session token does not allow model "render" (it allows "echo")',
    });
    expect(grantRefusal(grant, 'echo', 'https://evil.example')?.code).toBe('ORIGIN_NOT_ALLOWED');
    expect(grantRefusal(grant, 'echo', null)?.message).toMatch(/sent no Origin/);
  });
});

describe('grantRequestProblem at the shape level (what a client checks)', () => {
  it('checks fields, types and bounds, and leaves name syntax to the platform', () => {
    expect(grantRequestProblem({ models: ['Bad Name'], origins: ['x'] }, 'shape')).toBeUndefined();
    expect(grantRequestProblem({ models: 'echo' }, 'shape')?.message).toBe(
      'models must be an array of strings',
    );
    expect(grantRequestProblem({ maxSessions: 0 }, 'shape')?.field).toBe('maxSessions');
    expect(grantRequestProblem({ other: 1 }, 'shape')?.field).toBe('other');
  });
});
