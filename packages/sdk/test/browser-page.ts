// Real Chromium for the realtime tests: a page served from http://127.0.0.1:PORT that
// loads the SDK's built files as native ES modules (an import map, no bundler), or a
// bundle of a React app, with a fake camera and loopback WebRTC allowed.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { CHROMIUM, FAKE_MEDIA_ARGS, HEADLESS_ARGS } from '../../../scripts/chromium.mjs';
import { IN_CI, listen } from './helpers.js';

export { CHROMIUM };
export const HAVE_CHROMIUM = existsSync(CHROMIUM);
/** Skip locally without Chromium; under CI=true the suite runs and its beforeAll fails. */
export const SKIP_BROWSER = !HAVE_CHROMIUM && !IN_CI;
if (SKIP_BROWSER)
  console.warn(
    `[latchkey tests] Chromium is not at ${CHROMIUM}: skipping the realtime browser suites locally ` +
      '(under CI=true this is a failure). Install it with: node scripts/test-setup.mjs',
  );

export function requireChromium(): void {
  if (!HAVE_CHROMIUM)
    throw new Error(
      `Chromium is not at ${CHROMIUM} and CI=true: failing, not skipping (node scripts/test-setup.mjs installs it)`,
    );
}

const SDK_DIST = resolve(import.meta.dirname, '../dist');
const CORE_DIST = resolve(import.meta.dirname, '../../core/dist');
const MODULE_FILE = /^\/(sdk|core)\/([a-z0-9-]+\.js)$/;

/** A page that imports `@latchkey/sdk` natively; `extra` is served at its path as JavaScript. */
export async function pageServer(extra: Record<string, string> = {}) {
  const importMap = JSON.stringify({
    imports: { '@latchkey/sdk': '/sdk/index.js', '@latchkey/core': '/core/index.js' },
  });
  const html = (body: string) =>
    `<!doctype html><html><head><meta charset="utf-8"><script type="importmap">${importMap}</script></head><body>${body}</body></html>`;
  return listen(async (req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const module = MODULE_FILE.exec(path);
    if (module) {
      const dir = module[1] === 'sdk' ? SDK_DIST : CORE_DIST;
      const text = await readFile(resolve(dir, module[2] as string), 'utf8').catch(() => null);
      if (text === null) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(text);
      return;
    }
    if (extra[path] !== undefined) {
      res.writeHead(200, { 'content-type': 'text/javascript' }).end(extra[path]);
      return;
    }
    if (path === '/' || path === '/react.html') {
      const body =
        path === '/'
          ? '<video id="remote" autoplay playsinline muted></video>'
          : '<div id="root"></div><script src="/react-app.js"></script>';
      res.writeHead(200, { 'content-type': 'text/html' }).end(html(body));
      return;
    }
    res.writeHead(path === '/favicon.ico' ? 204 : 404).end();
  });
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [...HEADLESS_ARGS, ...FAKE_MEDIA_ARGS],
  });
}

/**
 * Runs first in every page: keeps the peer connections and data channels the page
 * creates (to count them, read their stats, or break one), and counts camera requests.
 */
export const COUNT_MEDIA = `(() => {
  const Peer = window.RTCPeerConnection;
  window.__pcs = [];
  window.__channels = [];
  window.RTCPeerConnection = class extends Peer {
    constructor(...args) {
      super(...args);
      window.__pcs.push(this);
    }
    createDataChannel(...args) {
      const channel = super.createDataChannel(...args);
      window.__channels.push(channel);
      return channel;
    }
  };
  window.__cameras = 0;
  const getUserMedia = navigator.mediaDevices.getUserMedia.bind(navigator.mediaDevices);
  navigator.mediaDevices.getUserMedia = (c) => {
    window.__cameras++;
    return getUserMedia(c);
  };
  window.framesDecoded = async () => {
    const pc = window.__pcs.at(-1);
    if (!pc) return 0;
    let frames = 0;
    (await pc.getStats()).forEach((r) => {
      if (r.type === 'inbound-rtp' && r.kind === 'video') frames = r.framesDecoded ?? 0;
    });
    return frames;
  };
  // The selected candidate pair of the newest peer connection: how the media travels.
  window.selectedPair = async () => {
    const pc = window.__pcs.at(-1);
    if (!pc) return null;
    const stats = await pc.getStats();
    let pair;
    stats.forEach((r) => {
      if (r.type === 'transport' && r.selectedCandidatePairId) pair = stats.get(r.selectedCandidatePairId);
    });
    if (!pair) return null;
    const local = stats.get(pair.localCandidateId);
    const remote = stats.get(pair.remoteCandidateId);
    return {
      state: pair.state,
      bytesReceived: pair.bytesReceived,
      local: { type: local?.candidateType, address: local?.address },
      remote: { type: remote?.candidateType, address: remote?.address, port: remote?.port },
    };
  };
})();`;

/**
 * An init script that rewrites the SDP the page's peer connections hand out as their
 * local description (what the SDK sends as its offer) with `transform`, JavaScript
 * source of an `(sdp) => sdp` function. Add it before COUNT_MEDIA: it patches the
 * browser's own prototype.
 */
const rewriteOffer = (transform: string) => `(() => {
  const get = Object.getOwnPropertyDescriptor(RTCPeerConnection.prototype, 'localDescription').get;
  const transform = ${transform};
  Object.defineProperty(RTCPeerConnection.prototype, 'localDescription', {
    get() {
      const d = get.call(this);
      return d && { type: d.type, sdp: transform(d.sdp) };
    },
  });
})();`;

/**
 * A page as a browser behind a NAT looks to the runtime: its offer carries no candidate
 * the runtime can reach (here, none at all), so only checks the browser starts can
 * find a path.
 */
export const BEHIND_NAT = rewriteOffer(`(sdp) => sdp.replace(/^a=candidate:.*\\r\\n/gm, '')`);

/**
 * A page whose host candidates are hidden behind mDNS names, as Chromium and Safari
 * signal them to sites without camera permission: `<uuid>.local` instead of the address.
 */
export const MDNS_HIDDEN = rewriteOffer(`(sdp) =>
  sdp.replace(/^a=candidate:.*$/gm, (line) => {
    const f = line.split(' ');
    if (f[7] === 'host') f[4] = crypto.randomUUID() + '.local';
    return f.join(' ');
  })`);

/**
 * Settings of a runtime that browsers cannot reach: it binds 127.0.0.1 only and
 * announces 127.0.0.2, where nothing listens (an address that stays on this machine).
 * With a page BEHIND_NAT, no candidate pair can succeed.
 */
export const UNREACHABLE_RUNTIME = {
  LATCHKEY_ICE_HOST_ADDRESSES: '127.0.0.1',
  LATCHKEY_ICE_ANNOUNCED_ADDRESS: '127.0.0.2',
};

/**
 * Video keeps arriving on the page's newest peer connection (COUNT_MEDIA): frames are
 * decoded, and then more. Waits on the page's own counter; no sleeps.
 */
export async function videoFlows(page: Page): Promise<void> {
  type Counting = { framesDecoded(): Promise<number> };
  await page.waitForFunction(
    async () => (await (window as unknown as Counting).framesDecoded()) > 0,
    undefined,
    { timeout: 15_000, polling: 100 },
  );
  const first = await page.evaluate(() => (window as unknown as Counting).framesDecoded());
  await page.waitForFunction(
    async (n) => (await (window as unknown as Counting).framesDecoded()) > n,
    first,
    { timeout: 15_000, polling: 100 },
  );
}

/** What `window.selectedPair()` answers (from the page's `getStats()`). */
export interface SelectedPair {
  state: string;
  bytesReceived: number;
  local: { type: string; address: string };
  remote: { type: string; address: string; port: number };
}
