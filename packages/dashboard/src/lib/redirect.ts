/** A redirect target from the URL, kept on this origin: a path, never `//host` or a URL. */
export function safeRedirect(value: unknown): string | undefined {
  return typeof value === 'string' && /^\/(?![/\\])/.test(value) ? value : undefined;
}

/** Search-param validator for pages that send you back where you were. */
export const redirectSearch = (s: Record<string, unknown>) => ({
  redirect: safeRedirect(s.redirect),
});
