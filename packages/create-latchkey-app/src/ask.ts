import { resolve } from 'node:path';
import { cancel, isCancel, password, select, text } from '@clack/prompts';
import {
  DEFAULT_MODEL,
  DEFAULT_PLATFORM_URL,
  type Flags,
  modelNameProblem,
  platformUrlProblem,
  type Template,
} from './args.js';
import { CreateAppError, EXIT } from './errors.js';
import { appKeyProblem } from './key-shape.js';
import { projectNameProblem } from './project-name.js';
import { targetProblem } from './scaffold.js';

/** Everything the scaffolder needs, from flags and (on a terminal) answers. */
export interface Answers {
  directory: string;
  template: Template;
  model: string;
  platformUrl: string;
  apiKey: string | undefined;
}

const DEFAULT_DIRECTORY = 'my-latchkey-app';

function answered<T>(value: T): Exclude<T, symbol> {
  if (isCancel(value)) {
    cancel('Cancelled; nothing was written.');
    throw new CreateAppError('cancelled at a prompt', 'Run the command again.', EXIT.INTERRUPTED);
  }
  return value as Exclude<T, symbol>;
}

/** Asks, on a terminal, for whatever the flags left open. The key is typed hidden. */
export async function ask(flags: Flags, cwd: string): Promise<Answers> {
  const directory =
    flags.directory ??
    answered(
      await text({
        message: 'Project folder',
        placeholder: DEFAULT_DIRECTORY,
        defaultValue: DEFAULT_DIRECTORY,
        validate: (v) =>
          projectNameProblem(lastSegment(v || DEFAULT_DIRECTORY)) ??
          targetProblem(resolve(cwd, v || DEFAULT_DIRECTORY)),
      }),
    );
  const template =
    flags.template ??
    answered(
      await select<Template>({
        message: 'Template',
        initialValue: 'next',
        options: [
          { value: 'next', label: 'Next.js (App Router)', hint: 'default' },
          { value: 'vite', label: 'React + Vite, with a small Node backend' },
        ],
      }),
    );
  const model =
    flags.model ??
    answered(
      await text({
        message: 'Realtime model',
        placeholder: DEFAULT_MODEL,
        defaultValue: DEFAULT_MODEL,
        validate: (v) => modelNameProblem(v || DEFAULT_MODEL),
      }),
    );
  const platformUrl = (
    flags.url ??
    answered(
      await text({
        message: 'Latchkey platform URL',
        placeholder: DEFAULT_PLATFORM_URL,
        defaultValue: DEFAULT_PLATFORM_URL,
        validate: (v) => platformUrlProblem(v || DEFAULT_PLATFORM_URL),
      }),
    )
  ).replace(/\/+$/, '');
  let apiKey: string | undefined;
  if (!flags.noEnv) {
    const now = answered(
      await select<'paste' | 'later'>({
        message: 'Your app key (LATCHKEY_API_KEY)',
        initialValue: 'paste',
        options: [
          { value: 'paste', label: 'Paste it now (hidden); it goes to .env, mode 0600' },
          { value: 'later', label: 'Later: leave .env.example to copy' },
        ],
      }),
    );
    if (now === 'paste')
      apiKey = answered(
        await password({
          message: `App key (rk_…, from the dashboard at ${platformUrl}/ → Keys)`,
          validate: (v) => appKeyProblem((v ?? '').trim()),
        }),
      ).trim();
  }
  return { directory, template, model, platformUrl, apiKey };
}

export const lastSegment = (path: string) =>
  path
    .replace(/[/\\]+$/, '')
    .split(/[/\\]/)
    .at(-1) ?? path;
