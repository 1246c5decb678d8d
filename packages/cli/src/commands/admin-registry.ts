import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { actor, unwrap, withAdmin } from '../admin-connection.js';
import { writeFileAtomic } from '../atomic-write.js';
import { EXIT } from '../exit-codes.js';
import { CliError, printJson } from '../output.js';
import { type Db, dbOptions } from './admin.js';

/** The bundle's file name in --out. */
export const BUNDLE_FILE = 'latchkey-registry-ca.pem';

/** `latchkey admin registry config|rotate`: the registry's token auth. */
export function registerAdminRegistry(program: Command) {
  const admin = program.commands.find((c) => c.name() === 'admin');
  if (!admin) throw new TypeError('register the admin command first');
  const registry = admin
    .command('registry')
    .description("the container registry's token auth: its config section and CA rotation");

  dbOptions(
    registry
      .command('config')
      .description(
        "print the auth: section of the registry's config file and write the CA bundle it trusts",
      ),
  )
    .option('--out <dir>', `directory to write ${BUNDLE_FILE} into`, '.')
    .option(
      '--realm <url>',
      "the token endpoint as the registry's clients reach it (default: this server's URL + /v1/registry/token)",
    )
    .action(async (o: Db & { out: string; realm?: string }) => {
      const c = await withAdmin(o, async (api) => unwrap(await api.registryConfig({})));
      if (o.realm !== undefined) {
        try {
          new URL(o.realm);
        } catch {
          throw new CliError('USAGE', `--realm: "${o.realm}" is not a URL`, undefined, EXIT.USAGE);
        }
      }
      const dir = resolve(o.out);
      mkdirSync(dir, { recursive: true });
      const bundle = resolve(dir, BUNDLE_FILE);
      writeFileAtomic(bundle, c.bundlePem, 0o644);
      const config = { ...c, realm: o.realm ?? c.realm };
      if (o.json)
        return printJson({
          realm: config.realm,
          service: c.service,
          issuer: c.issuer,
          rootcertbundle: bundle,
          registry: c.registry,
          certificates: c.cas,
        });
      process.stdout.write(
        `# Latchkey token auth for the registry${c.registry ? ` at ${c.registry}` : ''}; ${c.cas.length} CA certificate(s) in the bundle\n${(await import('@latchkey/server')).renderAuthYaml(config, bundle)}`,
      );
      process.stderr.write(
        `Wrote ${bundle}: ${c.cas.map((ca) => `${ca.id} (${ca.state})`).join(', ')}\n`,
      );
    });

  dbOptions(
    registry
      .command('rotate')
      .description(
        'rotate the CA without downtime: stage a new one (in the bundle, not signing), then --activate it',
      ),
  )
    .option(
      '--activate',
      'start signing with the staged CA (after the registry has the new bundle)',
    )
    .action(async (o: Db & { activate?: boolean }) => {
      const r = await withAdmin(o, async (api) =>
        unwrap(await api.rotateRegistryCa({ activate: o.activate === true, actor: actor() })),
      );
      if (o.json) return printJson(r);
      if (r.staged)
        process.stdout.write(
          [
            `Staged CA ${r.staged.id} (SHA-256 ${r.staged.fingerprint}); tokens are still signed under the current CA.`,
            'Next:',
            '  1. latchkey admin registry config --out DIR    (the bundle now holds the old and the new CA)',
            '  2. restart the registry so it loads the new bundle',
            '  3. latchkey admin registry rotate --activate',
            '',
          ].join('\n'),
        );
      else
        process.stdout.write(
          `Signing registry tokens under CA ${r.active?.id}.${r.retired ? ` The old CA ${r.retired.id} stays in the bundle until ${r.retired.publishUntil}; write the config again after that to drop it.` : ''}\n`,
        );
    });
}
