/** Exit codes of `create-latchkey-app`, stable for scripts (the same meanings as `latchkey`'s). */
export const EXIT = {
  OK: 0,
  /** `npm install` (or packing the local SDK) failed. */
  FAILURE: 1,
  /** A bad flag or name, a target folder that is not empty, a malformed key. */
  USAGE: 2,
  /** Ctrl-C at a prompt. */
  INTERRUPTED: 130,
} as const;

/** A failure the scaffolder reports as one line with a fix, and ends with `exitCode`. */
export class CreateAppError extends Error {
  constructor(
    message: string,
    readonly fix?: string,
    readonly exitCode: number = EXIT.USAGE,
  ) {
    super(message);
    this.name = 'CreateAppError';
  }
}
