// The DTLS workarounds in peer.ts, on a real werift pair: the runtime answers as the
// DTLS server (werift as client waits 100 ms before its first hello), and its
// application records start past the numbers its handshake used (werift reuses the
// Finished record's number otherwise, and the browser drops that record as a replay).

import { afterEach, describe, expect, it } from 'vitest';
import { RTCPeerConnection } from 'werift';
import { answerOffer, createPeer, dtlsServerAnswer } from '../src/peer.js';

const peers: RTCPeerConnection[] = [];
afterEach(async () => {
  await Promise.all(peers.splice(0).map((p) => p.close()));
});

const connected = (pc: RTCPeerConnection) =>
  new Promise<void>((resolve) => {
    if (pc.connectionState === 'connected') return resolve();
    pc.connectionStateChange.subscribe((s) => s === 'connected' && resolve());
  });

describe('DTLS on the runtime side', () => {
  it('answers an actpass offer as passive (the DTLS server), and leaves an explicit role alone', () => {
    const answer = 'v=0\r\na=setup:active\r\nm=application 9\r\na=setup:active\r\n';
    expect(dtlsServerAnswer('v=0\r\na=setup:actpass\r\n', answer).sdp).toBe(
      'v=0\r\na=setup:passive\r\nm=application 9\r\na=setup:passive\r\n',
    );
    // The offerer insisted on being the server: we must be the client.
    expect(dtlsServerAnswer('v=0\r\na=setup:passive\r\n', answer).sdp).toBe(answer);
  });

  it('connects as the DTLS server, and sends application records numbered past the handshake', async () => {
    const browser = new RTCPeerConnection({
      iceServers: [],
      iceAdditionalHostAddresses: ['127.0.0.1'],
      iceUseIpv6: false,
      iceFilterCandidatePair: (pair) => pair.remoteCandidate.host === '127.0.0.1',
    });
    const network = { addresses: ['127.0.0.1'], bind: {}, portRange: undefined, iceServers: [] };
    const runtime = createPeer(network);
    peers.push(browser, runtime);
    const channel = browser.createDataChannel('latchkey');
    await browser.setLocalDescription(await browser.createOffer());
    await new Promise<void>((r) => {
      if (browser.iceGatheringState === 'complete') return r();
      browser.iceGatheringStateChange.subscribe((s) => s === 'complete' && r());
    });
    const answer = await answerOffer(
      runtime,
      browser.localDescription?.sdp ?? '',
      () => {},
      3000,
      network.addresses,
    );
    expect(answer).toMatch(/^a=setup:passive\r?$/m);
    await browser.setRemoteDescription({ type: 'answer', sdp: answer });
    await Promise.all([connected(browser), connected(runtime)]);
    const [transport] = runtime.dtlsTransports;
    if (!transport) throw new Error('the runtime has no DTLS transport');
    expect(transport.role).toBe('server');
    const context = (transport.dtls as unknown as { dtls: { recordSequenceNumber: number } }).dtls;
    expect(context.recordSequenceNumber).toBeGreaterThanOrEqual(64);
    // And the channel works over it.
    const got = new Promise<string>((resolve) =>
      runtime.onDataChannel.subscribe((ch) => ch.onMessage.subscribe((m) => resolve(String(m)))),
    );
    await new Promise<void>((r) => channel.stateChanged.subscribe((s) => s === 'open' && r()));
    channel.send('hello');
    expect(await got).toBe('hello');
  });
});
