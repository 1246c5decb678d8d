// After close() a runtime holds nothing: no UDP sockets, no timers (a process exits on its own).
import { expect, it, vi } from 'vitest';
import { createRuntime } from '../src/runtime.js';
import { FakeBrowser, token, verifyToken } from './helpers.js';

const count = (kind: string) => process.getActiveResourcesInfo().filter((r) => r === kind).length;

it('a runtime that served a session leaves no sockets or timers after close()', async () => {
  const sockets = count('UDPWrap');
  const timers = count('Timeout');
  const runtime = createRuntime({ verifyToken });
  await runtime.openSession({
    sessionId: 'ses_1',
    model: 'echo',
    token: token(),
    origin: null,
    expiresAt: Date.now() + 60_000,
  });
  const browser = new FakeBrowser();
  await browser.connect(runtime, 'ses_1');
  expect(count('UDPWrap')).toBeGreaterThan(sockets);
  await runtime.close();
  await browser.close();
  // Sockets close a moment later, and werift's own short timers (DTLS/SCTP) run out
  // within a second. (+1: waitFor's own timer.)
  await vi.waitFor(
    () => {
      expect(count('UDPWrap')).toBe(sockets);
      expect(count('Timeout')).toBeLessThanOrEqual(timers + 1);
    },
    { timeout: 3000, interval: 100 },
  );
});
