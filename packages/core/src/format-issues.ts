/**
 * The parts of a validation issue the message needs. zod's issues fit it, so this
 * module needs no zod (and the browser entry stays free of it).
 */
export interface IssueLike {
  readonly path: readonly PropertyKey[];
  readonly message: string;
  readonly code?: string;
  readonly keys?: readonly string[];
}

/**
 * One line that names each failing field and says what is wrong with it:
 * `width: Too big: expected number to be <=1024; prompt: Invalid input: expected string`.
 * An issue without a path is named `root` when given; unknown keys are listed by name.
 */
export function formatIssues(
  issues: readonly IssueLike[],
  options: { max?: number; root?: string } = {},
): string {
  const { max = 5, root } = options;
  return issues
    .slice(0, max)
    .map((issue) => {
      const path = issue.path.map(String).join('.') || root;
      const message =
        issue.code === 'unrecognized_keys' && issue.keys
          ? `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`
          : issue.message;
      return path ? `${path}: ${message}` : message;
    })
    .join('; ');
}
