import { chmodSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const OTHERS = 0o077;

/** Clears group and other bits below `path`, links left alone. Returns what it could not fix. */
function tighten(path: string, failures: string[]): void {
  const st = lstatSync(path);
  if (st.isSymbolicLink()) return;
  if (st.mode & OTHERS) {
    try {
      chmodSync(path, st.mode & 0o7700 & ~OTHERS);
    } catch (error) {
      failures.push(`${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
  }
  if (st.isDirectory()) for (const name of readdirSync(path)) tighten(join(path, name), failures);
}

/** Makes everything in the data dir owner-only again; returns what it could not fix. */
export function tightenDataDir(dir: string): string[] {
  const failures: string[] = [];
  tighten(dir, failures);
  return failures.length > 0
    ? [`could not make ${failures.length} path(s) in the data dir owner-only, e.g. ${failures[0]}`]
    : [];
}

/**
 * The embedded database's data dir holds the database, the development secret and
 * the admin socket: only its owner may enter it. Creates it 0700, or tightens an
 * existing one and everything in it to owner-only. PGlite creates its files 0666
 * (it chmods them so, whatever the umask), so the database calls `tightenDataDir`
 * again once PGlite has opened and when it closes; in between, a file PGlite adds
 * is still out of others' reach behind the 0700 directory, which is what PostgreSQL
 * itself relies on. Returns warnings for the log.
 */
export function secureDataDir(dir: string): string[] {
  const warnings: string[] = [];
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const owner = lstatSync(dir).uid;
  const me = process.getuid?.();
  if (me !== undefined && owner !== me)
    warnings.push(
      `the data dir ${dir} belongs to uid ${owner}, not to the user running Latchkey (uid ${me}): that user can read and change the database`,
    );
  return [...warnings, ...tightenDataDir(dir)];
}
