import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/** AES-256-GCM under a key derived (HKDF-SHA256) from LATCHKEY_SECRET. */
export interface SecretBox {
  seal(plain: Buffer): string;
  open(sealed: string): Buffer;
}

export function createSecretBox(secret: string): SecretBox {
  if (typeof secret !== 'string' || secret.length < 32) {
    throw new TypeError('LATCHKEY_SECRET must be at least 32 characters');
  }
  const key = Buffer.from(hkdfSync('sha256', secret, 'latchkey', 'signing-keys v1', 32));
  return {
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plain), cipher.final()]);
      return `v1.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
    },
    open(sealed) {
      if (!sealed.startsWith('v1.')) throw new Error('unknown sealed format');
      const raw = Buffer.from(sealed.slice(3), 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]);
    },
  };
}
