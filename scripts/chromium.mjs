// Debian's Chromium, as the tests and benchmarks drive it (playwright-core, never
// `playwright install`). scripts/test-setup.mjs installs it.

/** Where Chromium is (LATCHKEY_CHROMIUM overrides). */
export const CHROMIUM = process.env.LATCHKEY_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Headless, and quiet: without the background-networking flags Chromium keeps trying
 * Google's hosts, which this machine's closed network refuses.
 */
export const HEADLESS_ARGS = Object.freeze([
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]);

/**
 * A fake camera and microphone, granted without a prompt. Nothing else: WebRTC gathers
 * candidates as a person's Chromium does (on the machine's interfaces, never on
 * loopback), so tests see what people see.
 */
export const FAKE_MEDIA_ARGS = Object.freeze([
  '--use-fake-device-for-media-stream',
  '--use-fake-ui-for-media-stream',
]);
// Not here on purpose: --allow-loopback-in-peer-connection (WebRTC on 127.0.0.1). It is
// a test switch no person's browser has; a test that needs loopback-only behaviour adds
// it itself, with the reason beside it. None does today.
