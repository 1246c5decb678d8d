import { encodeBase62Number, randomBase62 } from './base62.js';

export type IdPrefix =
  | 'org'
  | 'key'
  | 'tok'
  | 'req'
  | 'evt'
  | 'sig'
  | 'usr'
  | 'ses'
  | 'job'
  | 'rtm'
  | 'inv'
  | 'aus'
  | 'acc'
  | 'vrf'
  | 'tfa'
  | 'dvc'
  | 'mdl'
  | 'mdv'
  | 'wts';

/**
 * A prefixed, time-sortable id: `key_` + 8 base62 of milliseconds + 14 random base62.
 *
 * @example
 * newId('key') // "key_0QbX3l2m7Yq9TzR8xW1cVb"
 */
export function newId(prefix: IdPrefix, now: number = Date.now()): string {
  return `${prefix}_${encodeBase62Number(Math.max(0, Math.floor(now)), 8)}${randomBase62(14)}`;
}

export function isId(prefix: IdPrefix, text: unknown): text is string {
  return typeof text === 'string' && new RegExp(`^${prefix}_[0-9A-Za-z]{22}$`).test(text);
}
