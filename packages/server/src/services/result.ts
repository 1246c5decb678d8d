import type { ErrorCode } from '@latchkey/core';

/** An expected failure, as a value. It becomes an error envelope at the HTTP edge. */
export interface Failure {
  ok: false;
  code: ErrorCode;
  message: string;
  /** The key and org a refusal concerns, when known (for the audit log). */
  subject?: { orgId: string; keyId: string };
}
export type Result<T> = { ok: true; value: T } | Failure;

export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });
export const fail = (code: ErrorCode, message: string): Failure => ({ ok: false, code, message });
