// The rules people meet in forms, shared by the server's schemas and the dashboard's
// inputs, so the page refuses exactly what the API would.

/** Passwords are 10 to 128 characters. */
export const MIN_PASSWORD = 10;
export const MAX_PASSWORD = 128;

/** An org's slug: lowercase letters, digits and dashes, 1 to 48, no dash at either end. */
export const SLUG_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?$/;
export const SLUG_RULE = 'lowercase letters, digits and dashes, 1 to 48 characters';
