/**
 * The wait before retry number `attempt` (0 for the first): `baseMs` doubled per
 * attempt up to `maxMs`. With `jitter`, a random point in the upper half of that, so
 * many clients that failed together do not come back together.
 */
export function backoffMs(
  attempt: number,
  options: { baseMs: number; maxMs?: number; jitter?: boolean },
): number {
  const { baseMs, maxMs = Number.POSITIVE_INFINITY, jitter = false } = options;
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt));
  return jitter ? ceiling / 2 + Math.random() * (ceiling / 2) : ceiling;
}
