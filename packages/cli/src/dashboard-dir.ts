import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The built dashboard that `latchkey serve` hands the server (which never imports the
 * dashboard package itself); undefined when it has not been built.
 */
export function dashboardDir(): string | undefined {
  try {
    const manifest = createRequire(import.meta.url).resolve('@latchkey/dashboard/package.json');
    const dir = join(dirname(manifest), 'dist');
    return existsSync(join(dir, 'index.html')) ? dir : undefined;
  } catch {
    return undefined;
  }
}
