/** Digits in ASCII order, so fixed-width encodings sort like the numbers they encode. */
export const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Encodes an unsigned integer as exactly `width` base62 digits. */
export function encodeBase62(value: bigint, width: number): string {
  let out = '';
  let v = value;
  for (let i = 0; i < width; i++) {
    out = BASE62[Number(v % 62n)] + out;
    v /= 62n;
  }
  return out;
}

// Random bytes are drawn from the CSPRNG in blocks (as nanoid does): one
// getRandomValues call per block instead of one per id.
const POOL_SIZE = 4096;
const pool = new Uint8Array(POOL_SIZE);
let poolOffset = POOL_SIZE;

/** `n` uniformly random base62 characters (rejection sampling, no modulo bias). */
export function randomBase62(n: number): string {
  let out = '';
  while (out.length < n) {
    if (poolOffset >= POOL_SIZE) {
      globalThis.crypto.getRandomValues(pool);
      poolOffset = 0;
    }
    const b = pool[poolOffset++] as number;
    if (b < 248) out += BASE62[b % 62];
  }
  return out;
}

/** Encodes a non-negative safe integer as exactly `width` base62 digits, without BigInt. */
export function encodeBase62Number(value: number, width: number): string {
  let out = '';
  let v = value;
  for (let i = 0; i < width; i++) {
    out = BASE62[v % 62] + out;
    v = Math.floor(v / 62);
  }
  return out;
}

export function isBase62(text: string): boolean {
  return /^[0-9A-Za-z]*$/.test(text);
}
