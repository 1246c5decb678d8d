import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';
import { EXIT } from './exit-codes.js';
import { CliError } from './output.js';

/** How `auth docker-login` configured Docker, so `logout` can undo exactly that. */
export interface DockerEntry {
  /** The Docker config file written (or that `docker login` used). */
  config: string;
  registry: string;
  method: 'config' | 'docker-cli' | 'helper';
  /** Expiry of the credential written into the Docker config (not for the helper). */
  expiresAt: string | null;
}

/** `~/.latchkey/credentials`: everything `latchkey auth` knows, mode 0600. */
export interface Credentials {
  version: 1;
  server: string;
  apiKey: string;
  keyId: string;
  keyDisplay: string;
  orgId: string;
  orgSlug: string;
  orgName: string;
  /** HOST[:PORT] of the registry, or null when the server fronts none. */
  registry: string | null;
  registryUsername: string | null;
  registryToken: string | null;
  registryTokenExpiresAt: string | null;
  docker: DockerEntry | null;
}

/** `LATCHKEY_HOME`, or `~/.latchkey`. */
export const latchkeyHome = () =>
  resolve(process.env.LATCHKEY_HOME || join(homedir(), '.latchkey'));

export const credentialsPath = () => join(latchkeyHome(), 'credentials');

const notLoggedIn = (path: string) =>
  new CliError(
    'NOT_LOGGED_IN',
    `credentials file not found at ${path}`,
    'Run latchkey auth login.',
    EXIT.NOT_LOGGED_IN,
  );

/** Reads the credentials, tightening the file's mode if someone widened it. */
export function readCredentials(): Credentials {
  const path = credentialsPath();
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw notLoggedIn(path);
    throw error;
  }
  let parsed: Partial<Credentials>;
  try {
    parsed = JSON.parse(text) as Partial<Credentials>;
  } catch {
    throw new CliError(
      'CONFIG',
      `the credentials file ${path} is not valid JSON`,
      'Run latchkey auth login again (it rewrites the file).',
      EXIT.USAGE,
    );
  }
  if (
    parsed.version !== 1 ||
    typeof parsed.apiKey !== 'string' ||
    typeof parsed.server !== 'string'
  )
    throw new CliError(
      'CONFIG',
      `the credentials file ${path} is not one this latchkey understands`,
      'Run latchkey auth login again (it rewrites the file).',
      EXIT.USAGE,
    );
  if ((statSync(path).mode & 0o077) !== 0) {
    chmodSync(path, 0o600);
    process.stderr.write(`warning: ${path} was readable by others; set its mode to 0600\n`);
  }
  return parsed as Credentials;
}

/** Whether a credentials file exists (without reading it). */
export const hasCredentials = () => existsSync(credentialsPath());

/** Writes the credentials atomically: 0600 file in a 0700 directory. */
export function writeCredentials(c: Credentials): string {
  const path = credentialsPath();
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  writeFileAtomic(path, `${JSON.stringify(c, null, 2)}\n`, 0o600);
  return path;
}

export function removeCredentials(): boolean {
  const path = credentialsPath();
  if (!existsSync(path)) return false;
  rmSync(path, { force: true });
  return true;
}

/** The root of the git work tree holding `path`, if any (a `.git` dir or file above it). */
export function gitWorkTreeOf(path: string): string | undefined {
  let dir = dirname(resolve(path));
  for (;;) {
    if (existsSync(join(dir, '.git'))) return dir;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/**
 * A warning when the credentials file sits inside a git work tree (a dotfiles repo
 * in $HOME, say) and git does not ignore it: one `git add -A` would publish the key.
 */
export function gitExposureWarning(path: string): string | undefined {
  const root = gitWorkTreeOf(path);
  if (!root) return undefined;
  const ignored = spawnSync('git', ['-C', root, 'check-ignore', '-q', '--', path], {
    stdio: 'ignore',
    timeout: 5_000,
  });
  if (ignored.status === 0) return undefined;
  const rel = relative(root, dirname(path));
  const pattern = rel ? `/${rel}/` : '/credentials';
  return [
    `warning: ${path} is inside the git work tree ${root}; a commit could publish your partner key.`,
    `  fix: add "${pattern}" to ${join(root, '.gitignore')}, or set LATCHKEY_HOME to a directory outside the repository.`,
    '',
  ].join('\n');
}
