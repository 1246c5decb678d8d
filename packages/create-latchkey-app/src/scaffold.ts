import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Template } from './args.js';
import type { PackageSource } from './latchkey-packages.js';

/** The templates, shipped in the package (nothing is fetched when scaffolding). */
export const TEMPLATES_DIR = fileURLToPath(new URL('../templates/', import.meta.url));

export interface ScaffoldOptions {
  /** An empty or missing folder. */
  dir: string;
  /** The package name (the folder's name by default). */
  name: string;
  template: Template;
  model: string;
  platformUrl: string;
  /** The app key for `.env`; without it only `.env.example` is written. */
  apiKey?: string | undefined;
  packages: PackageSource;
}

/** npm drops `.gitignore` from published packages, so the templates spell it `_gitignore`. */
const RENAMED: Record<string, string> = { _gitignore: '.gitignore' };
const TEXT = /\.(tsx?|jsx?|mjs|cjs|json|md|css|html|txt)$|^_gitignore$/;

/** Copies the template into `dir` with its placeholders filled in; returns the files written. */
export function scaffold(o: ScaffoldOptions): string[] {
  const source = join(TEMPLATES_DIR, o.template);
  const written: string[] = [];
  const fill = (text: string) =>
    text
      .replaceAll('__APP_NAME__', o.name)
      .replaceAll('__LATCHKEY_MODEL__', o.model)
      .replaceAll('__LATCHKEY_BASE_URL__', o.platformUrl)
      .replaceAll('__TEMPLATE__', o.template);
  const copy = (from: string, to: string, rel: string) => {
    mkdirSync(to, { recursive: true });
    for (const entry of readdirSync(from)) {
      if (entry === 'node_modules' || entry === '.next' || entry === 'dist') continue;
      const src = join(from, entry);
      const name = RENAMED[entry] ?? entry;
      const dest = join(to, name);
      if (statSync(src).isDirectory()) {
        copy(src, dest, `${rel}${name}/`);
      } else if (TEXT.test(entry)) {
        writeFileSync(dest, fill(readFileSync(src, 'utf8')));
        written.push(`${rel}${name}`);
      } else {
        copyFileSync(src, dest);
        written.push(`${rel}${name}`);
      }
    }
  };
  copy(source, o.dir, '');

  const manifestPath = join(o.dir, 'package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    name: string;
    dependencies: Record<string, string>;
    overrides?: Record<string, string>;
  };
  manifest.name = o.name;
  if (o.packages.kind === 'registry') {
    manifest.dependencies['@latchkey/sdk'] = o.packages.version;
  } else {
    // From a clone: the SDK is not on the registry (or not this version of it), so the
    // project carries the packed SDK and core and points npm at them.
    manifest.dependencies['@latchkey/sdk'] = `file:${o.packages.sdk}`;
    manifest.overrides = { '@latchkey/core': `file:${o.packages.core}` };
  }
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);

  writeFileSync(join(o.dir, '.env.example'), envFile(o.platformUrl, undefined));
  written.push('.env.example');
  if (o.apiKey !== undefined) {
    const env = join(o.dir, '.env');
    writeFileSync(env, envFile(o.platformUrl, o.apiKey), { mode: 0o600 });
    chmodSync(env, 0o600); // the mode above is masked by the umask, and ignored if the file existed
    written.push('.env');
  }
  return written.sort();
}

/** `.env` (with the key) or `.env.example` (without). Only the server reads these. */
export function envFile(platformUrl: string, apiKey: string | undefined): string {
  return [
    '# Read by the server only; the browser never sees these. .env is in .gitignore.',
    '# An app key (rk_…) from the Latchkey dashboard: Keys → Create key.',
    `LATCHKEY_API_KEY=${apiKey ?? ''}`,
    '# The Latchkey platform.',
    `LATCHKEY_BASE_URL=${platformUrl}`,
    '',
  ].join('\n');
}

/** Whether `dir` can take a new project: missing, or empty. */
export function targetProblem(dir: string): string | undefined {
  let entries: string[];
  try {
    if (!statSync(dir).isDirectory()) return `${basename(dir)} exists and is not a folder`;
    entries = readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (entries.length > 0)
    return `${dir} is not empty (${entries.length} ${entries.length === 1 ? 'entry' : 'entries'}: ${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', …' : ''})`;
  return undefined;
}
