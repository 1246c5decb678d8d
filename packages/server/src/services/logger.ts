export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

// Anything shaped like a key or a JWT is masked, whatever field it hides in.
const SECRET =
  /\b(r[kp]_)[0-9A-Za-z]{34}([0-9A-Za-z]{4})\b|\b(r[ct]_)[\w-]{39}([\w-]{4})(?![\w-])|\beyJ[\w-]+\.[\w-]+\.[\w-]+/g;
export const redact = (text: string) =>
  text.replace(SECRET, (_m, p, last, p2, last2) =>
    p ? `${p}…${last}` : p2 ? `${p2}…${last2}` : '[token]',
  );

/** JSON lines on stderr, secrets masked. */
export function createLogger(
  level: LogLevel,
  write: (line: string) => void = (l) => process.stderr.write(l),
): Logger {
  const at = ORDER[level];
  const log = (lvl: LogLevel) => (msg: string, fields?: Record<string, unknown>) => {
    if (ORDER[lvl] < at) return;
    write(
      `${redact(JSON.stringify({ t: new Date().toISOString(), level: lvl, msg, ...fields }))}\n`,
    );
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}
