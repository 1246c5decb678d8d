// One peer connection of a session (a reconnect makes a new one): the browser's
// `latchkey` data channel, its media tracks handed to the model, and whether it is up.
import { DATA_CHANNEL_LABEL, type MediaKind } from '@latchkey/core';
import { errorDetail, type Logger } from '@latchkey/core/node';
import type {
  MediaStreamTrack,
  RTCDataChannel,
  RTCPeerConnection,
  RTCRtpTransceiver,
} from 'werift';
import type { PeerLease } from './ice-network.js';
import type { MediaLink } from './model.js';
import { answerOffer, createPeer, directionFor, hostCandidateCount } from './peer.js';

export interface TransportEvents {
  /** Connected and the channel is open (again, after a transient disconnect). */
  up(): void;
  /** No longer up: the connection failed, disconnected or closed, or the channel closed. */
  down(): void;
  message(raw: string | Buffer): void;
  track(link: MediaLink): void;
}

export interface TransportOptions {
  /** The addresses, ports and TURN server of this peer connection; released when it closes. */
  lease: PeerLease;
  tracks: { input: readonly MediaKind[]; output: readonly MediaKind[] };
  gatherTimeoutMs: number;
  log: Logger;
  events: TransportEvents;
}

/** werift bound no UDP socket for media: the port range is used up (by other processes too). */
export class NoPortError extends Error {
  override name = 'NoPortError';
  constructor() {
    super('no UDP port could be bound for media');
  }
}

const PSFB = 206;
const PLI = 1;
const FIR = 4;
/** Least time between two keyframe requests passed upstream: a keyframe takes a while to come. */
const KEYFRAME_REQUEST_GAP_MS = 250;
/** How long a final message gets to leave before the connection closes under it. */
const DRAIN_MS = 500;

export class Transport {
  private readonly pc: RTCPeerConnection;
  private channel: RTCDataChannel | undefined;
  private connected = false;
  private isUp = false;
  private closed = false;

  private constructor(private readonly options: TransportOptions) {
    this.pc = createPeer(options.lease.network);
  }

  /** Makes the peer connection and answers `sdp` with it. Throws (and cleans up) on a bad offer. */
  static async answer(sdp: string, options: TransportOptions): Promise<[Transport, string]> {
    let t: Transport;
    try {
      t = new Transport(options);
    } catch (error) {
      options.lease.release();
      throw error;
    }
    try {
      t.wire();
      const answer = await answerOffer(
        t.pc,
        sdp,
        (transceivers) => {
          for (const tr of transceivers) tr.setDirection(directionFor(tr.kind, options.tracks));
        },
        options.gatherTimeoutMs,
        options.lease.network.addresses,
      );
      if (hostCandidateCount(answer) === 0) throw new NoPortError();
      return [t, answer];
    } catch (error) {
      await t.close();
      throw error;
    }
  }

  get up(): boolean {
    return this.isUp;
  }

  /** Sends text on the channel; false when it is not open. */
  send(text: string): boolean {
    const ch = this.channel;
    if (this.closed || !ch || ch.readyState !== 'open') return false;
    try {
      ch.send(text);
    } catch (error) {
      this.options.log.debug('data channel send failed', { error: errorDetail(error) });
      return false;
    }
    return true;
  }

  /** Closes the connection, first sending `final` (and giving it a moment to leave) if the channel is open. */
  async close(final?: string): Promise<void> {
    if (this.closed) return;
    const sent = final !== undefined && this.send(final);
    this.closed = true;
    const ch = this.channel;
    if (sent && ch) await drain(ch);
    try {
      ch?.close();
    } catch {}
    await this.pc.close().catch(() => undefined);
    this.options.lease.release();
  }

  private wire(): void {
    const { pc } = this;
    pc.connectionStateChange.subscribe((state) => {
      this.connected = state === 'connected';
      this.update();
    });
    pc.onDataChannel.subscribe((ch) => {
      if (ch.label !== DATA_CHANNEL_LABEL || this.channel) {
        ch.close();
        return;
      }
      this.channel = ch;
      ch.stateChanged.subscribe(() => this.update());
      ch.onMessage.subscribe((raw) => {
        if (!this.closed) this.options.events.message(raw);
      });
      this.update();
    });
    pc.onTransceiverAdded.subscribe((tr) => {
      tr.onTrack.subscribe((track) => {
        if (this.closed || !this.options.tracks.input.includes(tr.kind as MediaKind)) return;
        try {
          this.options.events.track(this.link(tr, track));
        } catch (error) {
          this.options.log.error('model onTrack threw', { error: errorDetail(error) });
        }
      });
    });
  }

  private update(): void {
    if (this.closed) return;
    const up = this.connected && this.channel?.readyState === 'open';
    if (up === this.isUp) return;
    this.isUp = up;
    if (up) this.options.events.up();
    else this.options.events.down();
  }

  private link(tr: RTCRtpTransceiver, track: MediaStreamTrack): MediaLink {
    const { log } = this.options;
    let lastRequest = Number.NEGATIVE_INFINITY;
    return {
      kind: tr.kind as MediaKind,
      input: track,
      setOutput: (output) => {
        tr.sender.replaceTrack(output).catch((error) => {
          log.warn('replaceTrack failed', { error: errorDetail(error) });
        });
      },
      requestKeyframe: () => {
        const now = performance.now();
        if (this.closed || track.ssrc === undefined || now - lastRequest < KEYFRAME_REQUEST_GAP_MS)
          return;
        lastRequest = now;
        tr.receiver.sendRtcpPLI(track.ssrc).catch(() => undefined);
      },
      onKeyframeRequest: (listener) => {
        // werift routes the browser's PLI by its sender SSRC, which lands it on our
        // receiver; a PLI routed by media SSRC reaches the sender. Listen on both.
        tr.receiver.onRtcp.subscribe((packet) => {
          if (packet.type !== PSFB) return;
          const count = (packet as { feedback?: { count?: number } }).feedback?.count;
          if (count === PLI || count === FIR) listener();
        });
        tr.sender.onPictureLossIndication.subscribe(() => listener());
      },
    };
  }
}

/** Waits until the channel's queue is empty, or DRAIN_MS. */
async function drain(ch: RTCDataChannel): Promise<void> {
  const until = performance.now() + DRAIN_MS;
  while (ch.bufferedAmount > 0 && performance.now() < until) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
