// The scaffolder as a script runs it: flags only, no terminal (so nothing is asked and
// nothing hangs), the exit codes and messages of each refusal, and the files it writes.
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { create, fakePackages, SHAPED_KEY, tempDir } from './helpers.js';

let cwd: string;
let packs: string;
beforeAll(() => {
  cwd = tempDir();
  packs = fakePackages();
});
afterAll(() => {
  for (const dir of [cwd, packs]) if (dir) rmSync(dir, { recursive: true, force: true });
});

const quiet = (extra: string[] = []) => ['--no-install', '--latchkey-packages', packs, ...extra];

describe('refusals', () => {
  it('a name npm would refuse: exit 2, the rule, nothing written', () => {
    const r = create(['My App', ...quiet(['--no-env'])], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot use "My App" as the project name');
    expect(r.stderr).toContain('no capital letters');
    expect(existsSync(join(cwd, 'My App'))).toBe(false);
  });

  it('a folder that is not empty: exit 2, and the folder is left as it was', () => {
    const dir = join(cwd, 'taken');
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    const r = create(['taken', ...quiet(['--no-env'])], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/taken is not empty \(1 entry: notes\.txt\)/);
    expect(r.stderr).toContain('fix: Pick a new folder name, or empty that folder first.');
    expect(readdirSync(dir)).toEqual(['notes.txt']);
  });

  it('a folder it cannot make: exit 1 and one line, no stack trace', () => {
    writeFileSync(join(cwd, 'a-file'), 'x');
    const r = create(['a-file/app', ...quiet(['--no-env'])], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: ENOTDIR: not a directory, \w+ '.*a-file\/app'\n$/);
  });

  it('no folder and no terminal: exit 2 at once, no prompt', () => {
    const started = Date.now();
    const r = create(quiet(), { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no project folder given (and no terminal to ask on)');
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('bad flags: an unknown template, an unknown option, a bad URL, contradicting flags', () => {
    for (const [args, message] of [
      [['a1', '--template', 'svelte'], '--template must be one of next, vite (got "svelte")'],
      [['a2', '--colour'], "Unknown option '--colour'"],
      [['a3', '--url', 'ftp://x'], '--url: the platform URL starts with http:// or https://'],
      [['a4', '--model', 'Bad Model'], 'is not a model name'],
      [['a5', '--key-stdin', '--no-env'], '--key-stdin and --no-env contradict each other'],
    ] as const) {
      const r = create([...args, ...quiet()], { cwd });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(message);
      expect(existsSync(join(cwd, args[0]))).toBe(false);
    }
  });

  it('--key-stdin with something that is not an app key: exit 2, the key never echoed', () => {
    const partner = `rp_${SHAPED_KEY.slice(3)}`;
    for (const [input, message] of [
      [partner, 'that is a partner key (rp_…)'],
      ['rk_short', 'an app key is rk_ and 38 letters and digits (this one has 5'],
      ['', 'no key was given'],
      ['eyJhbGciOi.token', 'an app key starts with rk_'],
    ] as const) {
      const r = create(['k1', '--key-stdin', ...quiet()], { cwd, input });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(message);
      if (input) expect(r.stdout + r.stderr).not.toContain(input);
      expect(existsSync(join(cwd, 'k1'))).toBe(false);
    }
  });
});

describe('a project from flags', () => {
  it('--key-stdin: .env holds the key, mode 0600, listed in .gitignore; the model and URL are filled in', () => {
    const r = create(
      [
        'video-app',
        '--template',
        'next',
        '--model',
        'echo-2',
        '--url',
        'https://lk.example.com/',
        '--key-stdin',
        ...quiet(),
      ],
      { cwd, input: `${SHAPED_KEY}\n` },
    );
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Created video-app (next template, model echo-2) in video-app');
    expect(r.stdout).toContain('  cd video-app\n  npm install\n  npm run dev');
    expect(r.stdout).not.toContain(SHAPED_KEY);
    const dir = join(cwd, 'video-app');
    const env = join(dir, '.env');
    expect(statSync(env).mode & 0o777).toBe(0o600);
    expect(readFileSync(env, 'utf8')).toContain(
      `LATCHKEY_API_KEY=${SHAPED_KEY}\n# The Latchkey platform.\nLATCHKEY_BASE_URL=https://lk.example.com\n`,
    );
    expect(readFileSync(join(dir, '.env.example'), 'utf8')).toContain('LATCHKEY_API_KEY=\n');
    expect(readFileSync(join(dir, '.gitignore'), 'utf8').split('\n')).toContain('.env');
    expect(existsSync(join(dir, '_gitignore'))).toBe(false);
    expect(readFileSync(join(dir, 'lib/latchkey.ts'), 'utf8')).toContain(
      "export const MODEL = 'echo-2';",
    );
    for (const file of ['lib/latchkey.ts', 'README.md', 'app/page.tsx', 'package.json'])
      expect(readFileSync(join(dir, file), 'utf8'), file).not.toMatch(/__[A-Z_]+__/);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    expect(manifest.name).toBe('video-app');
    expect(manifest.dependencies['@latchkey/sdk']).toBe('file:vendor/latchkey-sdk-0.1.0.tgz');
    expect(manifest.overrides).toEqual({ '@latchkey/core': 'file:vendor/latchkey-core-0.1.0.tgz' });
    expect(readdirSync(join(dir, 'vendor')).sort()).toEqual([
      'latchkey-core-0.1.0.tgz',
      'latchkey-sdk-0.1.0.tgz',
    ]);
    expect(existsSync(join(dir, 'app/api/latchkey/token/route.ts'))).toBe(true);
    expect(existsSync(join(dir, 'app/api/latchkey/[...path]/route.ts'))).toBe(true);
  });

  it('--no-env: only .env.example, and the next steps say where the key goes', () => {
    const r = create(['vite-app', '--template', 'vite', '--no-env', ...quiet()], { cwd });
    expect(r.code).toBe(0);
    const dir = join(cwd, 'vite-app');
    expect(existsSync(join(dir, '.env'))).toBe(false);
    expect(existsSync(join(dir, '.env.example'))).toBe(true);
    expect(existsSync(join(dir, 'server/latchkey.js'))).toBe(true);
    expect(r.stdout).toContain(
      'put your app key in .env (copy .env.example): LATCHKEY_API_KEY=rk_…',
    );
    expect(r.stdout).toContain('http://127.0.0.1:8787/ → Keys → Create key');
    expect(r.stdout).toContain('http://localhost:5173');
  });

  it('--yes without a key flag: the defaults (next, echo, the local platform), no .env', () => {
    const r = create(['defaults', '--yes', ...quiet()], { cwd });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('(next template, model echo)');
    const dir = join(cwd, 'defaults');
    expect(existsSync(join(dir, '.env'))).toBe(false);
    expect(readFileSync(join(dir, '.env.example'), 'utf8')).toContain(
      'LATCHKEY_BASE_URL=http://127.0.0.1:8787',
    );
  });

  it('an existing empty folder is fine', () => {
    mkdirSync(join(cwd, 'empty'));
    expect(create(['empty', ...quiet(['--no-env'])], { cwd }).code).toBe(0);
    expect(existsSync(join(cwd, 'empty/package.json'))).toBe(true);
  });

  it('from a clone, without --latchkey-packages: packs this repo’s SDK and core into vendor/', () => {
    const r = create(['packed', '--no-env', '--no-install'], { cwd });
    expect(r.code).toBe(0);
    const vendor = readdirSync(join(cwd, 'packed/vendor')).sort();
    expect(vendor).toEqual(['latchkey-core-0.1.0.tgz', 'latchkey-sdk-0.1.0.tgz']);
    expect(statSync(join(cwd, 'packed/vendor', vendor[1] as string)).size).toBeGreaterThan(10_000);
  });
});

describe('latchkey create-app', () => {
  it('passes its arguments through and ends with the scaffolder’s exit code', () => {
    const ok = create(['via-cli', '--template', 'vite', ...quiet(['--no-env'])], {
      cwd,
      via: 'cli',
    });
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(existsSync(join(cwd, 'via-cli/vite.config.js'))).toBe(true);
    const bad = create(['Via CLI', ...quiet()], { cwd, via: 'cli' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('no capital letters');
    const help = create(['--help'], { cwd, via: 'cli' });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: create-latchkey-app [directory] [options]');
  });
});
