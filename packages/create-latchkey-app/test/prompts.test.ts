// The scaffolder on a terminal (a pseudo-terminal from util-linux `script`): it asks for
// the folder, template, model, URL and key, the key prompt echoes nothing of the key,
// and the key lands in .env (0600). Each answer is typed once its question shows.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, fakePackages, SHAPED_KEY, tempDir } from './helpers.js';

const HAVE_SCRIPT = spawnSync('script', ['--version']).status === 0;

describe.skipIf(!HAVE_SCRIPT)('on a terminal', () => {
  const made: string[] = [];
  const temp = () => {
    const dir = tempDir();
    made.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });

  it('asks, hides the key, writes .env', async () => {
    const cwd = temp();
    const packs = fakePackages();
    made.push(packs);
    const command = `stty cols 120 rows 40; exec ${process.execPath} ${BIN} --no-install --latchkey-packages ${packs}`;
    const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    const exited = new Promise<number | null>((r) => child.once('exit', r));
    /** Waits for `question` (each is asked once), then types `typed` and Enter. */
    const answer = async (question: string, typed: string) => {
      const until = Date.now() + 15_000;
      while (!out.includes(question))
        if (Date.now() > until) throw new Error(`never asked "${question}":\n${out}`);
        else await new Promise((r) => setTimeout(r, 50));
      child.stdin.write(`${typed}\r`);
      await new Promise((r) => setTimeout(r, 150));
    };
    await answer('Project folder', 'tty-app');
    await answer('Template', ''); // next, the default
    await answer('Realtime model', ''); // echo
    await answer('Latchkey platform URL', 'http://127.0.0.1:9999');
    await answer('Your app key', ''); // paste it now
    await answer('App key (rk_', SHAPED_KEY);
    expect(await exited).toBe(0);
    expect(out).toContain('Created tty-app (next template, model echo) in tty-app');
    expect(out).not.toContain(SHAPED_KEY);
    const env = join(cwd, 'tty-app/.env');
    expect(statSync(env).mode & 0o777).toBe(0o600);
    expect(readFileSync(env, 'utf8')).toContain(
      `LATCHKEY_API_KEY=${SHAPED_KEY}\n# The Latchkey platform.\nLATCHKEY_BASE_URL=http://127.0.0.1:9999\n`,
    );
  }, 30_000);

  it('--key-stdin on a terminal: refused (the key would show as it is typed), nothing written', async () => {
    const cwd = temp();
    const command = `exec ${process.execPath} ${BIN} typed --key-stdin --no-install`;
    const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    const code = await new Promise<number | null>((r) => child.once('exit', r));
    expect(code).toBe(2);
    expect(out).toContain('--key-stdin reads a pipe, and stdin is a terminal');
    expect(existsSync(join(cwd, 'typed'))).toBe(false);
  }, 30_000);
});
