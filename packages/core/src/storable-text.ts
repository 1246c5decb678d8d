// PostgreSQL's text and jsonb refuse U+0000, and jsonb refuses an unpaired UTF-16
// surrogate ("\ud800"): such a string in one row fails the whole statement. Request
// data is checked with these where it enters (bodies, queries, credentials) and
// cleaned where it becomes a record of what was asked (audit rows).

// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what is looked for
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g');

/** Whether PostgreSQL can store the string as text or inside jsonb. */
export const isStorableText = (text: string): boolean => !UNSTORABLE.test(text);

/** The string with every NUL and unpaired surrogate replaced by U+FFFD. */
export const toStorableText = (text: string): string =>
  UNSTORABLE.test(text) ? text.replace(UNSTORABLE_ALL, '\uFFFD') : text;

/**
 * The path (`a.b.0`) of the first string, or object key, in a JSON value that
 * PostgreSQL cannot store; `undefined` when there is none.
 */
export function findUnstorableText(value: unknown, path: string[] = []): string | undefined {
  if (typeof value === 'string') return isStorableText(value) ? undefined : path.join('.');
  if (typeof value !== 'object' || value === null) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findUnstorableText(value[i], [...path, String(i)]);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const [k, v] of Object.entries(value)) {
    if (!isStorableText(k)) return [...path, toStorableText(k)].join('.');
    const found = findUnstorableText(v, [...path, k]);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** A JSON value with every string and key made storable (for records of what was asked). */
export function toStorableJson(value: unknown): unknown {
  if (typeof value === 'string') return toStorableText(value);
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(toStorableJson);
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [toStorableText(k), toStorableJson(v)]),
  );
}
