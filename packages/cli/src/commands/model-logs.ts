import type { Command } from 'commander';
import { type ModelEvent, modelApi, modelTarget } from '../model-api.js';

const DETAIL_KEYS = ['version', 'reason', 'runtimeId', 'code', 'message', 'image', 'imageDigest'];

/** One line for people: time, what, outcome, and the details that say most. */
export function formatEvent(e: ModelEvent): string {
  const model = typeof e.data.model === 'string' ? e.data.model : '';
  const details = DETAIL_KEYS.filter((k) => e.data[k] !== undefined && e.data[k] !== null).map(
    (k) => `${k}=${String(e.data[k])}`,
  );
  if (Array.isArray(e.data.models))
    details.push(
      `models=${e.data.models
        .map((m: unknown) =>
          typeof m === 'object' && m !== null
            ? [(m as { name?: string }).name, (m as { version?: string }).version]
                .filter(Boolean)
                .join('@')
            : String(m),
        )
        .join(',')}`,
    );
  return [
    e.at.replace(/\.\d+Z$/, 'Z'),
    e.action,
    e.outcome,
    model,
    e.own ? (e.target ?? '') : '(app org)',
    ...details,
  ]
    .filter(Boolean)
    .join('  ');
}

/** `latchkey model logs NAME [--follow]`: the model's log; with --follow, new lines as they come. */
export function registerModelLogs(model: Command) {
  model
    .command('logs')
    .description("a model's log: sessions, jobs, errors, runtime joins and leaves, publish, retire")
    .argument('<name>')
    .option('-f, --follow', 'keep printing new lines until Ctrl-C')
    .option('--interval <ms>', 'how often --follow asks for new lines', '1000')
    .option('--json', 'print one JSON object per line')
    .action(async (name: string, o: { follow?: boolean; interval: string; json?: boolean }) => {
      const { c, short } = modelTarget(name);
      const interval = Math.max(100, Number(o.interval) || 1000);
      let after: number | null = null;
      let stopped = false;
      let wake: (() => void) | undefined;
      const stop = () => {
        stopped = true;
        wake?.();
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        for (;;) {
          const page = await modelApi.events(c, short, after);
          for (const e of page.data)
            process.stdout.write(`${o.json ? JSON.stringify(e) : formatEvent(e)}\n`);
          after = page.next;
          if (page.more) continue;
          if (!o.follow || stopped) break;
          await new Promise<void>((resolve) => {
            wake = resolve;
            setTimeout(resolve, interval);
          });
          if (stopped) break;
        }
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
}
