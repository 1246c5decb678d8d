// Where the server and the runtime write what happens: structured JSON lines with
// key- and token-shaped text masked. Node-only (writes to stderr by default).
import { redactSecrets } from './redact-secrets.js';

/** Fields are structured; never put secrets in them (the JSON logger masks what it recognises). */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/**
 * JSON lines on stderr, secrets masked.
 *
 * @example
 * const log = createLogger('info');
 * log.warn('runtime unreachable', { runtimeId });
 */
export function createLogger(
  level: LogLevel,
  write: (line: string) => void = (l) => process.stderr.write(l),
): Logger {
  const at = ORDER[level];
  const log = (lvl: LogLevel) => (message: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < at) return;
    write(
      `${redactSecrets(JSON.stringify({ t: new Date().toISOString(), level: lvl, msg: message, ...fields }))}\n`,
    );
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

const nothing = () => undefined;

/** A logger that drops everything. */
export const silentLogger: Logger = {
  debug: nothing,
  info: nothing,
  warn: nothing,
  error: nothing,
};

/** The message of anything thrown, for logs (never for callers). */
export function errorDetail(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return String(error);
}
