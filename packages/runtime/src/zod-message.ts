import type { z } from 'zod';

/**
 * One line that names each failing field and says what is wrong with it:
 * `width: Too big: expected number to be <=1024; prompt: Invalid input: expected string`.
 */
export function zodMessage(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}
