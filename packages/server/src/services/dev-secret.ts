import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@latchkey/core/node';

/**
 * Development only: without LATCHKEY_SECRET, a random secret is generated once
 * into the data dir (mode 0600) and reused, with a warning.
 */
export function loadOrCreateSecret(dataDir: string, log: Logger): string {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = join(dataDir, 'secret');
  if (!existsSync(file)) {
    writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
    log.warn(
      'LATCHKEY_SECRET is not set: generated a development secret; set LATCHKEY_SECRET in production',
      { file },
    );
  }
  chmodSync(file, 0o600);
  return readFileSync(file, 'utf8').trim();
}
