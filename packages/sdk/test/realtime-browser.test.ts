// client.realtime in real Chromium against the real server and its embedded runtime:
// the page imports the SDK's built files natively, sends its fake camera to `echo`,
// gets it back, talks on the data channel, disconnects; and every refusal rejects
// with its code before the page creates a peer connection.
import { systemClock } from '@latchkey/server';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Sdk from '../src/index.js';
import {
  COUNT_MEDIA,
  launchChromium,
  pageServer,
  requireChromium,
  SKIP_BROWSER,
  videoFlows,
} from './browser-page.js';
import { type Latchkey, startLatchkey } from './helpers.js';

/** What the tests keep on the page's window. */
interface PageWindow {
  sdk: typeof Sdk;
  session: Sdk.RealtimeSession;
  statuses: string[];
  messages: Sdk.RealtimeMessage[];
  closedReasons: string[];
  __pcs: RTCPeerConnection[];
  __channels: RTCDataChannel[];
  framesDecoded(): Promise<number>;
}

/** The server's clock: real time plus an offset a test can move (to expire a token). */
let clockOffset = 0;
const clock = { now: () => systemClock.now() + clockOffset };

describe.skipIf(SKIP_BROWSER)('client.realtime in Chromium, against the real server', () => {
  let lk: Latchkey;
  let site: Awaited<ReturnType<typeof pageServer>>;
  let browser: Browser;
  let page: Page;
  let server: Sdk.LatchkeyClient;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    requireChromium();
    lk = await startLatchkey({}, { clock });
    site = await pageServer();
    browser = await launchChromium();
    page = await browser.newPage();
    await page.addInitScript(COUNT_MEDIA);
    page.on('pageerror', (e) => pageErrors.push(String(e)));
    await page.goto(`${site.url}/`);
    // Written as a string: the test runner would rewrite a dynamic import() in a function.
    await page.evaluate(`import('@latchkey/sdk').then((m) => { window.sdk = m; })`);
    const { createClient } = await import('../src/index.js');
    server = createClient({ apiKey: lk.key, baseUrl: lk.url });
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    await lk?.close();
  });

  const mint = async (grant: Sdk.TokenGrant) => (await server.tokens.create(grant)).token;
  const sessionInfo = async (id: string) => {
    const res = await fetch(`${lk.url}/v1/sessions/${id}`, {
      headers: { authorization: `Bearer ${lk.key}` },
    });
    return (await res.json()) as { state: string; closeReason: string | null };
  };

  it('connects the fake camera to echo, and the echoed video plays', async () => {
    const token = await mint({ models: ['echo'], origins: [site.url], expiresIn: 600 });
    const result = await page.evaluate(
      async ({ token, baseUrl }) => {
        const w = window as unknown as PageWindow;
        const camera = await navigator.mediaDevices.getUserMedia({
          video: { width: 320, height: 240 },
        });
        const video = document.getElementById('remote') as HTMLVideoElement;
        Object.assign(w, { statuses: [], messages: [], closedReasons: [] });
        const client = w.sdk.createClient({ token, baseUrl });
        const session = await client.realtime.connect({
          model: 'echo',
          localStream: camera,
          onStatusChange: (s) => w.statuses.push(s),
          onMessage: (m) => w.messages.push(m),
          onRemoteStream: (s) => {
            video.srcObject = s;
          },
        });
        w.session = session;
        session.on('closed', ({ reason }) => w.closedReasons.push(reason));
        return {
          status: session.status,
          sessionId: session.sessionId,
          commands: [...session.commands],
          statuses: [...w.statuses],
          pcs: w.__pcs.length,
        };
      },
      { token, baseUrl: lk.url },
    );
    expect(result).toMatchObject({
      status: 'ready',
      statuses: ['connecting', 'waiting', 'ready'],
      pcs: 1,
    });
    expect(result.sessionId).toMatch(/^ses_[0-9A-Za-z]{22}$/);
    expect(result.commands).toEqual(expect.arrayContaining(['set_prompt', 'ping']));
    expect((await sessionInfo(result.sessionId)).state).toBe('active');

    await videoFlows(page);
    // The <video> knows the size once it has loaded the stream's metadata.
    await page.waitForFunction(
      () => (document.getElementById('remote') as HTMLVideoElement).videoWidth > 0,
    );
    const size = await page.evaluate(() => {
      const v = document.getElementById('remote') as HTMLVideoElement;
      return [v.videoWidth, v.videoHeight];
    });
    expect(size).toEqual([320, 240]);
  });

  it('commands round-trip on the data channel, with their codes when refused', async () => {
    const result = await page.evaluate(async () => {
      const w = window as unknown as PageWindow;
      const code = (p: Promise<unknown>) =>
        p.then(
          () => 'resolved',
          (e: Sdk.LatchkeyError) => `${e.name} ${e.code}`,
        );
      return {
        prompt: await w.session.send('set_prompt', { prompt: 'a woodcut' }),
        ping: await w.session.send('ping'),
        unknown: await code(w.session.send('nope')),
        invalid: await code(w.session.send('set_prompt', { prompt: '' })),
        messages: w.messages,
      };
    });
    expect(result.prompt).toEqual({ prompt: 'a woodcut', acknowledged: true });
    expect(result.ping).toMatchObject({ pong: true });
    expect(result.unknown).toBe('LatchkeyError UNKNOWN_COMMAND');
    expect(result.invalid).toBe('LatchkeyError INVALID_REQUEST');
    expect(result.messages).toEqual([{ name: 'prompt', data: { prompt: 'a woodcut' } }]);
  });

  it('disconnect() closes the session on the server and the peer connection', async () => {
    const result = await page.evaluate(async () => {
      const w = window as unknown as PageWindow;
      await w.session.disconnect();
      const sent = await w.session.send('ping').catch((e: Sdk.LatchkeyError) => e.code);
      return {
        id: w.session.sessionId,
        status: w.session.status,
        closed: w.closedReasons,
        pc: w.__pcs[0]?.connectionState,
        sent,
      };
    });
    expect(result).toMatchObject({
      status: 'disconnected',
      closed: ['client_closed'],
      pc: 'closed',
      sent: 'SESSION_CLOSED',
    });
    expect(await sessionInfo(result.id)).toMatchObject({
      state: 'closed',
      closeReason: 'client_closed',
    });
  });

  it('refusals reject with their codes, and the page creates no peer connection', async () => {
    const valid = await mint({ models: ['echo'] });
    const [head, payload, signature] = valid.split('.');
    const claims = JSON.parse(Buffer.from(payload as string, 'base64url').toString());
    claims.grant.models = ['*'];
    const forged = `${head}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    const busy = await mint({ models: ['echo'], maxSessions: 1 });
    const open = await fetch(`${lk.url}/v1/sessions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${busy}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'echo' }),
    });
    expect(open.status).toBe(201);
    const expired = await mint({ models: ['echo'], expiresIn: 60 });

    const cases: [string, string, string, number][] = [
      [await mint({ models: ['render'] }), 'echo', 'MODEL_NOT_ALLOWED', 403],
      [await mint({ origins: ['https://elsewhere.example'] }), 'echo', 'ORIGIN_NOT_ALLOWED', 403],
      [busy, 'echo', 'SESSION_LIMIT', 409],
      [await mint({}), 'nonesuch', 'MODEL_NOT_FOUND', 404],
      [forged, 'echo', 'INVALID_TOKEN', 401],
      [expired, 'echo', 'TOKEN_EXPIRED', 401],
    ];
    for (const [token, model, code, status] of cases) {
      clockOffset = code === 'TOKEN_EXPIRED' ? 120_000 : 0;
      const result = await page.evaluate(
        async ({ token, model, baseUrl }) => {
          const w = window as unknown as PageWindow;
          const before = w.__pcs.length;
          const statuses: string[] = [];
          const client = w.sdk.createClient({ token, baseUrl });
          const error = await client.realtime
            .connect({ model, onStatusChange: (s) => statuses.push(s) })
            .then(
              () => null,
              (e: Sdk.LatchkeyError) => ({ name: e.name, code: e.code, status: e.status }),
            );
          return { error, statuses, created: w.__pcs.length - before };
        },
        { token, model, baseUrl: lk.url },
      );
      expect(result, code).toEqual({
        error: { name: 'LatchkeyError', code, status },
        statuses: ['connecting', 'disconnected'],
        created: 0,
      });
    }
    clockOffset = 0;
  });

  it('a transport that drops comes back on the same session: a new peer connection, ready again', async () => {
    const token = await mint({ models: ['echo'], maxSessions: 1 });
    const result = await page.evaluate(
      async ({ token, baseUrl }) => {
        const w = window as unknown as PageWindow;
        const camera = await navigator.mediaDevices.getUserMedia({ video: true });
        const statuses: string[] = [];
        const client = w.sdk.createClient({ token, baseUrl });
        const session = await client.realtime.connect({
          model: 'echo',
          localStream: camera,
          onStatusChange: (s) => statuses.push(s),
        });
        w.session = session;
        const pcs = w.__pcs.length;
        // Close our end of the data channel, as a network fault would, with no closing message.
        w.__channels.at(-1)?.close();
        await new Promise<void>((resolve) => {
          session.on('status', (s) => s === 'ready' && resolve());
        });
        return {
          statuses,
          newPeerConnections: w.__pcs.length - pcs,
          oldPc: w.__pcs.at(-2)?.connectionState,
          sessionId: session.sessionId,
          pong: await session.send('ping'),
        };
      },
      { token, baseUrl: lk.url },
    );
    expect(result).toMatchObject({
      statuses: ['connecting', 'waiting', 'ready', 'reconnecting', 'ready'],
      newPeerConnections: 1,
      oldPc: 'closed',
      pong: { pong: true },
    });
    expect((await sessionInfo(result.sessionId)).state).toBe('active');
    await videoFlows(page);
    await page.evaluate(() => (window as unknown as PageWindow).session.disconnect());
    expect(await sessionInfo(result.sessionId)).toMatchObject({ closeReason: 'client_closed' });
  });

  it('an API key is usable in the page only when dangerouslyAllowBrowser says so', async () => {
    const result = await page.evaluate(
      async ({ key, baseUrl }) => {
        const w = window as unknown as PageWindow;
        let refused = '';
        try {
          w.sdk.createClient({ apiKey: key, baseUrl });
        } catch (e) {
          refused = (e as Error).name;
        }
        const client = w.sdk.createClient({ apiKey: key, baseUrl, dangerouslyAllowBrowser: true });
        const session = await client.realtime.connect({ model: 'echo' });
        const status = session.status;
        await session.disconnect();
        return { refused, status };
      },
      { key: lk.key, baseUrl: lk.url },
    );
    expect(result).toEqual({ refused: 'TypeError', status: 'ready' });
    expect(pageErrors).toEqual([]);
  });
});
