import type { ErrorCode } from '../errors.js';

/**
 * What the OCI client throws: a stable code from the one registry (`REGISTRY_UNAUTHORIZED`,
 * `REGISTRY_UNAVAILABLE`, `WEIGHTS_NOT_FOUND`, `WEIGHTS_DIGEST_MISMATCH`, `INVALID_REQUEST`)
 * and a message for people. `status` is the registry's HTTP status when there was one.
 */
export class OciError extends Error {
  readonly code: ErrorCode;
  readonly status: number | undefined;
  constructor(code: ErrorCode, message: string, status?: number) {
    super(message);
    this.name = 'OciError';
    this.code = code;
    this.status = status;
  }
}
