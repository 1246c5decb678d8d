import { type Command, Option } from 'commander';
import { actor, unwrap, withAdmin } from '../admin-connection.js';
import { parseDuration } from '../duration.js';
import { EXIT } from '../exit-codes.js';
import { CliError, printJson, printTable } from '../output.js';

export interface Db {
  dataDir?: string;
  databaseUrl?: string;
  json?: boolean;
}

export const dbOptions = (cmd: Command) =>
  cmd
    .option(
      '--data-dir <dir>',
      'embedded database directory (default: LATCHKEY_DATA_DIR or ./.latchkey-data)',
    )
    .option('--database-url <url>', 'PostgreSQL connection string (default: DATABASE_URL)')
    .option('--json', 'print one JSON object, for scripts');

function duration(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const s = parseDuration(text);
  if (s === undefined)
    throw new CliError(
      'USAGE',
      `${flag}: "${text}" is not a duration`,
      `Use a number with s, m, h, d or w, e.g. ${flag} 30d.`,
      2,
    );
  return s;
}

const dateOrDash = (d: string | null) => (d ? d.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-');

export function registerAdmin(program: Command) {
  const admin = program
    .command('admin')
    .description(
      'manage orgs, keys, users, signing keys and the audit log (works on the database directly)',
    );

  const org = admin.command('org').description('orgs');
  dbOptions(org.command('create').description('create an org'))
    .requiredOption('--name <name>', 'display name')
    .option('--slug <slug>', 'URL-safe id (default: made from the name)')
    .option('--partner', 'a model partner org (may hold partner keys, rp_)')
    .action(async (o: Db & { name: string; slug?: string; partner?: boolean }) => {
      const created = await withAdmin(o, async (api) =>
        unwrap(
          await api.createOrg({
            name: o.name,
            slug: o.slug,
            partner: o.partner ?? false,
            actor: actor(),
          }),
        ),
      );
      if (o.json) return printJson(created);
      process.stdout.write(
        `Created org ${created.slug} (${created.id})${created.partner ? ', partner' : ''}\n`,
      );
    });

  const key = admin.command('key').description('API keys');
  dbOptions(key.command('create').description('create a key; its secret is shown once'))
    .requiredOption('--org <org>', 'org id or slug')
    .addOption(
      new Option('--kind <kind>', 'app (rk_) or partner (rp_)')
        .choices(['app', 'partner'])
        .default('app'),
    )
    .option('--name <name>', 'a name to recognise the key by', 'default')
    .option('--expires-in <duration>', 'e.g. 30d; default: never')
    .action(
      async (
        o: Db & { org: string; kind: 'app' | 'partner'; name: string; expiresIn?: string },
      ) => {
        const expiresInSeconds = duration('--expires-in', o.expiresIn);
        const r = await withAdmin(o, async (api) =>
          unwrap(
            await api.createKey({
              org: o.org,
              kind: o.kind,
              name: o.name,
              expiresInSeconds,
              actor: actor(),
            }),
          ),
        );
        if (o.json) return printJson({ ...r.key, secret: r.secret });
        process.stdout.write(
          `Created ${r.key.kind} key ${r.key.id} "${r.key.name}"${r.key.expiresAt ? `, expires ${r.key.expiresAt}` : ''}.\nSecret (shown once, store it now):\n\n  ${r.secret}\n\n`,
        );
      },
    );

  dbOptions(key.command('list').description('list the keys of an org (display form only)'))
    .requiredOption('--org <org>', 'org id or slug')
    .action(async (o: Db & { org: string }) => {
      const keys = await withAdmin(o, async (api) => unwrap(await api.listKeys({ org: o.org })));
      if (o.json) return printJson({ keys });
      printTable(
        keys.map((k) => ({
          id: k.id,
          key: k.display,
          kind: k.kind,
          name: k.name,
          state: k.state,
          created: dateOrDash(k.createdAt),
          createdBy: k.createdBy,
          lastUsed: dateOrDash(k.lastUsedAt),
          expires: dateOrDash(k.expiresAt),
        })),
      );
    });

  dbOptions(key.command('revoke').description('revoke a key everywhere (within a second)'))
    .argument('<keyId>', 'the key id (key_…)')
    .option('--reason <text>', 'why, for the audit log')
    .option(
      '--cascade',
      'also end the registry credentials it issued (works on an already revoked key too)',
    )
    .option(
      '--end-sessions',
      'also end, at once, the realtime sessions opened with tokens it minted (works on an already revoked key too)',
    )
    .action(
      async (
        keyId: string,
        o: Db & { reason?: string; cascade?: boolean; endSessions?: boolean },
      ) => {
        const k = await withAdmin(o, async (api) =>
          unwrap(
            await api.revokeKey({
              id: keyId,
              reason: o.reason,
              cascade: o.cascade,
              endSessions: o.endSessions,
              actor: actor(),
            }),
          ),
        );
        if (o.json) return printJson(k);
        const ended = [
          k.credentialsEnded === undefined
            ? undefined
            : `${k.credentialsEnded} registry credential(s)`,
          k.sessionsEnded === undefined ? undefined : `${k.sessionsEnded} live session(s)`,
        ].filter((x) => x !== undefined);
        const stays = [
          'session tokens it minted stay valid until they expire (at most 6 h)',
          k.sessionsEnded === undefined
            ? 'sessions already open run on (--end-sessions ends them)'
            : undefined,
          k.credentialsEnded === undefined
            ? 'registry credentials stay valid until they expire (at most 12 h; --cascade ends them)'
            : undefined,
        ].filter((x) => x !== undefined);
        process.stdout.write(
          `Revoked ${k.id} (${k.display})${ended.length ? ` and ended ${ended.join(' and ')}` : ''}. ${stays.join('; ').replace(/^./, (c) => c.toUpperCase())}.\n`,
        );
      },
    );

  dbOptions(
    key.command('rotate').description('replace a key with a new one with the same settings'),
  )
    .argument('<keyId>', 'the key id (key_…)')
    .option('--grace <duration>', 'keep the old key working this long (at most 24h)', '0')
    .action(async (keyId: string, o: Db & { grace: string }) => {
      const graceSeconds = duration('--grace', o.grace);
      const r = await withAdmin(o, async (api) =>
        unwrap(await api.rotateKey({ id: keyId, graceSeconds, actor: actor() })),
      );
      if (o.json) return printJson({ ...r.key, secret: r.secret, old: r.old });
      const until = graceSeconds ? `keeps working until ${r.old.expiresAt}` : 'stopped working now';
      process.stdout.write(
        `Rotated ${r.old.id}: the old key ${until}.\nNew key ${r.key.id}. Secret (shown once):\n\n  ${r.secret}\n\n`,
      );
    });

  const user = admin.command('user').description('people who sign in (accounts)');
  dbOptions(
    user
      .command('create')
      .description('create a user; prints a one-time link (an hour) to choose their password'),
  )
    .requiredOption('--email <email>', 'their email address (counts as verified)')
    .option('--name <name>', 'display name (default: the part of the email before @)')
    .option('--instance-admin', 'may see every org, mark partner orgs and manage users')
    .action(async (o: Db & { email: string; name?: string; instanceAdmin?: boolean }) => {
      const r = await withAdmin(o, async (api) =>
        unwrap(
          await api.createUser({
            email: o.email,
            name: o.name,
            instanceAdmin: o.instanceAdmin ?? false,
            actor: actor(),
          }),
        ),
      );
      if (o.json) return printJson(r);
      process.stdout.write(
        `Created user ${r.user.email} (${r.user.id})${r.user.instanceAdmin ? ', instance admin' : ''}.
Give them this link to choose a password (works once, for an hour; afterwards they use "forgot password"):\n\n  ${r.passwordLink}\n\n`,
      );
    });

  dbOptions(user.command('list').description('list users (never a password)')).action(
    async (o: Db) => {
      const users = await withAdmin(o, async (api) => unwrap(await api.listUsers({})));
      if (o.json) return printJson({ users });
      printTable(
        users.map((u) => ({
          id: u.id,
          email: u.email,
          name: u.name,
          verified: u.emailVerified ? 'yes' : 'no',
          twoFactor: u.twoFactorEnabled ? 'yes' : 'no',
          instanceAdmin: u.instanceAdmin ? 'yes' : 'no',
          created: dateOrDash(u.createdAt),
        })),
      );
    },
  );

  const sk = admin.command('signing-key').description('the keys that sign session tokens');
  dbOptions(
    sk
      .command('rotate')
      .description(
        'start signing with a new key; the old one stays in the JWKS until its tokens expire',
      ),
  ).action(async (o: Db) => {
    const r = await withAdmin(o, async (api) =>
      unwrap(await api.rotateSigningKey({ actor: actor() })),
    );
    if (o.json) return printJson(r);
    process.stdout.write(
      `Signing with ${r.kid}${r.retired ? `; ${r.retired} stays in the JWKS until its last token expires` : ''}.\n`,
    );
  });

  dbOptions(admin.command('audit').description("read an org's audit log, newest first"))
    .requiredOption('--org <org>', 'org id or slug')
    .option('--since <duration>', 'e.g. 1h, 7d')
    .option('--action <action>', 'e.g. token.minted, auth.failed, key.revoked')
    .option('--limit <n>', 'at most this many events', '100')
    .action(async (o: Db & { org: string; since?: string; action?: string; limit: string }) => {
      const limit = Number.parseInt(o.limit, 10);
      if (!Number.isInteger(limit) || limit <= 0)
        throw new CliError('USAGE', '--limit must be a positive integer', undefined, EXIT.USAGE);
      const events = await withAdmin(o, async (api) =>
        unwrap(
          await api.audit({
            org: o.org,
            sinceSeconds: duration('--since', o.since),
            action: o.action,
            limit,
          }),
        ),
      );
      if (o.json) return printJson({ events });
      printTable(
        events.map((e) => ({
          at: dateOrDash(e.at),
          action: e.action,
          outcome: e.outcome,
          actor: e.actor,
          target: e.target ?? '-',
          ip: e.ip ?? '-',
        })),
      );
    });
}
