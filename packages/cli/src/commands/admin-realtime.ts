import type { Command } from 'commander';
import { actor, unwrap, withAdmin } from '../admin-connection.js';
import { EXIT } from '../exit-codes.js';
import { CliError, printJson, printTable } from '../output.js';
import { type Db, dbOptions } from './admin.js';

const dateOrDash = (d: string | null) => (d ? d.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '-');
const STATES = ['created', 'waiting', 'active', 'closed', 'open'] as const;

/** `latchkey admin runtime …` and `latchkey admin session list`. */
export function registerAdminRealtime(program: Command) {
  const admin = program.commands.find((c) => c.name() === 'admin');
  if (!admin) throw new TypeError('register the admin command first');

  const runtime = admin
    .command('runtime')
    .description('model runtimes: credentials for `latchkey runtime` processes, and who is online');
  dbOptions(
    runtime
      .command('create')
      .description('create a credential for a runtime process; its secret (rt_…) is shown once'),
  )
    .requiredOption('--name <name>', 'a name to recognise the runtime by, e.g. gpu-1')
    .action(async (o: Db & { name: string }) => {
      const r = await withAdmin(o, async (api) =>
        unwrap(await api.createRuntime({ name: o.name, actor: actor() })),
      );
      if (o.json) return printJson(r);
      process.stdout.write(
        `Created runtime ${r.id} "${r.name}". Credential (shown once, store it now):\n\n  ${r.secret}\n\n` +
          `Start it with:\n\n  LATCHKEY_RUNTIME_KEY=… latchkey runtime --server https://latchkey.example.com\n\n`,
      );
    });

  dbOptions(runtime.command('list').description('runtimes: state, models, open sessions')).action(
    async (o: Db) => {
      const runtimes = await withAdmin(o, async (api) => unwrap(await api.listRuntimes({})));
      if (o.json) return printJson({ runtimes });
      printTable(
        runtimes.map((r) => ({
          id: r.id,
          name: r.name,
          kind: r.kind,
          state: r.state,
          models: r.models.join(',') || '-',
          sessions: `${r.openSessions}/${r.capacity.sessions}`,
          lastSeen: dateOrDash(r.lastSeenAt),
          url: r.url ?? '-',
        })),
      );
    },
  );

  dbOptions(
    runtime
      .command('revoke')
      .description("revoke a runtime's credential; its sessions end (runtime_lost)"),
  )
    .argument('<runtimeId>', 'the runtime id (rtm_…)')
    .action(async (runtimeId: string, o: Db) => {
      const r = await withAdmin(o, async (api) =>
        unwrap(await api.revokeRuntime({ id: runtimeId, actor: actor() })),
      );
      if (o.json) return printJson(r);
      process.stdout.write(`Revoked runtime ${r.id}; ended ${r.sessionsEnded} session(s).\n`);
    });

  const session = admin.command('session').description('realtime sessions');
  dbOptions(session.command('list').description("an org's sessions, newest first"))
    .requiredOption('--org <org>', 'org id or slug')
    .option('--state <state>', `one of ${STATES.join(', ')} (open: not closed)`)
    .option('--limit <n>', 'at most this many', '100')
    .action(async (o: Db & { org: string; state?: string; limit: string }) => {
      const limit = Number.parseInt(o.limit, 10);
      if (!Number.isInteger(limit) || limit <= 0)
        throw new CliError('USAGE', '--limit must be a positive integer', undefined, EXIT.USAGE);
      if (o.state !== undefined && !(STATES as readonly string[]).includes(o.state))
        throw new CliError(
          'USAGE',
          `--state must be one of ${STATES.join(', ')}`,
          undefined,
          EXIT.USAGE,
        );
      const sessions = await withAdmin(o, async (api) =>
        unwrap(
          await api.listSessions({
            org: o.org,
            state: o.state as (typeof STATES)[number] | undefined,
            limit,
          }),
        ),
      );
      if (o.json) return printJson({ sessions });
      printTable(
        sessions.map((s) => ({
          id: s.sessionId,
          model: s.model,
          state: s.state,
          reason: s.closeReason ?? '-',
          created: dateOrDash(s.createdAt),
          key: s.keyId,
          token: s.tokenId,
        })),
      );
    });
}
