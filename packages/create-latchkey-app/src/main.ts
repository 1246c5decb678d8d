import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { DEFAULT_MODEL, DEFAULT_PLATFORM_URL, type Flags, parseFlags, USAGE } from './args.js';
import { type Answers, ask, lastSegment } from './ask.js';
import { CreateAppError, EXIT } from './errors.js';
import { appKeyProblem } from './key-shape.js';
import { latchkeyPackages } from './latchkey-packages.js';
import { projectNameProblem } from './project-name.js';
import { scaffold, targetProblem } from './scaffold.js';

export interface RunOptions {
  /** Where relative directories resolve (default: `process.cwd()`). */
  cwd?: string | undefined;
  /** Where the key comes from with `--key-stdin` (default: process.stdin). */
  stdin?: NodeJS.ReadableStream | undefined;
  /** Whether to ask questions (default: stdin and stdout are terminals). */
  interactive?: boolean | undefined;
}

/**
 * Runs `create-latchkey-app` with the given arguments (without node and the script);
 * resolves to the exit code. Errors are printed, not thrown.
 *
 * @example
 * process.exitCode = await run(['my-app', '--template', 'next', '--no-env', '--yes']);
 */
export async function run(argv: string[], options: RunOptions = {}): Promise<number> {
  try {
    return await create(argv, options);
  } catch (error) {
    // Anything unforeseen (a folder it may not write, a full disk) is one line too.
    const e =
      error instanceof CreateAppError
        ? error
        : new CreateAppError(
            error instanceof Error ? error.message : String(error),
            undefined,
            EXIT.FAILURE,
          );
    process.stderr.write(`error: ${e.message}\n${e.fix ? `  fix: ${e.fix}\n` : ''}`);
    return e.exitCode;
  }
}

async function create(argv: string[], options: RunOptions): Promise<number> {
  const flags = parseFlags(argv);
  if (flags.help) {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.OK;
  }
  const cwd = options.cwd ?? process.cwd();
  const interactive =
    !flags.yes &&
    !flags.keyStdin &&
    (options.interactive ?? (process.stdin.isTTY === true && process.stdout.isTTY === true));
  // A bad name or a full folder is refused before any question.
  if (flags.directory !== undefined) checkDirectory(resolve(cwd, flags.directory));
  const answers = interactive ? await ask(flags, cwd) : await fromFlags(flags, options);
  const dir = resolve(cwd, answers.directory);
  checkDirectory(dir);

  const started = performance.now();
  const created = !existsSync(dir);
  mkdirSync(dir, { recursive: true });
  try {
    const packages = await latchkeyPackages(dir, flags.latchkeyPackages);
    scaffold({
      dir,
      name: lastSegment(dir),
      template: answers.template,
      model: answers.model,
      platformUrl: answers.platformUrl,
      apiKey: answers.apiKey,
      packages,
    });
  } catch (error) {
    if (created) rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const scaffoldMs = performance.now() - started;
  const shown = relative(cwd, dir) || '.';
  process.stdout.write(
    `Created ${lastSegment(dir)} (${answers.template} template, model ${answers.model}) in ${shown} in ${seconds(scaffoldMs)}.\n`,
  );

  if (flags.install) {
    process.stdout.write('Installing dependencies (npm install)…\n');
    const t = performance.now();
    const code = await npmInstall(dir);
    if (code !== 0)
      throw new CreateAppError(
        `npm install failed in ${shown} (exit ${code}); the project is there`,
        `cd ${shown} && npm install`,
        EXIT.FAILURE,
      );
    process.stdout.write(`Installed in ${seconds(performance.now() - t)}.\n`);
  }
  process.stdout.write(nextSteps(shown, answers, flags.install));
  return EXIT.OK;
}

function checkDirectory(dir: string): void {
  const problem = projectNameProblem(lastSegment(dir));
  if (problem)
    throw new CreateAppError(
      `cannot use "${lastSegment(dir)}" as the project name: ${problem}`,
      'Pick a folder name like my-app.',
    );
  const taken = targetProblem(dir);
  if (taken) throw new CreateAppError(taken, 'Pick a new folder name, or empty that folder first.');
}

async function fromFlags(flags: Flags, options: RunOptions): Promise<Answers> {
  if (flags.directory === undefined)
    throw new CreateAppError(
      'no project folder given (and no terminal to ask on)',
      'create-latchkey-app my-app --yes',
    );
  let apiKey: string | undefined;
  if (flags.keyStdin) {
    const stdin = options.stdin ?? process.stdin;
    // Typed on a terminal, the key would show as it is typed (and stay in the scrollback).
    if ((stdin as { isTTY?: boolean }).isTTY)
      throw new CreateAppError(
        '--key-stdin reads a pipe, and stdin is a terminal (the key would show as you type it)',
        'Leave out --key-stdin and paste the key at the hidden prompt, or pipe it: create-latchkey-app my-app --key-stdin < key.txt',
      );
    apiKey = (await readAll(stdin)).trim();
    const problem = appKeyProblem(apiKey);
    if (problem)
      throw new CreateAppError(
        `--key-stdin: ${problem}`,
        'Pipe one app key (rk_…) from the dashboard, e.g. create-latchkey-app my-app --key-stdin < key.txt',
      );
  }
  return {
    directory: flags.directory,
    template: flags.template ?? 'next',
    model: flags.model ?? DEFAULT_MODEL,
    platformUrl: flags.url ?? DEFAULT_PLATFORM_URL,
    apiKey,
  };
}

function nextSteps(dir: string, a: Answers, installed: boolean): string {
  const lines = ['', 'Next:', ''];
  if (dir !== '.') lines.push(`  cd ${dir}`);
  if (!installed) lines.push('  npm install');
  lines.push(
    `  npm run dev        # then open ${a.template === 'next' ? 'http://localhost:3000' : 'http://localhost:5173'} and press Connect`,
    '',
  );
  if (a.apiKey === undefined)
    lines.push(
      'Before that, put your app key in .env (copy .env.example): LATCHKEY_API_KEY=rk_…',
      `Keys come from the Latchkey dashboard (${a.platformUrl}/ → Keys → Create key). Until`,
      'the key is there the page says what is missing.',
      '',
    );
  else
    lines.push(
      'Your key is in .env (mode 0600, listed in .gitignore); the browser never sees it.',
      '',
    );
  lines.push(
    `The page talks to Latchkey at ${a.platformUrl}. For a local one, run \`npm start\` in`,
    'the Latchkey repo: its first start prints an app key. README.md says the rest.',
    '',
  );
  return lines.join('\n');
}

function npmInstall(dir: string): Promise<number> {
  return new Promise((done) => {
    const child = spawn('npm', ['install', '--no-audit', '--no-fund'], {
      cwd: dir,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.once('error', () => done(127));
    child.once('exit', (code) => done(code ?? 1));
  });
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

const seconds = (ms: number) =>
  ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
