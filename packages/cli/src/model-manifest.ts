import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { EXIT } from './exit-codes.js';
import { CliError } from './output.js';

const VERSION = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const VERSION_RULE = 'letters, digits, ".", "_" or "-", starting with a letter or digit';

/** `latchkey.yaml`: what `latchkey model publish` reads beside a model. */
export const ManifestSchema = z.strictObject({
  name: z.string().min(1).max(113),
  kind: z.enum(['realtime', 'batch']).optional(),
  description: z.string().max(2000).optional(),
  visibility: z.enum(['public', 'private']).optional(),
  version: z
    .union([z.string(), z.number()])
    .transform(String)
    .refine((v) => VERSION.test(v), VERSION_RULE),
  image: z.string().min(1).max(512).optional(),
  weights: z
    .union([z.string(), z.number()])
    .transform(String)
    .refine((v) => VERSION.test(v), VERSION_RULE)
    .optional(),
  resources: z.record(z.string(), z.unknown()).optional(),
});

export type Manifest = z.infer<typeof ManifestSchema>;

/** Reads and checks a latchkey.yaml; each problem is reported with its line. */
export function readManifest(path: string): Manifest {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(
      'USAGE',
      `cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      'Run latchkey model publish in the directory holding latchkey.yaml, or pass --file PATH.',
      EXIT.USAGE,
    );
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const lineOf = (offset: number | undefined) =>
    offset === undefined ? '' : `line ${lines.linePos(offset).line}: `;
  if (doc.errors.length > 0)
    throw new CliError(
      'USAGE',
      `${path} is not valid YAML: ${doc.errors.map((e) => `${lineOf(e.pos[0])}${e.message.split('\n')[0]}`).join('; ')}`,
      undefined,
      EXIT.USAGE,
    );
  // Versions as written: YAML would read `version: 1.10` as the number 1.1.
  const raw = parseDocument(text, { schema: 'failsafe' }).toJS() as Record<string, unknown> | null;
  const data = doc.toJS() as unknown;
  if (data && typeof data === 'object' && raw && typeof raw === 'object')
    for (const key of ['version', 'weights'] as const)
      if (typeof (data as Record<string, unknown>)[key] === 'number')
        (data as Record<string, unknown>)[key] = raw[key];
  const parsed = ManifestSchema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const path = issue.path.map(String);
      const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
      const at = issue.code === 'unrecognized_keys' ? undefined : node?.range?.[0];
      const field =
        issue.code === 'unrecognized_keys' ? issue.keys.join(', ') : path.join('.') || '(file)';
      return `${lineOf(at)}${field}: ${issue.message}`;
    });
    throw new CliError(
      'USAGE',
      `${path} has ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}:\n  ${problems.join('\n  ')}`,
      'Fields: name, kind, description, visibility, version, image, weights, resources.',
      EXIT.USAGE,
    );
  }
  return parsed.data;
}
