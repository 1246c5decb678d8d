import { builtinModules } from 'node:module';

/** Names npm refuses outright, whatever their characters. */
const RESERVED = new Set(['node_modules', 'favicon.ico']);

/**
 * Why `name` cannot be an npm package name, or undefined when it can. The rules of
 * `validate-npm-package-name` for new packages: at most 214 characters, lowercase,
 * URL-safe, no leading dot or underscore, no spaces, and not a Node built-in.
 *
 * @example
 * projectNameProblem('my-app'); // undefined
 * projectNameProblem('My App'); // 'a project name has no capital letters'
 */
export function projectNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'a project name cannot be empty';
  if (name.length > 214) return 'a project name is at most 214 characters long';
  if (name.trim() !== name) return 'a project name cannot start or end with spaces';
  if (name.startsWith('.')) return 'a project name cannot start with a dot';
  if (name.startsWith('_')) return 'a project name cannot start with an underscore';
  if (name.toLowerCase() !== name) return 'a project name has no capital letters';
  if (/[~'!()*\s]/.test(name)) return `a project name cannot contain spaces or any of ~'!()*`;
  if (RESERVED.has(name) || builtinModules.includes(name))
    return `"${name}" is reserved (a Node built-in or a name npm refuses)`;
  const scoped = /^@([^/]+)\/([^/]+)$/.exec(name);
  const parts = scoped ? [scoped[1] as string, scoped[2] as string] : [name];
  if (parts.some((p) => encodeURIComponent(p) !== p))
    return 'a project name holds only URL-safe characters: a-z, 0-9, - . _';
  return undefined;
}
