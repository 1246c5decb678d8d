// Anything shaped like a key, a credential or a JWT is masked, wherever it hides:
// log lines, error messages (a key pasted into a URL path is echoed by a 404).
// A key keeps the display form people know it by (`rk_…abcd`); a JWT becomes `[token]`.
const SECRET = /\b(r[kpct]_)[\w-]{8,}(?![\w-])|\beyJ[\w-]+\.[\w-]+(?:\.[\w-]*)?/g;

/** The text with key-, credential- and token-shaped substrings masked. */
export const redactSecrets = (text: string): string =>
  text.replace(SECRET, (match, prefix: string | undefined) =>
    prefix ? `${prefix}…${match.slice(-4)}` : '[token]',
  );
