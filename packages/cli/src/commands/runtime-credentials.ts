import type { Command } from 'commander';
import { api } from '../api-client.js';
import { readCredentials } from '../credentials-file.js';
import { printJson, printTable } from '../output.js';

interface RuntimeCredential {
  id: string;
  name: string;
  display: string | null;
  state: 'online' | 'offline' | 'revoked';
  models: string[];
  openSessions: number;
  lastSeenAt: string | null;
  createdAt: string;
}

/** The stored login's server, partner key and org: what every subcommand calls with. */
const login = () => {
  const c = readCredentials();
  const base = `/v1/orgs/${encodeURIComponent(c.orgSlug)}/runtime-credentials`;
  return { c, base };
};

/**
 * `latchkey runtime credentials create|list|revoke`: the runtime credentials (rt_…) of
 * the partner org you are logged in to (`latchkey auth login`). Its runtimes serve only
 * that org's models.
 */
export function registerRuntimeCredentials(runtime: Command) {
  const credentials = runtime
    .command('credentials')
    .description(
      "your partner org's runtime credentials (rt_…): what `latchkey runtime` registers with",
    );

  credentials
    .command('create')
    .description('create a runtime credential; the rt_ secret is shown once')
    .requiredOption('--name <name>', 'a name to tell it apart (a machine, a pool)')
    .option('--json', 'print one JSON object, for scripts')
    .action(async (o: { name: string; json?: boolean }) => {
      const { c, base } = login();
      const made = await api<{ id: string; name: string; secret: string }>(c.server, base, {
        method: 'POST',
        apiKey: c.apiKey,
        body: { name: o.name },
      });
      if (o.json) return printJson(made);
      process.stdout.write(
        `Created runtime credential ${made.id} (${made.name}) for org ${c.orgSlug}.\n` +
          `Secret (shown once): ${made.secret}\n` +
          `Run: LATCHKEY_RUNTIME_KEY=<secret> latchkey runtime --server ${c.server} --model ./dist/model.js\n`,
      );
    });

  credentials
    .command('list')
    .description("the org's runtime credentials (never a secret) and what their runtimes serve")
    .option('--json', 'print JSON, for scripts')
    .action(async (o: { json?: boolean }) => {
      const { c, base } = login();
      const { data } = await api<{ data: RuntimeCredential[] }>(c.server, base, {
        apiKey: c.apiKey,
      });
      if (o.json) return printJson(data);
      printTable(
        data.map((r) => ({
          id: r.id,
          name: r.name,
          credential: r.display ?? '',
          state: r.state,
          models: r.models.join(', '),
          sessions: String(r.openSessions),
          'last seen': r.lastSeenAt ?? '',
        })),
      );
    });

  credentials
    .command('revoke')
    .description('revoke a runtime credential: its runtime is refused at once and its sessions end')
    .argument('<id>', 'the credential id (rtm_…)')
    .option('--json', 'print one JSON object, for scripts')
    .action(async (id: string, o: { json?: boolean }) => {
      const { c, base } = login();
      const done = await api<{ id: string; sessionsEnded: number }>(
        c.server,
        `${base}/${encodeURIComponent(id)}`,
        { method: 'DELETE', apiKey: c.apiKey },
      );
      if (o.json) return printJson(done);
      process.stdout.write(
        `Revoked runtime credential ${done.id}; ${done.sessionsEnded} session(s) ended.\n`,
      );
    });
}
