// The echo model's media path with a werift peer as the browser: RTP comes back, and a
// keyframe request from the receiving side reaches the sending side (PLI relay).
import { afterEach, describe, expect, it } from 'vitest';
import { MediaStreamTrack, RTCRtpCodecParameters, RtpHeader, RtpPacket } from 'werift';
import { createRuntime, type Runtime } from '../src/runtime.js';
import { FakeBrowser, token, verifyToken } from './helpers.js';

let runtime: Runtime | undefined;
let browser: FakeBrowser | undefined;
let timer: NodeJS.Timeout | undefined;
afterEach(async () => {
  clearInterval(timer);
  await browser?.close();
  await runtime?.close();
});

describe('echo media', () => {
  it('sends the video back and relays keyframe requests upstream', async () => {
    runtime = createRuntime({ verifyToken });
    await runtime.openSession({
      sessionId: 'ses_m',
      model: 'echo',
      token: token(),
      origin: null,
      expiresAt: Date.now() + 60_000,
    });
    browser = new FakeBrowser({
      video: [
        new RTCRtpCodecParameters({
          mimeType: 'video/VP8',
          clockRate: 90000,
          rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }],
        }),
      ],
    });
    const camera = new MediaStreamTrack({ kind: 'video' });
    const transceiver = browser.pc.addTransceiver(camera, { direction: 'sendrecv' });
    const echoed = new Promise<MediaStreamTrack>((resolve) =>
      transceiver.onTrack.subscribe(resolve),
    );
    // werift routes an incoming PLI by its sender SSRC, so here it can land on the
    // receiver (the same quirk the runtime works around): accept it on either side.
    const keyframeRequested = new Promise<number>((resolve) => {
      transceiver.sender.onPictureLossIndication.subscribe(() => resolve(transceiver.sender.ssrc));
      transceiver.receiver.onRtcp.subscribe((packet) => {
        const feedback = (packet as { feedback?: { count?: number; mediaSsrc?: number } }).feedback;
        if (packet.type === 206 && feedback?.count === 1) resolve(feedback.mediaSsrc as number);
      });
    });
    await browser.connect(runtime, 'ses_m');
    let seq = 0;
    timer = setInterval(() => {
      const header = new RtpHeader({
        payloadType: 96,
        sequenceNumber: seq++ & 0xffff,
        timestamp: seq * 3000,
        marker: true,
      });
      camera.writeRtp(new RtpPacket(header, Buffer.from([0x10, 0, 0, seq & 0xff])));
    }, 20);
    const track = await echoed;
    const payload = await new Promise<Buffer>((resolve) =>
      track.onReceiveRtp.once((rtp) => resolve(rtp.payload)),
    );
    expect(payload.subarray(0, 3)).toEqual(Buffer.from([0x10, 0, 0]));
    await transceiver.receiver.sendRtcpPLI(track.ssrc as number);
    // The request names the camera's stream: the one only this side's encoder can key.
    expect(await keyframeRequested).toBe(transceiver.sender.ssrc);
  });
});
