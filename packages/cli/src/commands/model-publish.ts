import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { EXIT } from '../exit-codes.js';
import { modelApi, modelTarget } from '../model-api.js';
import { type Manifest, readManifest } from '../model-manifest.js';
import { CliError, printJson } from '../output.js';

interface PublishOptions {
  version?: string;
  image?: string;
  weights?: string;
  default: boolean;
  file?: string;
  kind?: string;
  json?: boolean;
}

/**
 * `latchkey model publish`: a version from flags, or from latchkey.yaml (the current
 * directory's, or --file); flags win over the file. The model is registered first when
 * the file says how (its kind) and it does not exist yet.
 */
export function registerModelPublish(model: Command) {
  model
    .command('publish')
    .description('publish a version (from flags, or from ./latchkey.yaml or --file)')
    .argument('[name]', 'NAME or <org-slug>/NAME (default: latchkey.yaml’s name)')
    .option('--version <v>', 'the version to publish')
    .option('--image <ref>', 'HOST/<org-slug>/NAME:TAG in the platform registry; pinned by digest')
    .option('--weights <v>', 'the weights version it runs with')
    .option('--no-default', 'publish without making it the default version')
    .option('--file <path>', 'read this latchkey.yaml')
    .option('--kind <kind>', 'realtime or batch, to register a model that does not exist yet')
    .option('--json', 'print the model as JSON')
    .action(async (name: string | undefined, o: PublishOptions) => {
      const file = o.file ?? (name === undefined || !o.version ? 'latchkey.yaml' : undefined);
      let manifest: Partial<Manifest> = {};
      if (file !== undefined) {
        const path = resolve(file);
        if (o.file !== undefined || existsSync(path)) manifest = readManifest(path);
        else if (name === undefined)
          throw new CliError(
            'USAGE',
            `no latchkey.yaml in ${process.cwd()}`,
            'Pass NAME --version V, or run this beside latchkey.yaml (or pass --file PATH).',
            EXIT.USAGE,
          );
      }
      const fullName = name ?? manifest.name;
      const version = o.version ?? manifest.version;
      if (fullName === undefined || version === undefined)
        throw new CliError(
          'USAGE',
          'publish needs a model name and --version (or a latchkey.yaml with name and version)',
          undefined,
          EXIT.USAGE,
        );
      const { c, short } = modelTarget(fullName);
      const kind = o.kind ?? manifest.kind;
      let created = false;
      if (kind !== undefined) {
        try {
          await modelApi.get(c, short);
        } catch (error) {
          if (!(error instanceof CliError) || error.code !== 'MODEL_NOT_FOUND') throw error;
          await modelApi.create(c, {
            name: short,
            kind,
            ...(manifest.description !== undefined ? { description: manifest.description } : {}),
            ...(manifest.visibility !== undefined ? { visibility: manifest.visibility } : {}),
          });
          created = true;
        }
      }
      const image = o.image ?? manifest.image;
      const weights = o.weights ?? manifest.weights;
      const m = await modelApi.publish(c, short, {
        version,
        ...(image !== undefined ? { image } : {}),
        ...(weights !== undefined ? { weights } : {}),
        ...(manifest.resources !== undefined ? { resources: manifest.resources } : {}),
        ...(o.default ? { default: true } : {}),
      });
      if (o.json) return printJson(m);
      const v = m.versions.find((x) => x.version === version);
      process.stdout.write(
        [
          ...(created ? [`Registered ${m.name} (${m.kind}, ${m.visibility})`] : []),
          `Published ${m.name} version ${version}${v?.default ? ' (default)' : ''}`,
          ...(v?.imageDigest ? [`Image ${v.image} pinned to ${v.imageDigest}`] : []),
          ...(v?.weights ? [`Weights version ${v.weights.version}`] : []),
          '',
        ].join('\n'),
      );
    });
}
