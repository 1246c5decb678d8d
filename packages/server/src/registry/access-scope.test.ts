import { describe, expect, it } from 'vitest';
import { grantAccess, parseScopes } from './access-scope.js';

const parse = (...p: string[]) => {
  const r = parseScopes(p);
  if (!r.ok) throw new Error(r.message);
  return r.value;
};

describe('parseScopes', () => {
  it('reads repeated and space-separated scopes, names with ":" and resource classes', () => {
    expect(
      parse('repository:acme/demo:pull,push registry:catalog:*', 'repository(plugin):acme/p:pull'),
    ).toEqual([
      { type: 'repository', name: 'acme/demo', actions: ['pull', 'push'] },
      { type: 'registry', name: 'catalog', actions: ['*'] },
      { type: 'repository', name: 'acme/p', actions: ['pull'] },
    ]);
    expect(parse('repository:host:5000/acme/x:pull')[0]?.name).toBe('host:5000/acme/x');
  });

  it('refuses a malformed scope', () => {
    const r = parseScopes(['repository:acme']);
    expect(r.ok ? 'ok' : r.code).toBe('INVALID_REQUEST');
    expect(parseScopes(['x'.repeat(600)]).ok).toBe(false);
  });
});

describe('grantAccess', () => {
  it('grants pull and push under the org slug only', () => {
    expect(
      grantAccess(
        parse(
          'repository:acme/demo:pull,push,delete',
          'repository:acme/demo:pull',
          'repository:acme/a/b:*',
          'repository:globex/demo:pull',
          'repository:acme:pull',
          'repository:acme-x/demo:pull',
          'repository:acme/Demo:pull',
          'repository:acme/../globex:pull',
          'repository:acme//x:pull',
          'repository:acme/x:delete',
        ),
        'acme',
      ),
    ).toEqual([
      { type: 'repository', name: 'acme/demo', actions: ['pull', 'push'] },
      { type: 'repository', name: 'acme/a/b', actions: ['pull', 'push'] },
    ]);
  });

  it('grants an org runtime credential pull only, under its org slug', () => {
    const requested = parse(
      'repository:acme/weights/styler:pull,push',
      'repository:acme/styler:*',
      'repository:acme/weights/x:push',
      'repository:globex/weights/styler:pull',
    );
    expect(grantAccess(requested, { orgSlug: 'acme', actions: ['pull'] })).toEqual([
      { type: 'repository', name: 'acme/weights/styler', actions: ['pull'] },
      { type: 'repository', name: 'acme/styler', actions: ['pull'] },
    ]);
  });

  it('grants an operator runtime credential pull on every org weights, nothing else', () => {
    const requested = parse(
      'repository:acme/weights/styler:pull,push',
      'repository:globex/weights/x:pull',
      'repository:acme/styler:pull',
      'repository:acme/weights/a/b:pull',
      'repository:weights/x:pull',
    );
    expect(grantAccess(requested, { orgSlug: null, actions: ['pull'] })).toEqual([
      { type: 'repository', name: 'acme/weights/styler', actions: ['pull'] },
      { type: 'repository', name: 'globex/weights/x', actions: ['pull'] },
    ]);
  });
});
