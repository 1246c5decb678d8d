/**
 * The server's slug rule (lowercase letters, digits and dashes, 1 to 48 characters) as an
 * HTML `pattern`: browsers compile it with the `v` flag, where a literal dash in a class
 * must be escaped.
 */
export const SLUG_PATTERN = '[a-z0-9](?:[a-z0-9\\-]{0,46}[a-z0-9])?';
