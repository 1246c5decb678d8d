import { type ErrorCode, errorFix, isErrorCode } from '@latchkey/core';
import { EXIT } from './exit-codes.js';

/**
 * A failure the CLI reports with its code (from core's registry, where the CLI's own
 * codes are marked client-side) and a one-line fix (the registry's unless given).
 */
export class CliError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly fix?: string,
    readonly exitCode: number = EXIT.FAILURE,
  ) {
    super(message);
  }
}

/** Ends a command that has already printed its outcome (e.g. `auth status --json`) with an exit code. */
export class ExitWith extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}

export function printError(error: unknown, json: boolean): number {
  if (error instanceof ExitWith) return error.exitCode;
  const e =
    error instanceof CliError
      ? error
      : new CliError('INTERNAL_ERROR', error instanceof Error ? error.message : String(error));
  const fix = e.fix ?? (isErrorCode(e.code) ? errorFix(e.code) : undefined);
  if (json) {
    process.stdout.write(
      `${JSON.stringify({ error: { code: e.code, message: e.message, fix } })}\n`,
    );
  } else {
    process.stderr.write(`error ${e.code}: ${e.message}\n${fix ? `  fix: ${fix}\n` : ''}`);
  }
  return e.exitCode;
}

export function printJson(value: unknown) {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** A plain table for people; scripts use --json. */
export function printTable(rows: Array<Record<string, string>>) {
  if (rows.length === 0) {
    process.stdout.write('(none)\n');
    return;
  }
  const cols = Object.keys(rows[0] as Record<string, string>);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: string[]) =>
    `${cells
      .map((v, i) => v.padEnd(width[i] ?? 0))
      .join('  ')
      .trimEnd()}\n`;
  process.stdout.write(line(cols.map((c) => c.toUpperCase())));
  for (const r of rows) process.stdout.write(line(cols.map((c) => r[c] ?? '')));
}

/** An ISO time for people: `2026-11-23T17:00:00Z (in 11 h 58 min)` or `(… ago)`. */
export const until = (iso: string) => {
  const ms = new Date(iso).getTime() - Date.now();
  const h = Math.floor(Math.abs(ms) / 3600_000);
  const m = Math.floor((Math.abs(ms) % 3600_000) / 60_000);
  return `${iso.replace(/\.\d+Z$/, 'Z')} (${ms >= 0 ? 'in ' : ''}${h ? `${h} h ` : ''}${m} min${ms < 0 ? ' ago' : ''})`;
};
