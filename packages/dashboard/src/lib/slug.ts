import { SLUG_PATTERN as SLUG } from '@latchkey/core';

/**
 * Core's slug rule (the one the server checks) as an HTML `pattern`: no anchors (the
 * browser adds them), and compiled with the `v` flag, where a literal dash in a class
 * must be escaped.
 */
export const SLUG_PATTERN = SLUG.source.replace(/^\^|\$$/g, '').replaceAll('-]', '\\-]');
