// A WebRTC peer in Node (werift) that plays the browser's part in server tests: it
// makes the offer, opens the `latchkey` data channel and speaks the session protocol.
// The browser itself is tested in Chromium (packages/sdk, packages/cli).
import { DATA_CHANNEL_LABEL, parseRuntimeMessage, type RuntimeMessage } from '@latchkey/core';
import { RTCPeerConnection } from 'werift';

export interface TestPeer {
  offer: string;
  /** Applies the runtime's answer. */
  answer(sdp: string): Promise<void>;
  /** Every message the runtime sent, parsed. */
  messages: RuntimeMessage[];
  /** Resolves with the first message matching `pick`. */
  next<T extends RuntimeMessage>(
    pick: (m: RuntimeMessage) => m is T,
    timeoutMs?: number,
  ): Promise<T>;
  command(name: string, data?: unknown): Promise<RuntimeMessage>;
  connectionState(): string;
  /** Resolves when the peer connection reaches `state`. */
  until(
    state: 'connected' | 'closed' | 'failed' | 'disconnected',
    timeoutMs?: number,
  ): Promise<void>;
  close(): Promise<void>;
}

export async function createTestPeer(opts: { video?: boolean } = {}): Promise<TestPeer> {
  const pc = new RTCPeerConnection({
    iceServers: [],
    iceAdditionalHostAddresses: ['127.0.0.1'],
    iceUseIpv6: false,
    iceFilterCandidatePair: (pair) => pair.remoteCandidate.host === '127.0.0.1',
  });
  if (opts.video) pc.addTransceiver('video', { direction: 'recvonly' });
  const channel = pc.createDataChannel(DATA_CHANNEL_LABEL, { ordered: true });
  const messages: RuntimeMessage[] = [];
  const listeners = new Set<() => void>();
  channel.onMessage.subscribe((data) => {
    const m = parseRuntimeMessage(typeof data === 'string' ? data : data.toString('utf8'));
    if (m) messages.push(m);
    for (const l of listeners) l();
  });
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise<void>((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    const timer = setTimeout(resolve, 3000);
    pc.iceGatheringStateChange.subscribe((s) => {
      if (s === 'complete') {
        clearTimeout(timer);
        resolve();
      }
    });
  });

  const next: TestPeer['next'] = (pick, timeoutMs = 10_000) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const found = messages.find(pick);
        if (!found) return false;
        listeners.delete(check);
        clearTimeout(timer);
        resolve(found);
        return true;
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(
          new Error(`no matching message in ${timeoutMs} ms; got ${JSON.stringify(messages)}`),
        );
      }, timeoutMs);
      if (!check()) listeners.add(check);
    });

  let seq = 0;
  return {
    offer: pc.localDescription?.sdp ?? '',
    async answer(sdp) {
      await pc.setRemoteDescription({ type: 'answer', sdp });
    },
    messages,
    next,
    async command(name, data) {
      const id = `c${++seq}`;
      channel.send(JSON.stringify({ type: 'command', id, name, data }));
      return next((m): m is RuntimeMessage => m.type === 'reply' && m.id === id);
    },
    connectionState: () => pc.connectionState,
    until(state, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        if (pc.connectionState === state) return resolve();
        const timer = setTimeout(
          () => reject(new Error(`connection still ${pc.connectionState} after ${timeoutMs} ms`)),
          timeoutMs,
        );
        pc.connectionStateChange.subscribe((s) => {
          if (s === state) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
    },
    close: () => pc.close(),
  };
}

export const isReady = (m: RuntimeMessage): m is Extract<RuntimeMessage, { type: 'ready' }> =>
  m.type === 'ready';
export const isClosing = (m: RuntimeMessage): m is Extract<RuntimeMessage, { type: 'closing' }> =>
  m.type === 'closing';
