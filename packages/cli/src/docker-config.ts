import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, realpathSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';
import { CliError } from './output.js';

/** The credential helper's name as Docker knows it: `docker-credential-<name>`. */
export const HELPER_NAME = 'latchkey';
/** The credential helper's executable, as Docker runs it. */
export const HELPER_BIN = `docker-credential-${HELPER_NAME}`;

interface DockerConfigFile {
  auths?: Record<string, { auth?: string; [k: string]: unknown }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
  [k: string]: unknown;
}

/** `$DOCKER_CONFIG/config.json`, or `~/.docker/config.json`. */
export const dockerConfigPath = () =>
  join(process.env.DOCKER_CONFIG || join(homedir(), '.docker'), 'config.json');

function read(path: string): DockerConfigFile {
  if (!existsSync(path)) return {};
  const text = readFileSync(path, 'utf8');
  if (text.trim() === '') return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as DockerConfigFile;
  } catch {
    // fall through
  }
  throw new CliError(
    'CONFIG',
    `the Docker config ${path} is not valid JSON; left it untouched`,
    'Fix or move that file, then run latchkey auth docker-login again.',
    2,
  );
}

/** Rewrites the config with `change` applied, keeping every other entry (and a symlinked file in place). */
function update(path: string, change: (c: DockerConfigFile) => void): void {
  const target = existsSync(path) ? realpathSync(path) : path;
  const config = read(target);
  change(config);
  mkdirSync(dirname(target), { recursive: true, mode: 0o700 });
  writeFileAtomic(target, `${JSON.stringify(config, null, '\t')}\n`, 0o600);
}

/** Writes `auths[registry].auth` = base64(user:password). */
export function writeAuthEntry(path: string, registry: string, username: string, password: string) {
  update(path, (c) => {
    c.auths = { ...(c.auths ?? {}) };
    c.auths[registry] = { auth: Buffer.from(`${username}:${password}`).toString('base64') };
    if (c.credHelpers?.[registry] === HELPER_NAME) delete c.credHelpers[registry];
  });
}

/** Points `credHelpers[registry]` at docker-credential-latchkey, dropping a stale `auths` entry. */
export function writeHelperEntry(path: string, registry: string) {
  update(path, (c) => {
    c.credHelpers = { ...(c.credHelpers ?? {}), [registry]: HELPER_NAME };
    if (c.auths?.[registry]) delete c.auths[registry];
  });
}

/** Drops a `credHelpers` entry of ours, so `docker login` stores into the config again. */
export function dropHelperEntry(path: string, registry: string) {
  if (helperOf(path, registry) !== HELPER_NAME) return;
  update(path, (c) => {
    if (c.credHelpers) delete c.credHelpers[registry];
  });
}

/** Removes what latchkey wrote for `registry`; other entries stay. */
export function removeEntry(path: string, registry: string) {
  if (!existsSync(path)) return;
  update(path, (c) => {
    if (c.auths?.[registry]) delete c.auths[registry];
    if (c.credHelpers?.[registry] === HELPER_NAME) delete c.credHelpers[registry];
  });
}

/** The user:password of `auths[registry]`, when there is one. */
export function readAuthEntry(
  path: string,
  registry: string,
): { username: string; password: string } | undefined {
  const auth = read(path).auths?.[registry]?.auth;
  if (!auth) return undefined;
  const text = Buffer.from(auth, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  return colon < 0
    ? undefined
    : { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

export const helperOf = (path: string, registry: string) => read(path).credHelpers?.[registry];

/** The full path of a command on PATH, if any. */
export function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** `docker login --password-stdin`; the docker CLI decides where the secret goes (credsStore…). */
export function dockerCliLogin(registry: string, username: string, password: string) {
  const r = spawnSync('docker', ['login', '--username', username, '--password-stdin', registry], {
    input: password,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { ok: r.status === 0, output: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() };
}

export function dockerCliLogout(registry: string) {
  const r = spawnSync('docker', ['logout', registry], { encoding: 'utf8', timeout: 30_000 });
  return r.status === 0;
}
