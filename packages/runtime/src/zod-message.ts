import { formatIssues } from '@latchkey/core';
import type { z } from 'zod';

/**
 * One line that names each failing field and says what is wrong with it (core's
 * `formatIssues`, the one formatter the server and the runtime share).
 */
export function zodMessage(error: z.ZodError): string {
  return formatIssues(error.issues);
}
