import type { Command } from 'commander';
import { EXIT } from '../exit-codes.js';
import { modelApi, modelTarget, type PartnerModel } from '../model-api.js';
import { CliError, printJson, printTable } from '../output.js';
import { registerModelLogs } from './model-logs.js';
import { registerModelPublish } from './model-publish.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

const states = (m: PartnerModel) =>
  m.versions.length === 0
    ? '-'
    : m.versions
        .filter((v) => v.state !== 'retired')
        .map((v) => `${v.version} ${v.state}`)
        .join(', ') || 'all retired';

const bytes = (n: number | null) =>
  n === null
    ? '?'
    : n >= 1024 ** 3
      ? `${(n / 1024 ** 3).toFixed(1)} GiB`
      : n >= 1024 ** 2
        ? `${(n / 1024 ** 2).toFixed(1)} MiB`
        : `${n} B`;

/** What `status` prints: the model, then a line per version. */
function printStatus(m: PartnerModel) {
  const serving = new Set(m.versions.flatMap((v) => v.runtimes.map((r) => r.id)));
  process.stdout.write(
    [
      `${m.name} (${m.kind}, ${m.visibility})${m.description ? `: ${m.description}` : ''}`,
      `Default version: ${m.defaultVersion ?? 'none'}`,
      ...(m.visibility === 'private'
        ? [`Allowed orgs: ${m.allowedOrgs.length ? m.allowedOrgs.join(', ') : 'only this org'}`]
        : []),
      `Runtimes serving it: ${serving.size}`,
      '',
    ].join('\n'),
  );
  printTable(
    m.versions.map((v) => ({
      version: v.version,
      state: v.state,
      default: v.default ? 'yes' : '',
      image: v.imageDigest ? `${v.image ?? ''} (${v.imageDigest.slice(0, 19)}…)` : '-',
      weights: v.weights ? `${v.weights.version} (${bytes(v.weights.totalBytes)})` : '-',
      runtimes: v.runtimes.length ? v.runtimes.map((r) => `${r.id} ${r.state}`).join(', ') : '-',
    })),
  );
}

/**
 * `latchkey model …`: a partner's models, with its stored partner key. Each `extension`
 * adds its own subcommands (`latchkey model weights …`) to the returned command.
 */
export function registerModel(
  program: Command,
  ...extensions: Array<(model: Command) => void>
): Command {
  const model = program
    .command('model')
    .description("register, publish and watch your org's models (uses the key from auth login)");

  model
    .command('create')
    .description('register a model NAME (or <org-slug>/NAME) of your org')
    .argument('<name>')
    .requiredOption('--kind <kind>', 'realtime or batch')
    .option('--description <text>', 'what it does')
    .option('--public', "any org's tokens may use it")
    .option('--private', 'only your org and --allow-org orgs may use it (the default)')
    .option('--allow-org <slug>', 'an org whose tokens may use it while private (repeat)', collect)
    .option('--json', 'print the model as JSON')
    .action(
      async (
        name: string,
        o: {
          kind: string;
          description?: string;
          public?: boolean;
          private?: boolean;
          allowOrg?: string[];
          json?: boolean;
        },
      ) => {
        if (o.kind !== 'realtime' && o.kind !== 'batch')
          throw new CliError('USAGE', '--kind: realtime or batch', undefined, EXIT.USAGE);
        if (o.public && o.private)
          throw new CliError(
            'USAGE',
            '--public and --private exclude each other',
            undefined,
            EXIT.USAGE,
          );
        const { c, short } = modelTarget(name);
        const m = await modelApi.create(c, {
          name: short,
          kind: o.kind,
          ...(o.description !== undefined ? { description: o.description } : {}),
          visibility: o.public ? 'public' : 'private',
          ...(o.allowOrg ? { allowedOrgs: o.allowOrg } : {}),
        });
        if (o.json) return printJson(m);
        process.stdout.write(
          `Registered ${m.name} (${m.kind}, ${m.visibility}${m.allowedOrgs.length ? `, also for ${m.allowedOrgs.join(', ')}` : ''})\n` +
            `Next: latchkey model publish ${m.name} --version 1 [--image …] [--weights …]\n`,
        );
      },
    );

  model
    .command('update')
    .description("change a model's description, visibility, allowed orgs or default version")
    .argument('<name>')
    .option('--description <text>', 'what it does')
    .option('--public', "any org's tokens may use it")
    .option('--private', 'only your org and the allowed orgs may use it')
    .option(
      '--allow-org <slug>',
      'the orgs allowed while private: replaces the list (repeat)',
      collect,
    )
    .option('--no-allowed-orgs', 'empty the list of allowed orgs')
    .option('--default-version <v>', 'the version a bare name means')
    .option('--json', 'print the model as JSON')
    .action(
      async (
        name: string,
        o: {
          description?: string;
          public?: boolean;
          private?: boolean;
          allowOrg?: string[];
          allowedOrgs?: boolean;
          defaultVersion?: string;
          json?: boolean;
        },
      ) => {
        if (o.public && o.private)
          throw new CliError(
            'USAGE',
            '--public and --private exclude each other',
            undefined,
            EXIT.USAGE,
          );
        const { c, short } = modelTarget(name);
        const body = {
          ...(o.description !== undefined ? { description: o.description } : {}),
          ...(o.public ? { visibility: 'public' } : o.private ? { visibility: 'private' } : {}),
          ...(o.allowOrg
            ? { allowedOrgs: o.allowOrg }
            : o.allowedOrgs === false
              ? { allowedOrgs: [] }
              : {}),
          ...(o.defaultVersion !== undefined ? { defaultVersion: o.defaultVersion } : {}),
        };
        if (Object.keys(body).length === 0)
          throw new CliError(
            'USAGE',
            'nothing to change',
            'Pass --description, --public or --private, --allow-org, --no-allowed-orgs or --default-version.',
            EXIT.USAGE,
          );
        const m = await modelApi.update(c, short, body);
        if (o.json) return printJson(m);
        process.stdout.write(
          `Updated ${m.name} (${m.visibility}${m.visibility === 'private' && m.allowedOrgs.length ? `, also for ${m.allowedOrgs.join(', ')}` : ''}); default version: ${m.defaultVersion ?? 'none'}\n`,
        );
      },
    );

  registerModelPublish(model);

  model
    .command('list')
    .description("your org's models, their versions and states")
    .option('--json', 'print { data: [...] } as JSON')
    .action(async (o: { json?: boolean }) => {
      const { c } = modelTarget(undefined);
      const { data } = await modelApi.list(c);
      if (o.json) return printJson({ data });
      printTable(
        data.map((m) => ({
          name: m.name,
          kind: m.kind,
          visibility: m.visibility,
          default: m.defaultVersion ?? '-',
          versions: states(m),
        })),
      );
    });

  model
    .command('status')
    .description('a model: its versions with states, default, weights, and the runtimes serving it')
    .argument('<name>')
    .option('--json', 'print the model as JSON')
    .action(async (name: string, o: { json?: boolean }) => {
      const { c, short } = modelTarget(name);
      const m = await modelApi.get(c, short);
      if (o.json) return printJson(m);
      printStatus(m);
    });

  registerModelLogs(model);

  model
    .command('retire')
    .description('retire a version: tokens, sessions and jobs naming it are refused from now on')
    .argument('<name>')
    .requiredOption('--version <v>', 'the version to retire')
    .option('--json', 'print the model as JSON')
    .action(async (name: string, o: { version: string; json?: boolean }) => {
      const { c, short } = modelTarget(name);
      const m = await modelApi.retire(c, short, o.version);
      if (o.json) return printJson(m);
      process.stdout.write(
        `Retired version ${o.version} of ${m.name}; default version: ${m.defaultVersion ?? 'none'}\n`,
      );
    });

  for (const extend of extensions) extend(model);
  return model;
}
