import { fail, ok, type Result } from '../services/result.js';

/**
 * One entry of the `access` claim the registry reads. `delete` is never granted to a
 * caller of the token endpoint: only the server mints it, for its own manifest deletes.
 */
export interface Access {
  type: 'repository';
  name: string;
  actions: Array<'pull' | 'push' | 'delete'>;
}

/** What a caller of the token endpoint may do, and where. */
export interface RegistryPolicy {
  /** Repositories under `<prefix>/`; null: any org's `<org-slug>/weights/<name>` (operator runtimes). */
  orgSlug: string | null;
  actions: ReadonlyArray<'pull' | 'push'>;
}

export interface RequestedScope {
  type: string;
  name: string;
  actions: string[];
}

const MAX_SCOPES = 32;
const MAX_SCOPE_LENGTH = 512;
// distribution's reference grammar: lowercase path components joined by "/".
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const REPOSITORY = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const ALLOWED = ['pull', 'push'] as const;

/**
 * Parses the `scope` parameters of a token request: each is one or more
 * space-separated `type[(class)]:name:actions`, where the name may itself hold ":".
 */
export function parseScopes(params: string[]): Result<RequestedScope[]> {
  const scopes: RequestedScope[] = [];
  for (const item of params.flatMap((p) => p.split(' ')).filter(Boolean)) {
    if (item.length > MAX_SCOPE_LENGTH)
      return fail('INVALID_REQUEST', `scope: each scope is at most ${MAX_SCOPE_LENGTH} characters`);
    const first = item.indexOf(':');
    const last = item.lastIndexOf(':');
    if (first <= 0 || last === first)
      return fail(
        'INVALID_REQUEST',
        'scope: must be type:name:actions, e.g. repository:acme/model:pull,push',
      );
    scopes.push({
      type: item.slice(0, first).replace(/\(.*\)$/, ''),
      name: item.slice(first + 1, last),
      actions: item
        .slice(last + 1)
        .split(',')
        .filter(Boolean),
    });
    if (scopes.length > MAX_SCOPES)
      return fail('INVALID_REQUEST', `scope: at most ${MAX_SCOPES} scopes per request`);
  }
  return ok(scopes);
}

const WEIGHTS_REPOSITORY = new RegExp(`^${COMPONENT}/weights/${COMPONENT}$`);

/**
 * What is granted: the intersection of what was asked and what the caller may do —
 * by default (partner keys and their registry credentials) pull and push on
 * repositories under `<org-slug>/`, nothing anywhere else; an org's runtime credential
 * pull only there; an operator's runtime credential pull on every org's weights.
 * A scope that gets nothing is left out; the registry then answers `insufficient_scope`.
 */
export function grantAccess(
  requested: RequestedScope[],
  orgSlug: string | RegistryPolicy,
): Access[] {
  const policy: RegistryPolicy =
    typeof orgSlug === 'string' ? { orgSlug, actions: ALLOWED } : orgSlug;
  const byName = new Map<string, Set<'pull' | 'push'>>();
  for (const s of requested) {
    if (s.type !== 'repository') continue;
    if (s.name.length > 255 || !REPOSITORY.test(s.name)) continue;
    if (
      policy.orgSlug === null
        ? !WEIGHTS_REPOSITORY.test(s.name)
        : !s.name.startsWith(`${policy.orgSlug}/`)
    )
      continue;
    const wanted = s.actions.includes('*') ? [...ALLOWED] : s.actions;
    const actions = byName.get(s.name) ?? new Set();
    for (const a of policy.actions) if (wanted.includes(a)) actions.add(a);
    if (actions.size > 0) byName.set(s.name, actions);
  }
  return [...byName].map(([name, actions]) => ({
    type: 'repository',
    name,
    actions: ALLOWED.filter((a) => actions.has(a)),
  }));
}

export const formatScope = (s: { type: string; name: string; actions: readonly string[] }) =>
  `${s.type}:${s.name}:${s.actions.join(',')}`;
