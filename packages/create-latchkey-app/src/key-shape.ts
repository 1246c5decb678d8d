/**
 * An app key's shape: `rk_` then 38 letters and digits (32 random, 6 of checksum). The
 * platform checks the checksum and the rest; this only catches a paste of the wrong
 * thing (a partner key, a token, half a key) before it lands in `.env`.
 */
export const APP_KEY_SHAPE = /^rk_[0-9A-Za-z]{38}$/;

/** Why `key` is not an app key, or undefined. Never repeats the key. */
export function appKeyProblem(key: string): string | undefined {
  if (key === '') return 'no key was given';
  if (key.startsWith('rp_')) return 'that is a partner key (rp_…); the app needs an app key (rk_…)';
  if (!key.startsWith('rk_')) return 'an app key starts with rk_';
  if (!APP_KEY_SHAPE.test(key))
    return `an app key is rk_ and 38 letters and digits (this one has ${key.length - 3} characters after rk_)`;
  return undefined;
}
