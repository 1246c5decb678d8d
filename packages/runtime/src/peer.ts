// The werift peer connection a session's transport runs on: no STUN, host candidates
// on the runtime's addresses (every interface by default, see ice-network.ts), VP8 only
// with NACK/PLI/REMB feedback, the SDES mid header extension only (transport-cc keeps
// Chromium's bandwidth at 300 kbps).
import { isIP } from 'node:net';
import type { MediaKind } from '@latchkey/core';
import {
  type RTCDtlsTransport,
  RTCPeerConnection,
  RTCRtpCodecParameters,
  type RTCRtpTransceiver,
  useSdesMid,
} from 'werift';
import type { PeerNetwork } from './ice-network.js';

/** Largest SDP offer accepted, in bytes. */
export const MAX_SDP_BYTES = 16 * 1024;

/** Why an SDP offer cannot be used, or undefined when it looks like a browser's offer. */
export function offerProblem(sdp: unknown): string | undefined {
  if (typeof sdp !== 'string') return 'sdp must be a string';
  if (Buffer.byteLength(sdp) > MAX_SDP_BYTES) return `sdp is larger than ${MAX_SDP_BYTES} bytes`;
  // werift parses almost anything without complaint; check what a usable offer must have.
  if (!sdp.startsWith('v=0\r\n') && !sdp.startsWith('v=0\n')) return 'sdp must start with v=0';
  if (/[^\t\r\n\x20-\x7e\u0080-\uffff]/.test(sdp)) return 'sdp has control characters';
  for (const [needle, what] of [
    ['\nm=application ', 'a data channel (m=application)'],
    ['\na=ice-ufrag:', 'ICE credentials'],
    ['\na=ice-pwd:', 'ICE credentials'],
    ['\na=fingerprint:', 'a DTLS fingerprint'],
  ] as const) {
    if (!sdp.includes(needle)) return `sdp has no ${what}`;
  }
  return undefined;
}

/**
 * A peer connection for one transport of one session. werift gathers one host
 * candidate per address family (the family's first address), on one UDP socket bound
 * to every interface unless the network names an address to bind; `answerOffer` offers
 * the family's other addresses on the same port. Every candidate pair is allowed, and
 * a browser's checks from an address it did not signal (an mDNS-hidden host candidate,
 * a NAT's mapping) are answered: they become peer-reflexive candidates.
 */
export function createPeer(network: PeerNetwork): RTCPeerConnection {
  const firsts = [
    network.addresses.find((a) => isIP(a) === 4),
    network.addresses.find((a) => isIP(a) === 6),
  ].filter((a): a is string => a !== undefined);
  return new RTCPeerConnection({
    iceServers: network.iceServers,
    // Only the addresses given: werift's own interface scan is off (both families false).
    iceAdditionalHostAddresses: firsts,
    iceUseIpv4: false,
    iceUseIpv6: false,
    iceInterfaceAddresses: Object.keys(network.bind).length > 0 ? network.bind : undefined,
    icePortRange: network.portRange,
    codecs: {
      video: [
        new RTCRtpCodecParameters({
          mimeType: 'video/VP8',
          clockRate: 90000,
          rtcpFeedback: [
            { type: 'nack' },
            { type: 'nack', parameter: 'pli' },
            { type: 'goog-remb' },
          ],
        }),
      ],
      audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 })],
    },
    headerExtensions: { video: [useSdesMid()], audio: [useSdesMid()] },
  });
}

type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** The direction to answer a transceiver of `kind` with, for a model's tracks. */
export function directionFor(
  kind: string,
  tracks: { input: readonly MediaKind[]; output: readonly MediaKind[] },
): Direction {
  const recv = tracks.input.includes(kind as MediaKind);
  const send = tracks.output.includes(kind as MediaKind);
  return recv && send ? 'sendrecv' : send ? 'sendonly' : recv ? 'recvonly' : 'inactive';
}

/** Where application data starts in epoch 1: past any sequence number the handshake used. */
const FIRST_APPLICATION_SEQUENCE = 64;

/**
 * Works around a werift 0.25 bug: its DTLS Finished record (the first of epoch 1) gets
 * sequence number N, the count of the records before it, and then application data
 * starts again at 1, so the Nth data record repeats the Finished record's number. The
 * browser's anti-replay check drops that record, an SCTP packet, and the data channel
 * stalls for a 1 s retransmission (a command's reply, say). Starting application data
 * past the handshake's numbers avoids the repeat. Runs when the handshake completes,
 * before any application data (the first is the SCTP INIT-ACK, sent only once the
 * browser's INIT has arrived).
 */
export function skipFinishedSequence(transport: RTCDtlsTransport): void {
  transport.onStateChange.subscribe((state) => {
    if (state !== 'connected') return;
    const context = (transport.dtls as unknown as { dtls?: { recordSequenceNumber: number } })
      ?.dtls;
    if (context && context.recordSequenceNumber < FIRST_APPLICATION_SEQUENCE)
      context.recordSequenceNumber = FIRST_APPLICATION_SEQUENCE;
  });
}

/**
 * The answer with werift as the DTLS server when the offer leaves the choice to us
 * (`a=setup:actpass`, what browsers send). werift answers `active` by default, and as
 * the DTLS client it waits a fixed 100 ms before its first ClientHello (werift 0.25
 * transport/dtls.js); as the server it answers the browser's hello at once. Measured
 * in bench/results/sessions.md (ICE connected → connected).
 */
export function dtlsServerAnswer(offer: string, answer: string): RTCSessionDescriptionInit {
  const leavesItToUs = /^a=setup:actpass\r?$/m.test(offer);
  return {
    type: 'answer',
    sdp: leavesItToUs ? answer.replace(/^a=setup:active(\r?)$/gm, 'a=setup:passive$1') : answer,
  };
}

/**
 * The offer without candidates whose address is an mDNS name (`….local`): werift would
 * resolve them with multicast queries on the LAN. Not needed: the browser's checks
 * from that address arrive anyway and are answered as peer-reflexive.
 */
export function withoutMdnsCandidates(sdp: string): string {
  return sdp.replace(/^a=candidate:\S+ \d+ \S+ \d+ \S+\.local \d+ [^\r\n]*\r?\n/gim, '');
}

/**
 * The answer with every address of `addresses` offered: werift's one host candidate per
 * family is copied for the family's other addresses, with the same (wildcard-bound)
 * port and a slightly lower priority each.
 */
export function offerAllAddresses(answer: string, addresses: readonly string[]): string {
  return answer.replace(
    /^a=candidate:(\S+) (\d+) udp (\d+) (\S+) (\d+) typ host([^\r\n]*)(\r?\n)/gim,
    (line, foundation: string, component, priority, ip: string, port, rest, eol) => {
      const family = isIP(ip);
      const others = addresses.filter((a) => a !== ip && isIP(a) === family);
      return (
        line +
        others
          .map(
            (a, i) =>
              `a=candidate:${`${i + 1}${foundation}`.slice(0, 32)} ${component} udp ${Number(priority) - (i + 1) * 256} ${a} ${port} typ host${rest}${eol}`,
          )
          .join('')
      );
    },
  );
}

/** Host candidates in an SDP. */
export const hostCandidateCount = (sdp: string) =>
  (sdp.match(/^a=candidate:.* typ host/gm) ?? []).length;

/**
 * Applies the browser's offer and answers it once host candidates are gathered
 * (non-trickle: the answer carries them), or after `gatherTimeoutMs` with what there is.
 * `prepare` runs between the two, to set transceiver directions. Throws on a bad offer.
 */
export async function answerOffer(
  pc: RTCPeerConnection,
  sdp: string,
  prepare: (transceivers: RTCRtpTransceiver[]) => void,
  gatherTimeoutMs: number,
  addresses: readonly string[],
): Promise<string> {
  await pc.setRemoteDescription({ type: 'offer', sdp: withoutMdnsCandidates(sdp) });
  for (const transport of pc.dtlsTransports) skipFinishedSequence(transport);
  prepare(pc.getTransceivers());
  await pc.setLocalDescription(dtlsServerAnswer(sdp, (await pc.createAnswer()).sdp));
  if (pc.iceGatheringState !== 'complete') {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, gatherTimeoutMs);
      const sub = pc.iceGatheringStateChange.subscribe((state) => {
        if (state === 'complete') done();
      });
      function done() {
        clearTimeout(timer);
        sub.unSubscribe();
        resolve();
      }
    });
  }
  const answer = pc.localDescription?.sdp;
  if (!answer) throw new Error('no local description after createAnswer');
  return offerAllAddresses(answer, addresses);
}
