// Stand-ins for the browser's WebRTC objects and the platform's session routes, for
// unit tests of the SDK's own state machine. They record what the SDK did, in order,
// and let a test play the runtime: connect the transport, open the channel, say
// 'ready', reply to commands, drop the connection. Real media is tested in Chromium.

type Handler = ((event: never) => void) | null;

/** Everything the fakes saw, in order: "pc#1 new", "POST /v1/sessions", "pc#1 offer", … */
export const log: string[] = [];

export class FakeTrack {
  constructor(
    readonly kind: 'video' | 'audio',
    readonly id = `${kind}-track`,
  ) {}
  stop() {}
}

export class FakeStream {
  readonly id: string;
  readonly tracks: FakeTrack[];
  constructor(id: string, tracks: FakeTrack[]) {
    this.id = id;
    this.tracks = tracks;
  }
  getTracks() {
    return this.tracks;
  }
  addTrack(track: FakeTrack) {
    this.tracks.push(track);
  }
  asMediaStream() {
    return this as unknown as MediaStream;
  }
}

export class FakeChannel {
  readyState: RTCDataChannelState = 'connecting';
  readonly sent: string[] = [];
  onopen: Handler = null;
  onmessage: Handler = null;
  onclose: Handler = null;
  constructor(
    readonly label: string,
    readonly options: RTCDataChannelInit | undefined,
  ) {}
  send(text: string) {
    if (this.readyState !== 'open') throw new Error('InvalidStateError: the channel is not open');
    this.sent.push(text);
    FakePeerConnection.onCommand?.(this, JSON.parse(text));
  }
  close() {
    if (this.readyState === 'closed') return;
    this.readyState = 'closed';
  }
  /** The runtime side: open the channel. */
  open() {
    this.readyState = 'open';
    call(this.onopen, {});
  }
  /** The runtime side: send a message. */
  receive(message: unknown) {
    call(this.onmessage, { data: JSON.stringify(message) });
  }
  /** The runtime side: close the channel without a word. */
  drop() {
    this.readyState = 'closed';
    call(this.onclose, {});
  }
}

function call(handler: Handler, event: unknown) {
  (handler as ((e: unknown) => void) | null)?.(event);
}

export interface FakeTransceiver {
  kindOrTrack: string;
  direction: RTCRtpTransceiverDirection;
  streams: string[];
}

/** What a test wants the fake runtime to do once an answer is applied. */
export interface Autopilot {
  /** Connect, open the channel and say 'ready' (default true). */
  ready: boolean;
  commands: string[];
}

export class FakePeerConnection {
  static created: FakePeerConnection[] = [];
  static autopilot: Autopilot = { ready: true, commands: ['ping', 'set_prompt'] };
  /** How the fake runtime answers commands; undefined leaves them unanswered. */
  static onCommand:
    | ((channel: FakeChannel, command: { id: string; name: string; data?: unknown }) => void)
    | undefined;
  /** When false, ICE gathering never completes (the SDK must not wait forever). */
  static gatheringCompletes = true;

  readonly n: number;
  readonly transceivers: FakeTransceiver[] = [];
  readonly channels: FakeChannel[] = [];
  readonly listeners = new Map<string, Set<() => void>>();
  connectionState: RTCPeerConnectionState = 'new';
  iceGatheringState: RTCIceGatheringState = 'new';
  localDescription: { type: string; sdp: string } | null = null;
  remoteDescription: { type: string; sdp: string } | null = null;
  ontrack: Handler = null;
  onconnectionstatechange: Handler = null;
  closed = false;

  constructor(readonly configuration: RTCConfiguration | undefined) {
    FakePeerConnection.created.push(this);
    this.n = FakePeerConnection.created.length;
    log.push(`pc#${this.n} new`);
  }

  static reset() {
    FakePeerConnection.created = [];
    FakePeerConnection.autopilot = { ready: true, commands: ['ping', 'set_prompt'] };
    FakePeerConnection.gatheringCompletes = true;
    FakePeerConnection.onCommand = (channel, command) => {
      if (command.name === 'ping')
        channel.receive({ type: 'reply', id: command.id, ok: true, data: { pong: true } });
    };
    log.length = 0;
  }

  static get last(): FakePeerConnection {
    const pc = FakePeerConnection.created.at(-1);
    if (!pc) throw new Error('no peer connection was created');
    return pc;
  }

  addTransceiver(trackOrKind: FakeTrack | string, init: RTCRtpTransceiverInit) {
    this.transceivers.push({
      kindOrTrack: typeof trackOrKind === 'string' ? trackOrKind : `track:${trackOrKind.kind}`,
      direction: init.direction ?? 'sendrecv',
      streams: (init.streams ?? []).map((s) => s.id),
    });
    log.push(`pc#${this.n} transceiver`);
  }

  createDataChannel(label: string, options?: RTCDataChannelInit) {
    const channel = new FakeChannel(label, options);
    this.channels.push(channel);
    log.push(`pc#${this.n} channel ${label}`);
    return channel as unknown as RTCDataChannel;
  }

  get channel(): FakeChannel {
    const c = this.channels[0];
    if (!c) throw new Error('no data channel');
    return c;
  }

  async createOffer() {
    log.push(`pc#${this.n} createOffer`);
    return { type: 'offer' as const, sdp: `offer-${this.n}` };
  }

  async setLocalDescription(description: { type: string; sdp: string }) {
    this.localDescription = { ...description };
    this.iceGatheringState = 'gathering';
    if (FakePeerConnection.gatheringCompletes)
      setTimeout(() => {
        this.iceGatheringState = 'complete';
        if (this.localDescription) this.localDescription.sdp += '+candidates';
        log.push(`pc#${this.n} gathered`);
        for (const l of this.listeners.get('icegatheringstatechange') ?? []) l();
      }, 5);
  }

  async setRemoteDescription(description: { type: string; sdp: string }) {
    this.remoteDescription = description;
    log.push(`pc#${this.n} answer ${description.sdp}`);
    if (FakePeerConnection.autopilot.ready) setTimeout(() => this.runtimeConnects(), 5);
  }

  /** The runtime side: the transport comes up, media arrives, the channel opens, the model is ready. */
  runtimeConnects(options: { ready?: boolean } = {}) {
    this.setState('connected');
    const track = new FakeTrack('video', `remote-${this.n}`);
    call(this.ontrack, { track, streams: [new FakeStream(`remote-${this.n}`, [track])] });
    this.channel.open();
    if (options.ready ?? true)
      this.channel.receive({
        type: 'ready',
        sessionId: 'ses_fake',
        model: 'echo',
        commands: FakePeerConnection.autopilot.commands,
      });
  }

  setState(state: RTCPeerConnectionState) {
    this.connectionState = state;
    call(this.onconnectionstatechange, {});
  }

  addEventListener(type: string, listener: () => void) {
    let set = this.listeners.get(type);
    if (!set) {
      set = new Set();
      this.listeners.set(type, set);
    }
    set.add(listener);
  }

  removeEventListener(type: string, listener: () => void) {
    this.listeners.get(type)?.delete(listener);
  }

  close() {
    this.closed = true;
    this.connectionState = 'closed';
    for (const c of this.channels) c.close();
    log.push(`pc#${this.n} close`);
  }
}

export const FakePeer = FakePeerConnection as unknown as new (
  configuration?: RTCConfiguration,
) => RTCPeerConnection;

export interface FakeSessionRecord {
  sessionId: string;
  model: string;
  state: 'created' | 'waiting' | 'active' | 'closed';
  closeReason: string | null;
}

/**
 * The platform's session routes, in memory. `refuse` answers the next calls of a
 * route with an error envelope; `tokens` lists the bearer values it accepts (any when empty).
 */
export function fakePlatform() {
  const sessions = new Map<string, FakeSessionRecord>();
  const requests: { method: string; path: string; authorization: string | null; body: unknown }[] =
    [];
  const refusals: { route: string; status: number; code: string }[] = [];
  const tokens: string[] = [];
  let n = 0;
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  const info = (s: FakeSessionRecord) => ({
    ...s,
    createdAt: '2026-01-01T00:00:00.000Z',
    activeAt: null,
    closedAt: s.state === 'closed' ? '2026-01-01T00:01:00.000Z' : null,
    expiresAt: '2026-01-01T01:00:00.000Z',
  });

  const fetch: typeof globalThis.fetch = async (input, init) => {
    const url = new URL(String(input));
    const method = init?.method ?? 'GET';
    const headers = new Headers(init?.headers);
    const body = typeof init?.body === 'string' ? JSON.parse(init.body) : undefined;
    const authorization = headers.get('authorization');
    requests.push({ method, path: url.pathname, authorization, body });
    log.push(`${method} ${url.pathname.replace(/ses_\w+/, '{id}')}`);
    if (tokens.length > 0 && !tokens.includes(authorization?.replace(/^Bearer /, '') ?? ''))
      return json(401, {
        error: { code: 'TOKEN_EXPIRED', message: 'The session token has expired.' },
      });
    const m = /^\/v1\/sessions(?:\/(ses_\w+))?(\/offer)?$/.exec(url.pathname);
    if (!m) return json(404, { error: { code: 'NOT_FOUND', message: 'no such route' } });
    const route = `${method} ${m[1] ? (m[2] ? 'offer' : 'session') : 'sessions'}`;
    const refusal = refusals.findIndex((r) => r.route === route);
    if (refusal >= 0) {
      const [r] = refusals.splice(refusal, 1);
      return json(r?.status ?? 500, { error: { code: r?.code, message: `refused: ${r?.code}` } });
    }
    if (route === 'POST sessions') {
      const s: FakeSessionRecord = {
        sessionId: `ses_${++n}`,
        model: body.model,
        state: 'created',
        closeReason: null,
      };
      sessions.set(s.sessionId, s);
      return json(201, { ...info(s), iceServers: [{ urls: 'stun:127.0.0.1:3478' }] });
    }
    const s = sessions.get(m[1] ?? '');
    if (!s) return json(404, { error: { code: 'NOT_FOUND', message: 'no such session' } });
    if (route === 'POST offer') {
      if (s.state === 'closed')
        return json(409, { error: { code: 'SESSION_CLOSED', message: 'closed' } });
      s.state = 'waiting';
      return json(200, { type: 'answer', sdp: `answer-to-${body.sdp}` });
    }
    if (route === 'DELETE session' && s.state !== 'closed') {
      s.state = 'closed';
      s.closeReason = 'client_closed';
    }
    return json(200, info(s));
  };
  return { fetch, sessions, requests, refusals, tokens };
}
