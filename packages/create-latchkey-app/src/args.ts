import { parseArgs } from 'node:util';
import { CreateAppError } from './errors.js';

export const TEMPLATES = ['next', 'vite'] as const;
export type Template = (typeof TEMPLATES)[number];

export const DEFAULT_MODEL = 'echo';
export const DEFAULT_PLATFORM_URL = 'http://127.0.0.1:8787';

/** What the command line said; anything left undefined is asked for, or defaulted. */
export interface Flags {
  directory?: string | undefined;
  template?: Template | undefined;
  model?: string | undefined;
  url?: string | undefined;
  /** `--key-stdin`: the app key comes on stdin and goes to `.env`. */
  keyStdin: boolean;
  /** `--no-env`: write only `.env.example`, ask for no key. */
  noEnv: boolean;
  install: boolean;
  /** `--yes`: never prompt; defaults for whatever no flag gave. */
  yes: boolean;
  /** A folder of `npm pack` tarballs of @latchkey/sdk and @latchkey/core to use. */
  latchkeyPackages?: string | undefined;
  help: boolean;
}

export const USAGE = `Usage: create-latchkey-app [directory] [options]

Creates a web app that uses Latchkey: a backend token route that keeps your API key
on the server, a realtime page (camera → model → video), and a proxy for batch jobs.

Options:
  --template next|vite   next (default): Next.js App Router; vite: React + Vite and a small Node backend
  --model NAME           the realtime model the page opens (default: ${DEFAULT_MODEL})
  --url URL              the Latchkey platform's URL (default: ${DEFAULT_PLATFORM_URL})
  --key-stdin            read the app key (rk_…) from stdin and write it to .env (mode 0600)
  --no-env               write only .env.example; put the key in .env later
  --no-install           do not run npm install
  --latchkey-packages DIR  use the @latchkey/sdk and @latchkey/core tarballs in DIR
  -y, --yes              ask nothing: flags, then defaults (also when stdin is not a terminal)
  -h, --help             this text

Without a terminal, or with --yes, nothing is asked and no key is written unless
--key-stdin is given.`;

/**
 * core's MODEL_NAME (a built-in `echo`, a partner's `modelco/styler`), optionally
 * `@version`, copied: the scaffolder depends on none of our packages at run time.
 * src/args.test.ts checks the copy against core's.
 */
export const MODEL_NAME =
  /^(?:[a-z0-9](?:[a-z0-9-]{0,46}[a-z0-9])?\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*|[a-z0-9][a-z0-9._-]{0,63})$/;
const MODEL_VERSION = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Parses argv (without node and the script); a bad flag is a CreateAppError (exit 2). */
export function parseFlags(argv: string[]): Flags {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new CreateAppError((error as Error).message, 'Run with --help for the options.');
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1)
    throw new CreateAppError(
      `expected one directory, got ${positionals.length}: ${positionals.join(' ')}`,
      'Run with --help for the options.',
    );
  const template = values.template;
  if (template !== undefined && !(TEMPLATES as readonly string[]).includes(template))
    throw new CreateAppError(
      `--template must be one of ${TEMPLATES.join(', ')} (got "${template}")`,
    );
  const badModel = values.model === undefined ? undefined : modelNameProblem(values.model);
  if (badModel) throw new CreateAppError(`--model ${badModel}`);
  if (values.url !== undefined) checkPlatformUrl(values.url);
  if (values['key-stdin'] && values['no-env'])
    throw new CreateAppError('--key-stdin and --no-env contradict each other; pick one');
  return {
    directory: positionals[0],
    template: template as Template | undefined,
    model: values.model,
    url: values.url?.replace(/\/+$/, ''),
    keyStdin: values['key-stdin'] ?? false,
    noEnv: values['no-env'] ?? false,
    install: !(values['no-install'] ?? false),
    yes: values.yes ?? false,
    latchkeyPackages: values['latchkey-packages'],
    help: values.help ?? false,
  };
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      template: { type: 'string' },
      model: { type: 'string' },
      url: { type: 'string' },
      'key-stdin': { type: 'boolean' },
      'no-env': { type: 'boolean' },
      'no-install': { type: 'boolean' },
      'latchkey-packages': { type: 'string' },
      yes: { type: 'boolean', short: 'y' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

/** Why `name` cannot be a model's name, or undefined. */
export function modelNameProblem(name: string): string | undefined {
  const [base = '', version, ...rest] = name.split('@');
  return MODEL_NAME.test(base) &&
    (version === undefined || MODEL_VERSION.test(version)) &&
    rest.length === 0
    ? undefined
    : `"${name}" is not a model name (lowercase letters, digits, . _ -; at most 64; a partner's as org/name; optionally @version)`;
}

/** Why `url` cannot be the platform's URL, or undefined. */
export function platformUrlProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `"${url}" is not a URL (e.g. ${DEFAULT_PLATFORM_URL})`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    return 'the platform URL starts with http:// or https://';
  if (parsed.username || parsed.password || parsed.search || parsed.hash)
    return 'the platform URL has no credentials, query or fragment';
  return undefined;
}

function checkPlatformUrl(url: string): void {
  const problem = platformUrlProblem(url);
  if (problem) throw new CreateAppError(`--url: ${problem}`);
}
