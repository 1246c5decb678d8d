import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level, so equal values have one spelling. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * "The same end user of the same app": the minting key and the token's metadata.
 * A token holder sees the sessions and jobs of any token its backend minted for the
 * same user (a page that refreshes its token keeps its session), and no one else's.
 */
export function ownerRef(keyId: string, metadata: Record<string, unknown>): string {
  return createHash('sha256')
    .update(`${keyId}\n${canonicalJson(metadata)}`)
    .digest('base64url');
}
