// The page side of bench/sessions.mjs: runs in headless Chromium, loaded as a native ES
// module next to the SDK's built files (an import map maps @latchkey/sdk and
// @latchkey/core to packages/*/dist). Everything it measures uses performance.now() in
// the page, so the times never cross a process boundary.
//
// Three kinds of "session", measured the same way:
//   echo       client.realtime.connect({model: 'echo'}) against `latchkey serve`
//   echo-turn  the same against a `latchkey serve` that hands out TURN credentials, with
//              iceTransportPolicy 'relay': the media goes through coturn
//   loopback   the reference: two RTCPeerConnections in this page (camera → pc1 → pc2),
//              offer/answer handed over in JavaScript, no server at all
// Chromium runs without --allow-loopback-in-peer-connection, as a person's browser: its
// candidates are on the machine's own network interface.
// Both send the camera on a sendrecv transceiver, create one ordered data channel before
// the offer, and signal non-trickle (the offer and the answer wait for ICE gathering),
// as the SDK and the runtime do.
import { createClient } from '@latchkey/sdk';

const FRAME_TIMEOUT_MS = 15_000;
const state = { baseUrl: '', token: '', turn: null, camera: null, open: [] };

/** A fetch that notes when the session calls go out and come back. */
function timedFetch(marks) {
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input.url;
    const method = init?.method ?? 'GET';
    const start = performance.now();
    const res = await fetch(input, init);
    const end = performance.now();
    if (method === 'POST' && /\/v1\/sessions$/.test(url)) marks.created ??= end;
    else if (method === 'POST' && /\/offer$/.test(url)) {
      marks.offerSent ??= start;
      marks.answer ??= end;
    }
    return res;
  };
}

/** An RTCPeerConnection class that keeps its instances and notes connected / channel open. */
function recordingPeer(rec) {
  return class extends RTCPeerConnection {
    constructor(config) {
      super(config);
      rec.pc = this;
      watchPeer(this, rec.marks);
    }
    createDataChannel(...args) {
      const channel = super.createDataChannel(...args);
      watchChannel(channel, rec.marks);
      return channel;
    }
  };
}

function watchPeer(pc, marks) {
  pc.addEventListener('iceconnectionstatechange', () => {
    if (pc.iceConnectionState === 'connected') marks.iceConnected ??= performance.now();
  });
  pc.addEventListener('connectionstatechange', () => {
    if (pc.connectionState === 'connected') marks.connected ??= performance.now();
  });
}

function watchChannel(channel, marks) {
  channel.addEventListener('open', () => {
    marks.channelOpen ??= performance.now();
  });
}

/**
 * Plays a remote stream in a small <video> and resolves with its first presented frame
 * (requestVideoFrameCallback): presentationTime is when Chromium handed the frame to the
 * compositor, receiveTime when the frame's last packet arrived.
 */
function showRemote(stream, rec) {
  const video = document.createElement('video');
  video.muted = true;
  video.autoplay = true;
  video.playsInline = true;
  video.width = 160;
  video.height = 120;
  document.body.append(video);
  rec.video = video;
  rec.firstFrame = new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no remote frame within ${FRAME_TIMEOUT_MS} ms`)),
      FRAME_TIMEOUT_MS,
    );
    video.requestVideoFrameCallback((now, meta) => {
      clearTimeout(timer);
      resolve({
        callback: now,
        presented: meta.presentationTime,
        received: meta.receiveTime,
        width: meta.width,
        height: meta.height,
      });
    });
  });
  rec.firstFrame.catch(() => undefined);
  video.srcObject = stream;
  video.play().catch(() => undefined);
}

function dropVideo(rec) {
  if (!rec.video) return;
  rec.video.srcObject = null;
  rec.video.remove();
  rec.video = undefined;
}

function gatheringComplete(pc) {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const check = () => {
      if (pc.iceGatheringState !== 'complete') return;
      pc.removeEventListener('icegatheringstatechange', check);
      resolve();
    };
    pc.addEventListener('icegatheringstatechange', check);
  });
}

/** Times relative to t0, in ms. */
function relative(marks, frame) {
  const out = {};
  for (const [k, v] of Object.entries(marks)) if (k !== 't0') out[k] = v - marks.t0;
  if (frame) {
    out.frameReceived = frame.received === undefined ? undefined : frame.received - marks.t0;
    out.framePresented = frame.presented - marks.t0;
    out.frameCallback = frame.callback - marks.t0;
    out.frameSize = `${frame.width}x${frame.height}`;
  }
  return out;
}

// ------------------------------------------------------------------ echo sessions

async function openEcho(kind = 'echo') {
  const rec = { kind, marks: {} };
  const relay = kind === 'echo-turn';
  if (relay && !state.turn) throw new Error('no TURN platform was set up');
  const client = createClient({
    token: relay ? state.turn.token : state.token,
    baseUrl: relay ? state.turn.baseUrl : state.baseUrl,
    fetch: timedFetch(rec.marks),
  });
  rec.marks.t0 = performance.now();
  try {
    rec.session = await client.realtime.connect({
      model: 'echo',
      localStream: state.camera,
      RTCPeerConnection: recordingPeer(rec),
      ...(relay ? { iceTransportPolicy: 'relay' } : {}),
      onRemoteStream: (stream) => {
        rec.marks.track ??= performance.now();
        if (!rec.video) showRemote(stream, rec);
      },
    });
  } catch (error) {
    dropVideo(rec);
    throw error;
  }
  rec.marks.ready = performance.now();
  rec.close = async () => {
    await rec.session.disconnect();
    dropVideo(rec);
  };
  rec.ping = async () => {
    const t = performance.now();
    await rec.session.send('ping');
    return performance.now() - t;
  };
  rec.outbound = () => rec.pc;
  rec.inbound = () => rec.pc;
  return rec;
}

// ------------------------------------------------------------------ the reference

async function openLoopback() {
  const rec = { kind: 'loopback', marks: {} };
  const marks = rec.marks;
  marks.t0 = performance.now();
  const pc1 = new RTCPeerConnection({ iceServers: [] });
  const pc2 = new RTCPeerConnection({ iceServers: [] });
  rec.pc1 = pc1;
  rec.pc2 = pc2;
  watchPeer(pc1, marks);
  for (const track of state.camera.getTracks())
    pc1.addTransceiver(track, { direction: 'sendrecv', streams: [state.camera] });
  const channel = pc1.createDataChannel('latchkey', { ordered: true });
  watchChannel(channel, marks);
  const echoed = new Promise((resolve) => {
    pc2.ondatachannel = ({ channel: c2 }) => {
      c2.onmessage = (e) => c2.send(e.data); // the far end answers every message
      resolve();
    };
  });
  pc2.ontrack = (event) => {
    marks.track ??= performance.now();
    if (!rec.video) showRemote(event.streams[0] ?? new MediaStream([event.track]), rec);
  };
  await pc1.setLocalDescription(await pc1.createOffer());
  await gatheringComplete(pc1);
  marks.offerSent = performance.now();
  await pc2.setRemoteDescription(pc1.localDescription);
  await pc2.setLocalDescription(await pc2.createAnswer());
  await gatheringComplete(pc2);
  await pc1.setRemoteDescription(pc2.localDescription);
  marks.answer = performance.now();
  await new Promise((resolve) => {
    if (channel.readyState === 'open') resolve();
    else channel.addEventListener('open', resolve, { once: true });
  });
  await echoed;
  marks.ready = performance.now();
  let waiting;
  channel.onmessage = () => waiting?.();
  rec.ping = async () => {
    const t = performance.now();
    await new Promise((resolve) => {
      waiting = resolve;
      channel.send(JSON.stringify({ type: 'command', id: String(t), name: 'ping' }));
    });
    return performance.now() - t;
  };
  rec.close = async () => {
    pc1.close();
    pc2.close();
    dropVideo(rec);
  };
  rec.outbound = () => pc1;
  rec.inbound = () => pc2;
  return rec;
}

const openers = {
  echo: () => openEcho('echo'),
  'echo-turn': () => openEcho('echo-turn'),
  loopback: openLoopback,
};

/** The candidate types of the selected pair: how the media travelled (host, prflx, relay). */
async function selectedPair(pc) {
  const stats = await pc.getStats();
  let pair;
  stats.forEach((r) => {
    if (r.type === 'transport' && r.selectedCandidatePairId)
      pair = stats.get(r.selectedCandidatePairId);
  });
  if (!pair) return 'none';
  return `${stats.get(pair.localCandidateId)?.candidateType}/${stats.get(pair.remoteCandidateId)?.candidateType}`;
}

const firstFrame = (rec) => rec.firstFrame ?? Promise.reject(new Error('no remote track'));

// ------------------------------------------------------------------ what the driver calls

window.bench = {
  async init({ baseUrl, token, turn, video }) {
    state.baseUrl = baseUrl;
    state.token = token;
    state.turn = turn ?? null;
    state.camera = await navigator.mediaDevices.getUserMedia({ video });
    const settings = state.camera.getVideoTracks()[0].getSettings();
    return { width: settings.width, height: settings.height, frameRate: settings.frameRate };
  },

  /** One session: open, first presented frame, one command, close. Times in ms from t0. */
  async once(kind) {
    const rec = await openers[kind]();
    try {
      const frame = await firstFrame(rec);
      const firstCommandMs = await rec.ping();
      // The answerer's DTLS role: `active` means it starts the DTLS handshake.
      const answer = (rec.pc ?? rec.pc1).remoteDescription?.sdp ?? '';
      const answerSetup = /a=setup:(\w+)/.exec(answer)?.[1];
      const pair = await selectedPair(rec.pc ?? rec.pc1);
      return { ...relative(rec.marks, frame), firstCommandMs, answerSetup, pair };
    } finally {
      await rec.close();
    }
  },

  /** Round trips on one open session, after its first frame. */
  async pings(kind, n) {
    const rec = await openers[kind]();
    try {
      await firstFrame(rec);
      const rtts = [];
      for (let i = 0; i < n; i++) rtts.push(await rec.ping());
      return rtts;
    } finally {
      await rec.close();
    }
  },

  /** Opens n sessions at once; resolves when all are ready and show a frame (or one fails). */
  async openMany(kind, n) {
    const t0 = performance.now();
    const settled = await Promise.allSettled(
      Array.from({ length: n }, async () => {
        const rec = await openers[kind]();
        state.open.push(rec);
        await firstFrame(rec);
        return performance.now() - t0;
      }),
    );
    const failures = settled
      .filter((s) => s.status === 'rejected')
      .map((s) => String(s.reason?.message ?? s.reason));
    const times = settled.filter((s) => s.status === 'fulfilled').map((s) => s.value);
    return {
      opened: times.length,
      failures,
      allFramesMs: times.length ? Math.max(...times) : null,
    };
  },

  /** Counters of every open session: what its sender encoded and sent, what came back. */
  async snapshot() {
    return Promise.all(
      state.open.map(async (rec) => {
        const out = {};
        const sending = await rec.outbound().getStats();
        const receiving =
          rec.inbound() === rec.outbound() ? sending : await rec.inbound().getStats();
        sending.forEach((r) => {
          if (r.type === 'outbound-rtp' && r.kind === 'video')
            Object.assign(out, {
              sentAt: r.timestamp,
              framesEncoded: r.framesEncoded,
              framesSent: r.framesSent,
              bytesSent: r.bytesSent,
              targetBitrate: r.targetBitrate,
              encodeSeconds: r.totalEncodeTime,
              sentWidth: r.frameWidth,
              sentHeight: r.frameHeight,
              qualityLimitation: r.qualityLimitationReason,
              limitedCpu: r.qualityLimitationDurations?.cpu ?? 0,
              limitedBandwidth: r.qualityLimitationDurations?.bandwidth ?? 0,
              nacksToSender: r.nackCount ?? 0,
              plisToSender: (r.pliCount ?? 0) + (r.firCount ?? 0),
            });
          // What the far end (the runtime, or pc2) reports about the stream it receives.
          else if (r.type === 'remote-inbound-rtp' && r.kind === 'video')
            Object.assign(out, { upstreamLost: r.packetsLost ?? 0, upstreamRtt: r.roundTripTime });
          else if (r.type === 'candidate-pair' && r.nominated && r.state === 'succeeded')
            out.availableOutgoingBitrate = r.availableOutgoingBitrate;
        });
        receiving.forEach((r) => {
          if (r.type === 'inbound-rtp' && r.kind === 'video')
            Object.assign(out, {
              receivedAt: r.timestamp,
              framesReceived: r.framesReceived,
              framesDecoded: r.framesDecoded,
              framesDropped: r.framesDropped ?? 0,
              packetsLost: r.packetsLost ?? 0,
              nackCount: r.nackCount ?? 0,
              pliCount: r.pliCount ?? 0,
              decodeSeconds: r.totalDecodeTime ?? 0,
              jitterBufferDelay: r.jitterBufferDelay ?? 0,
              jitterBufferEmitted: r.jitterBufferEmittedCount ?? 0,
              freezes: r.freezeCount ?? 0,
              recvWidth: r.frameWidth,
              recvHeight: r.frameHeight,
            });
        });
        out.status = rec.session ? rec.session.status : rec.pc2.connectionState;
        out.sessionId = rec.session?.sessionId;
        return out;
      }),
    );
  },

  async closeAll() {
    const open = state.open.splice(0);
    await Promise.allSettled(open.map((rec) => rec.close()));
    return open.length;
  },
};
