// Shared set-up for the dashboard's tests: a real server (embedded database; models if asked)
// serving the built dashboard, and Debian's Chromium driven by playwright-core.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { embeddedRuntime } from '@latchkey/runtime';
import { loadConfig, type RunningServer, startServer } from '@latchkey/server';
import type { Page } from 'playwright-core';
import { CHROMIUM } from '../../../scripts/chromium.mjs';

export const DIST = resolve(import.meta.dirname, '../dist');
export const IN_CI = process.env.CI === 'true';
export const HAVE_CHROMIUM = existsSync(CHROMIUM);

/** Skips a browser suite locally without Chromium; under CI=true its set-up fails instead. */
export function chromiumGate(): boolean {
  if (HAVE_CHROMIUM) return true;
  if (IN_CI) return true;
  console.warn(
    `[latchkey tests] Chromium is not at ${CHROMIUM}: skipping the dashboard's browser suite locally ` +
      '(under CI=true this is a failure). Install it with: node scripts/test-setup.mjs',
  );
  return false;
}

export function requireChromium(): void {
  if (!HAVE_CHROMIUM)
    throw new Error(
      `Chromium is not at ${CHROMIUM}${IN_CI ? ' and CI=true: failing, not skipping' : ''} (node scripts/test-setup.mjs installs it)`,
    );
}

export interface DashboardServer {
  url: string;
  server: RunningServer;
  close(): Promise<void>;
}

/**
 * `latchkey serve` as the CLI starts it, with the built dashboard at `/`; with
 * `models`, the demo models in this process too (as `latchkey serve` has them).
 */
export async function startDashboardServer(
  env: Record<string, string> = {},
  { models = false }: { models?: boolean } = {},
): Promise<DashboardServer> {
  if (!existsSync(join(DIST, 'index.html')))
    throw new Error(`the dashboard is not built (${DIST}); run npm run build`);
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-dashboard-'));
  const config = loadConfig({
    PORT: '0',
    HOST: '127.0.0.1',
    LATCHKEY_DATA_DIR: dir,
    LATCHKEY_LOG: 'silent',
    // Without bootstrap, sign-up defaults to closed (production); these tests sign up.
    LATCHKEY_SIGNUP: 'open',
    ...env,
  });
  const server = await startServer(config, {
    bootstrap: false,
    dashboardDir: DIST,
    ...(models ? { runtime: embeddedRuntime() } : {}),
  });
  return {
    url: server.url,
    server,
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** axe on the page as it is: the serious and critical violations, one line each. */
export async function seriousViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    );
}

/** Where this run's screenshots go (printed, not committed). */
export function screenshotDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-dashboard-screens-'));
  console.log(`[dashboard] screenshots of every visited page: ${dir}`);
  return dir;
}

/**
 * Presses Tab through the page (or the open modal dialog) and returns the controls it
 * never reached: every visible link, button, field and select must be reachable by
 * keyboard (of a radio group, the one Tab stops on).
 */
export async function unreachableByKeyboard(page: Page): Promise<string[]> {
  const total = await page.evaluate(() => {
    const scope: ParentNode = document.querySelector('dialog[open]') ?? document;
    const controls = [
      ...scope.querySelectorAll<HTMLElement>(
        'a[href], button, input:not([type="hidden"]), select, textarea, summary',
      ),
    ].filter(
      (el) =>
        !(el as HTMLButtonElement).disabled &&
        el.getClientRects().length > 0 &&
        // A closed <details> shows only its summary.
        !el.closest('details:not([open]) > :not(summary)') &&
        !(el instanceof HTMLInputElement && el.type === 'radio' && !el.checked),
    );
    controls.forEach((el, i) => {
      el.dataset.kbd = String(i);
    });
    return controls.length;
  });
  const reached = new Set<string>();
  // Date inputs take a Tab per part (month, day, year): allow for them, stop when done.
  for (let i = 0; i < total * 3 + 10 && reached.size < total; i++) {
    await page.keyboard.press('Tab');
    const id = await page.evaluate(
      () => (document.activeElement as HTMLElement | null)?.dataset.kbd,
    );
    if (id !== undefined) reached.add(id);
  }
  return page.evaluate(
    (seen) => {
      const missed = [...document.querySelectorAll<HTMLElement>('[data-kbd]')]
        .filter((el) => !seen.includes(el.dataset.kbd as string))
        .map(
          (el) =>
            `${el.tagName.toLowerCase()} "${(el.textContent || el.getAttribute('aria-label') || '').trim().slice(0, 40)}"`,
        );
      for (const el of document.querySelectorAll<HTMLElement>('[data-kbd]')) delete el.dataset.kbd;
      return missed;
    },
    [...reached],
  );
}

/**
 * A browser step's time limit: a few seconds alone, but CI runs every suite at once on
 * two cores, where Chromium, the server and the test share them.
 */
export const BROWSER_TEST_MS = 90_000;
