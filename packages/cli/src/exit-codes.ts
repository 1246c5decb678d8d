/**
 * Exit codes of `latchkey`, stable for scripts:
 *
 * | code | meaning |
 * |---|---|
 * | 0 | success |
 * | 1 | failure (the error line names the code) |
 * | 2 | usage or configuration error |
 * | 3 | not logged in (no credentials file) |
 * | 4 | the API key was refused (invalid, expired, revoked, or the wrong kind) |
 * | 5 | the server cannot be reached |
 * | 6 | the browser sign-in was declined, or its code expired |
 * | 130 | interrupted at a prompt (Ctrl-C) |
 */
export const EXIT = {
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  NOT_LOGGED_IN: 3,
  KEY_REFUSED: 4,
  UNREACHABLE: 5,
  SIGN_IN_FAILED: 6,
  INTERRUPTED: 130,
} as const;
