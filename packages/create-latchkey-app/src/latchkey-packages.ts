import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { CreateAppError, EXIT } from './errors.js';

/** Where the new project gets `@latchkey/sdk` (and the `@latchkey/core` it depends on). */
export type PackageSource =
  | { kind: 'registry'; version: string }
  /** Tarballs copied into the project's `vendor/`, paths relative to the project. */
  | { kind: 'vendored'; sdk: string; core: string };

/** The SDK version a published scaffolder asks the registry for. */
export const SDK_RANGE = '^0.1.0';

const REPO_PACKAGES = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The SDK and core folders of the Latchkey repo this scaffolder runs from, when it runs
 * from a clone (`npx latchkey create-app`, `node packages/create-latchkey-app/bin/…`)
 * and they are built; undefined for an installed scaffolder.
 */
export function repoPackages(): { sdk: string; core: string } | undefined {
  const sdk = join(REPO_PACKAGES, 'sdk');
  const core = join(REPO_PACKAGES, 'core');
  const named = (dir: string, name: string) => {
    try {
      return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name === name;
    } catch {
      return false;
    }
  };
  if (!named(sdk, '@latchkey/sdk') || !named(core, '@latchkey/core')) return undefined;
  if (!existsSync(join(sdk, 'dist/server.js')) || !existsSync(join(core, 'dist/index.js')))
    throw new CreateAppError(
      'the Latchkey SDK in this clone is not built',
      'Run `npm run build` at the repo root first.',
      EXIT.FAILURE,
    );
  return { sdk, core };
}

const tarballIn = (dir: string, prefix: string) =>
  readdirSync(dir)
    .filter((f) => f.startsWith(prefix) && f.endsWith('.tgz'))
    .sort()
    .at(-1);

/**
 * Puts `latchkey-sdk-*.tgz` and `latchkey-core-*.tgz` into `<project>/vendor/`: copied
 * from `fromDir` when given, else packed (`npm pack`) from the clone this runs in.
 * The published scaffolder (neither) uses the registry.
 */
export async function latchkeyPackages(
  projectDir: string,
  fromDir: string | undefined,
): Promise<PackageSource> {
  const vendor = join(projectDir, 'vendor');
  if (fromDir !== undefined) {
    const dir = resolve(fromDir);
    const sdk = existsSync(dir) ? tarballIn(dir, 'latchkey-sdk-') : undefined;
    const core = existsSync(dir) ? tarballIn(dir, 'latchkey-core-') : undefined;
    if (!sdk || !core)
      throw new CreateAppError(
        `--latchkey-packages ${fromDir} holds no latchkey-sdk-*.tgz and latchkey-core-*.tgz`,
        'Make them with: npm pack -w @latchkey/sdk -w @latchkey/core --pack-destination DIR',
      );
    mkdirSync(vendor, { recursive: true });
    copyFileSync(join(dir, sdk), join(vendor, sdk));
    copyFileSync(join(dir, core), join(vendor, core));
    return { kind: 'vendored', sdk: `vendor/${sdk}`, core: `vendor/${core}` };
  }
  const repo = repoPackages();
  if (!repo) return { kind: 'registry', version: SDK_RANGE };
  mkdirSync(vendor, { recursive: true });
  try {
    const { stdout } = await promisify(execFile)(
      'npm',
      ['pack', repo.sdk, repo.core, '--pack-destination', vendor, '--json', '--ignore-scripts'],
      { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 },
    );
    const files = (JSON.parse(stdout) as Array<{ filename: string }>).map((p) => p.filename);
    const sdk = files.find((f) => f.startsWith('latchkey-sdk-'));
    const core = files.find((f) => f.startsWith('latchkey-core-'));
    if (!sdk || !core) throw new Error(`npm pack made ${files.join(', ')}`);
    return { kind: 'vendored', sdk: `vendor/${sdk}`, core: `vendor/${core}` };
  } catch (error) {
    throw new CreateAppError(
      `could not pack the SDK from this clone: ${(error as Error).message.split('\n')[0]}`,
      'Run `npm run build` at the repo root, then try again.',
      EXIT.FAILURE,
    );
  }
}
