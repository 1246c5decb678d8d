import { DATA_CHANNEL_LABEL, type IceServer } from '@latchkey/core';

/** What a link reports. Events arrive only until `close()`. */
export interface PeerLinkEvents {
  remoteStream(stream: MediaStream): void;
  channelMessage(text: string): void;
  /** The data channel closed (not by `close()`). */
  channelClose(): void;
  connectionState(state: RTCPeerConnectionState): void;
}

/**
 * One media transport of a session: a peer connection with the local tracks, a
 * receiving video transceiver, and the data channel. A reconnect builds a new link
 * for the same session.
 */
export interface PeerLink {
  readonly pc: RTCPeerConnection;
  readonly channel: RTCDataChannel;
  /** Creates the offer and waits (bounded) for ICE gathering, so the SDP carries the candidates. */
  offer(gatheringTimeoutMs: number): Promise<string>;
  accept(answerSdp: string): Promise<void>;
  close(): void;
}

export type PeerConnectionConstructor = new (configuration?: RTCConfiguration) => RTCPeerConnection;

/**
 * Builds the link: local tracks as `sendrecv` transceivers (video always received:
 * a `recvonly` one when there is no local video), then the data channel, which must
 * exist before the offer so the offer negotiates it.
 */
export function openPeerLink(
  Peer: PeerConnectionConstructor,
  iceServers: IceServer[],
  iceTransportPolicy: RTCIceTransportPolicy | undefined,
  localStream: MediaStream | undefined,
  on: PeerLinkEvents,
): PeerLink {
  const pc = new Peer(iceTransportPolicy ? { iceServers, iceTransportPolicy } : { iceServers });
  let closed = false;
  const live =
    <A extends unknown[]>(fn: (...args: A) => void) =>
    (...args: A) => {
      if (!closed) fn(...args);
    };

  let hasVideo = false;
  for (const track of localStream?.getTracks() ?? []) {
    pc.addTransceiver(track, { direction: 'sendrecv', streams: [localStream as MediaStream] });
    if (track.kind === 'video') hasVideo = true;
  }
  if (!hasVideo) pc.addTransceiver('video', { direction: 'recvonly' });

  const channel = pc.createDataChannel(DATA_CHANNEL_LABEL, { ordered: true });
  channel.onmessage = live((event: MessageEvent) => {
    if (typeof event.data === 'string') on.channelMessage(event.data);
  });
  channel.onclose = live(() => on.channelClose());

  let remote: MediaStream | undefined;
  pc.ontrack = live((event: RTCTrackEvent) => {
    const stream = event.streams[0] ?? remote ?? makeStream(event.track);
    if (stream === undefined) return;
    if (!stream.getTracks().includes(event.track)) stream.addTrack(event.track);
    if (stream !== remote) {
      remote = stream;
      on.remoteStream(stream);
    }
  });
  pc.onconnectionstatechange = live(() => on.connectionState(pc.connectionState));

  return {
    pc,
    channel,
    async offer(gatheringTimeoutMs) {
      await pc.setLocalDescription(await pc.createOffer());
      await gatheringComplete(pc, gatheringTimeoutMs);
      const sdp = pc.localDescription?.sdp;
      if (!sdp) throw new Error('the peer connection produced no local description');
      return sdp;
    },
    async accept(answerSdp) {
      await pc.setRemoteDescription({ type: 'answer', sdp: answerSdp });
    },
    close() {
      if (closed) return;
      closed = true;
      try {
        channel.close();
      } catch {
        // already closed
      }
      pc.close();
    },
  };
}

function makeStream(track: MediaStreamTrack): MediaStream | undefined {
  return typeof MediaStream === 'function' ? new MediaStream([track]) : undefined;
}

/**
 * Non-trickle signalling: the offer goes out once gathering is complete. On loopback
 * that takes milliseconds; the bound keeps a slow STUN server from holding us up
 * (the offer then carries the candidates found so far).
 */
function gatheringComplete(pc: RTCPeerConnection, timeoutMs: number): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      pc.removeEventListener('icegatheringstatechange', check);
      resolve();
    };
    const check = () => {
      if (pc.iceGatheringState === 'complete') done();
    };
    const timer = setTimeout(done, timeoutMs);
    pc.addEventListener('icegatheringstatechange', check);
  });
}
