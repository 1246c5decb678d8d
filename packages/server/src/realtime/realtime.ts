import type { IceServer } from '@latchkey/core';
import type { Logger, TurnConfig } from '@latchkey/core/node';
import type { Kysely } from 'kysely';
import type { OpenDatabase } from '../db/open-database.js';
import type { Database } from '../db/schema.js';
import { createJobQueue } from '../jobs/job-queue.js';
import { createJobService, type JobService } from '../jobs/jobs.js';
import { createQueueStore } from '../jobs/queue-store.js';
import type { AuditWriter } from '../services/audit.js';
import type { Clock } from '../services/clock.js';
import type { BusEvent, EventBus } from '../services/event-bus.js';
import type { SecretBox } from '../services/secret-box.js';
import type { SigningKeys } from '../services/signing-keys.js';
import { createRuntimeDirectory, type RuntimeDirectory } from './runtime-directory.js';
import { createSessionService, type SessionService } from './sessions.js';
import { createSweeper, type Sweeper } from './sweeper.js';

/** Sessions, jobs and the runtimes that serve them: the coordinator's half of the platform. */
export interface Realtime {
  directory: RuntimeDirectory;
  sessions: SessionService;
  jobs: JobService;
  sweeper: Sweeper;
  /**
   * Starts what a serving process runs in the background: the sweeper, ending media of
   * closed sessions, and working the job queue (whose schema it creates or migrates).
   */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createRealtime(deps: {
  db: Kysely<Database>;
  database: Pick<OpenDatabase, 'kind' | 'url' | 'pglite'>;
  clock: Clock;
  bus: EventBus;
  audit: AuditWriter;
  log: Logger;
  signingKeys: SigningKeys;
  box: SecretBox;
  issuer: string;
  audience: string;
  iceServers: IceServer[];
  turn?: TurnConfig | undefined;
}): Realtime {
  const directory = createRuntimeDirectory(deps);
  const sessions = createSessionService({ ...deps, directory });
  const boss = createQueueStore(deps.database, deps.db);
  const queue = createJobQueue({ ...deps, directory, boss });
  const jobs = createJobService({ ...deps, directory, queue });
  const sweeper = createSweeper({ ...deps, directory, also: () => jobs.sweep() });

  // The database says these sessions are closed: end their media. This process ends
  // those on its own embedded runtime and on remote runtimes (a repeated close is a
  // no-op there); another process's embedded runtime is that process's to end.
  const endMedia = async (event: Extract<BusEvent, { type: 'sessions-closed' }>) => {
    const kinds = new Map<string, string>();
    for (const s of event.sessions) {
      if (s.runtimeId === directory.localId()) {
        await directory.localHost()?.closeSession(s.id, event.reason);
        continue;
      }
      if (!kinds.has(s.runtimeId)) {
        const row = await deps.db
          .selectFrom('runtimes')
          .select('kind')
          .where('id', '=', s.runtimeId)
          .executeTakeFirst();
        kinds.set(s.runtimeId, row?.kind ?? 'gone');
      }
      if (kinds.get(s.runtimeId) !== 'remote') continue;
      await (await directory.host(s.runtimeId))?.closeSession(s.id, event.reason);
    }
  };

  let started = false;
  return {
    directory,
    sessions,
    jobs,
    sweeper,
    async start() {
      if (started) return;
      started = true;
      deps.bus.subscribe((event) => {
        if (event.type !== 'sessions-closed' || !started) return;
        endMedia(event).catch((error) =>
          deps.log.warn('could not end media of closed sessions', { error: String(error) }),
        );
      });
      sweeper.start();
      await queue.start();
    },
    async stop() {
      started = false;
      await sweeper.stop();
      await queue.stop();
    },
  };
}
