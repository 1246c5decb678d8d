import { createHash } from 'node:crypto';

/** SHA-256 of the whole key, hex. This is all the database ever holds of a key. */
export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}
