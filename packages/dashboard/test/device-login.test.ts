// Device sign-in end to end: a server with the dashboard and a real CNCF distribution
// registry (`docker-registry`, token auth pointing at the server); the built CLI runs
// `latchkey auth login --no-browser` as a real process with a temp HOME; a signed-in
// partner approves the code in Chromium; then `latchkey auth docker-login` and a skopeo
// push to the registry with the new key's credentials.
import { type ChildProcess, spawn } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createAdminApi, renderAuthYaml } from '@latchkey/server';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, HEADLESS_ARGS } from '../../../scripts/chromium.mjs';
import { cliAsync, type Home, makeHome, readJsonFile } from '../../cli/test/auth-helpers.js';
import { BIN, tempDir } from '../../cli/test/helpers.js';
import { buildOciImage, type OciImage } from '../../cli/test/oci-image.js';
import {
  freePort,
  hasBinary,
  type Registry,
  skopeo,
  startRegistry,
} from '../../cli/test/registry-harness.js';
import {
  BROWSER_TEST_MS,
  chromiumGate,
  type DashboardServer,
  IN_CI,
  requireChromium,
  seriousViolations,
  startDashboardServer,
} from './helpers.js';

const HAVE_REGISTRY = hasBinary('docker-registry') && hasBinary('skopeo');
if (!HAVE_REGISTRY && !IN_CI)
  console.warn(
    '[latchkey tests] docker-registry or skopeo is missing: skipping the device sign-in suite locally (under CI=true this is a failure). Install them with: node scripts/test-setup.mjs',
  );
const CODE = /confirm the code ([BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4})/;
const OPEN = /Open (http:\/\/\S+\/device\?code=\S+)/;

describe.skipIf(!chromiumGate() || (!HAVE_REGISTRY && !IN_CI))(
  'device sign-in: the CLI, Chromium and the real registry',
  { timeout: BROWSER_TEST_MS },
  () => {
    let lk: DashboardServer;
    let registry: Registry;
    let browser: Browser;
    let page: Page;
    let root: string;
    let home: Home;
    let image: OciImage;

    beforeAll(async () => {
      requireChromium();
      if (!HAVE_REGISTRY)
        throw new Error('docker-registry and skopeo are required (CI=true: failing, not skipping)');
      root = tempDir('lk-dashboard-device-');
      const port = await freePort();
      lk = await startDashboardServer({ LATCHKEY_REGISTRY: `127.0.0.1:${port}` });
      // `latchkey admin registry config`, through its in-process API.
      const config = await createAdminApi({ ...lk.server.platform, issuer: lk.url }).registryConfig(
        {},
      );
      if (!config.ok) throw new Error(`registry config failed: ${config.error.message}`);
      const bundle = join(root, 'latchkey-registry-ca.pem');
      writeFileSync(bundle, config.value.bundlePem);
      registry = await startRegistry(
        join(root, 'registry'),
        port,
        renderAuthYaml(config.value, bundle),
      );
      home = makeHome(join(root, 'home'));
      image = buildOciImage(join(root, 'image'), 'v1', `weights ${Date.now()}\n`);

      browser = await chromium.launch({ executablePath: CHROMIUM, args: [...HEADLESS_ARGS] });
      const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
      page = await context.newPage();
      // A signed-in member (the org's owner) of a partner org, with the browser's cookie.
      const api = context.request;
      const signUp = await api.post(`${lk.url}/v1/auth/sign-up/email`, {
        data: { email: 'partner@example.test', password: 'a long enough password' },
      });
      expect(signUp.status()).toBe(200);
      const org = await api.post(`${lk.url}/v1/orgs`, {
        data: { name: 'Acme Models', slug: 'acme' },
      });
      expect(org.status()).toBe(201);
      // An instance admin marks partner orgs; here, the database directly.
      await lk.server.platform.db
        .updateTable('orgs')
        .set({ partner: true })
        .where('slug', '=', 'acme')
        .execute();
    });

    afterAll(async () => {
      await browser?.close();
      await registry?.stop();
      await lk?.close();
    });

    it('approves `latchkey auth login` in Chromium, then docker-login pushes with the new key', async () => {
      const child: ChildProcess = spawn(
        process.execPath,
        [BIN, 'auth', 'login', '--server', lk.url, '--no-browser'],
        {
          env: { ...process.env, LATCHKEY_LOG: 'error', ...home.env },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout?.on('data', (d: Buffer) => {
        stdout += d.toString();
      });
      const printed = new Promise<{ url: string; code: string }>((resolve) => {
        child.stderr?.on('data', (d: Buffer) => {
          stderr += d.toString();
          const url = OPEN.exec(stderr)?.[1];
          const code = CODE.exec(stderr)?.[1];
          if (url && code) resolve({ url, code });
        });
      });
      const exited = new Promise<number | null>((resolve) => child.once('close', resolve));
      const { url, code } = await printed;
      expect(url).toBe(`${lk.url}/device?code=${code}`);

      await page.goto(url);
      const host = hostname();
      await page.getByRole('heading', { name: `Authorize the CLI on ${host}?` }).waitFor();
      expect(await page.locator('main').textContent()).toContain(code);
      expect(await seriousViolations(page), 'axe on /device').toEqual([]);
      await page.getByLabel('For the organization').selectOption({ label: 'Acme Models' });
      await page.getByRole('button', { name: 'Authorize' }).click();
      await page.getByRole('heading', { name: 'The CLI is signed in' }).waitFor();

      expect(await exited, stderr).toBe(0);
      expect(stdout).toContain('Logged in to Acme Models (acme) on');
      expect(statSync(home.credentialsFile).mode & 0o777).toBe(0o600);
      const stored = readJsonFile<{ apiKey: string; keyId: string; orgSlug: string }>(
        home.credentialsFile,
      );
      expect(stored.orgSlug).toBe('acme');
      expect(stored.apiKey).toMatch(/^rp_/);
      expect(stdout + stderr).not.toContain(stored.apiKey);

      // The new key, named for the host, on the Keys page.
      await page.getByRole('link', { name: "Acme Models's API keys" }).click();
      const row = page.getByRole('row', { name: new RegExp(`cli on ${host}.*active`) });
      await row.waitFor();

      const docker = await cliAsync(['auth', 'docker-login', '--no-docker-cli'], home.env);
      expect(docker.code, docker.stderr).toBe(0);
      expect(docker.stdout).toContain(`Docker is logged in to ${registry.host} as acme`);
      const pushed = await skopeo(
        [
          'copy',
          `oci:${image.dir}:${image.tag}`,
          `docker://${registry.host}/acme/from-device:v1`,
          '--authfile',
          home.dockerConfig,
          '--dest-tls-verify=false',
        ],
        home.env,
      );
      expect(pushed.code, pushed.stderr).toBe(0);
      // The registry has the manifest.
      const inspected = await skopeo(
        [
          'inspect',
          '--format',
          '{{.Digest}}',
          `docker://${registry.host}/acme/from-device:v1`,
          '--authfile',
          home.dockerConfig,
          '--tls-verify=false',
        ],
        home.env,
      );
      expect(inspected.code, inspected.stderr).toBe(0);
      expect(inspected.stdout.trim()).toBe(image.manifestDigest);
    });
  },
);
