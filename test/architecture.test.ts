// The architecture, enforced (docs/architecture.md says why): which workspace package
// may import which, that the server's domain folders never reach into its HTTP layer,
// that package.json dependency lists agree with the graph, that `latchkey runtime` never
// loads the server, and that no source file grows past 400 lines. Imports are read with
// the TypeScript compiler's own pre-processor: static imports, `export … from`, and
// dynamic `import(…)` alike (type-only imports count: they are a dependency too).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '..');
const PACKAGES = join(ROOT, 'packages');

/** What each package's source may import of ours (examples and bench are free). */
const ALLOWED: Record<string, string[]> = {
  core: [],
  server: ['core'],
  runtime: ['core'],
  sdk: ['core'],
  // The CLI hands the server the built dashboard's folder; the server never imports it.
  // `latchkey create-app` runs the scaffolder.
  cli: ['server', 'runtime', 'core', 'dashboard', 'create-latchkey-app'],
  dashboard: ['sdk', 'core'],
  // It imports nothing of ours: its templates are files it copies.
  'create-latchkey-app': [],
};

/** Server folders that hold the domain: they never import `http/`. */
const DOMAIN_FOLDERS = [
  'realtime',
  'jobs',
  'registry',
  'services',
  'db',
  'admin',
  'accounts',
  'models',
];

const MAX_LINES = 400;

const isTest = (file: string) => /\.test\.tsx?$/.test(file);

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.tsx?$/.test(name) && !name.endsWith('.d.ts') && !isTest(name)) out.push(path);
  }
  return out;
}

/** Every module specifier a file imports, re-exports or loads with `import()`. */
function importsOf(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName);
}

/** `@latchkey/server/x` → `server`; undefined for anything not ours. */
const workspacePackage = (spec: string) => /^@latchkey\/([^/]+)/.exec(spec)?.[1];

/** A relative specifier as a path under the repo (`.js` spelled for the `.ts` source). */
const resolveRelative = (from: string, spec: string) =>
  resolve(dirname(from), spec).replace(/\.js$/, '.ts');

interface Violation {
  file: string;
  rule: string;
  detail: string;
}

/** Checks the packages under `root` (the repo's `packages/`, or a fixture in a test). */
function checkArchitecture(root: string): Violation[] {
  const violations: Violation[] = [];
  const add = (file: string, rule: string, detail: string) =>
    violations.push({ file: relative(ROOT, file), rule, detail });
  for (const pkg of readdirSync(root)) {
    const dir = join(root, pkg);
    const allowed = ALLOWED[pkg];
    if (!allowed) {
      add(dir, 'graph', `package "${pkg}" has no place in the graph (add it to ALLOWED)`);
      continue;
    }
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<
      string,
      Record<string, string> | undefined
    >;
    for (const field of ['dependencies', 'peerDependencies', 'optionalDependencies']) {
      for (const dep of Object.keys(manifest[field] ?? {})) {
        const name = workspacePackage(dep);
        if (name && name !== pkg && !allowed.includes(name))
          add(join(dir, 'package.json'), 'package.json', `${field} lists ${dep}`);
      }
    }
    const src = join(dir, 'src');
    for (const file of sourceFiles(src)) {
      const text = readFileSync(file, 'utf8');
      const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
      if (lines > MAX_LINES) add(file, 'size', `${lines} lines (at most ${MAX_LINES})`);
      const inSrc = relative(src, file).split(sep);
      const domain = pkg === 'server' && DOMAIN_FOLDERS.includes(inSrc[0] as string);
      for (const spec of importsOf(text)) {
        const name = workspacePackage(spec);
        if (name && name !== pkg && !allowed.includes(name))
          add(file, 'graph', `${pkg} imports ${spec}`);
        if (name && name !== pkg && !manifest.dependencies?.[`@latchkey/${name}`])
          add(file, 'package.json', `imports ${spec}, which dependencies does not list`);
        if (domain && spec.startsWith('.')) {
          const target = relative(src, resolveRelative(file, spec)).split(sep);
          if (target[0] === 'http')
            add(file, 'domain', `${inSrc[0]}/ imports the HTTP layer (${spec})`);
        }
      }
    }
  }
  return violations;
}

/** Every file `entry` reaches through relative imports, with the packages they import. */
function reach(entry: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    const specs = importsOf(readFileSync(file, 'utf8'));
    seen.set(file, specs);
    for (const s of specs) if (s.startsWith('.')) visit(resolveRelative(file, s));
  };
  visit(entry);
  return seen;
}

describe('the architecture', () => {
  it('holds: the package graph, package.json, domain folders off http/, files within 400 lines', () => {
    const violations = checkArchitecture(PACKAGES);
    expect(violations.map((v) => `${v.file}: [${v.rule}] ${v.detail}`)).toEqual([]);
  });

  it('the server never depends on the dashboard (the CLI passes its built folder)', () => {
    expect(ALLOWED.server).not.toContain('dashboard');
    const manifest = JSON.parse(readFileSync(join(PACKAGES, 'server/package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
      devDependencies?: Record<string, string>;
    };
    expect(Object.keys({ ...manifest.dependencies, ...manifest.devDependencies })).not.toContain(
      '@latchkey/dashboard',
    );
  });

  it('`latchkey runtime` never loads the server package', () => {
    const files = reach(join(PACKAGES, 'cli/src/commands/runtime.ts'));
    expect(files.size).toBeGreaterThan(1);
    for (const [file, specs] of files)
      for (const s of specs) expect(s, relative(ROOT, file)).not.toMatch(/^@latchkey\/server/);
  });

  it('reads static, type-only, re-exported and dynamic imports', () => {
    expect(
      importsOf(
        [
          "import { a } from '@latchkey/a';",
          "import type { B } from '@latchkey/b';",
          "export { c } from './c.js';",
          "const d = await import('@latchkey/d');",
        ].join('\n'),
      ),
    ).toEqual(['@latchkey/a', '@latchkey/b', './c.js', '@latchkey/d']);
  });
});
