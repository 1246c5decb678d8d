// Real parts for the runtime's tests: a signing key, tokens signed with it, a verifier
// over its public key, and a werift peer that plays the browser's part.
import type { RuntimeMessage, SessionClaims, SessionGrant } from '@latchkey/core';
import { DATA_CHANNEL_LABEL, newId, parseRuntimeMessage } from '@latchkey/core';
import type { RuntimeEvent, RuntimeHost } from '@latchkey/core/node';
import { createVerifier, generateSigningKey, signSessionToken } from '@latchkey/core/node';
import { type RTCDataChannel, RTCPeerConnection } from 'werift';

export const ISSUER = 'https://latchkey.test';
export const AUDIENCE = 'latchkey';
export const signingKey = generateSigningKey('sig_test');
export const verifyToken = createVerifier({
  jwks: { keys: [signingKey.publicJwk] },
  issuer: ISSUER,
  audience: AUDIENCE,
});

/** A real session token; `grant` and `claims` override the defaults. */
export function token(
  grant: Partial<SessionGrant> = {},
  claims: Partial<Omit<SessionClaims, 'grant'>> = {},
  key = signingKey,
): string {
  const now = Math.floor(Date.now() / 1000);
  return signSessionToken(
    {
      iss: ISSUER,
      aud: AUDIENCE,
      sub: 'org_test',
      jti: newId('tok'),
      iat: now,
      nbf: now,
      exp: now + 600,
      key: 'key_test',
      ...claims,
      grant: {
        models: ['*'],
        maxSessions: 5,
        origins: [],
        maxSessionSeconds: 3600,
        metadata: {},
        ...grant,
      },
    },
    key,
  );
}

/** Collects a host's events and waits for one. */
export function recordEvents(host: RuntimeHost) {
  const events: RuntimeEvent[] = [];
  const waiters: { match: (e: RuntimeEvent) => boolean; resolve: (e: RuntimeEvent) => void }[] = [];
  host.onEvent((event) => {
    events.push(event);
    for (const w of [...waiters]) {
      if (w.match(event)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(event);
      }
    }
  });
  const next = (type: RuntimeEvent['type'], sessionId?: string): Promise<RuntimeEvent> => {
    const match = (e: RuntimeEvent) =>
      e.type === type && (sessionId === undefined || e.sessionId === sessionId);
    const seen = events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => waiters.push({ match, resolve }));
  };
  return { events, next };
}

/** A werift peer in the browser's role: it makes the offer and the `latchkey` channel. */
export class FakeBrowser {
  readonly pc: RTCPeerConnection;
  readonly channel: RTCDataChannel;
  readonly messages: RuntimeMessage[] = [];
  private waiters: {
    match: (m: RuntimeMessage) => boolean;
    resolve: (m: RuntimeMessage) => void;
  }[] = [];
  closed: Promise<void>;

  constructor(codecs?: { video?: RTCRtpCodecParameters[] }) {
    this.pc = new RTCPeerConnection({
      iceServers: [],
      iceAdditionalHostAddresses: ['127.0.0.1'],
      iceInterfaceAddresses: { udp4: '127.0.0.1' },
      iceUseIpv6: false,
      iceFilterCandidatePair: (pair) => pair.remoteCandidate.host === '127.0.0.1',
      ...(codecs ? { codecs } : {}),
    });
    this.channel = this.pc.createDataChannel(DATA_CHANNEL_LABEL);
    this.channel.onMessage.subscribe((raw) => {
      const m = parseRuntimeMessage(String(raw));
      if (!m) return;
      this.messages.push(m);
      for (const w of [...this.waiters]) {
        if (w.match(m)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(m);
        }
      }
    });
    this.closed = new Promise((resolve) => {
      this.channel.stateChanged.subscribe((s) => s === 'closed' && resolve());
    });
  }

  /** The offer, once host candidates are in it (non-trickle, like the SDK). */
  async offer(): Promise<string> {
    await this.pc.setLocalDescription(await this.pc.createOffer());
    if (this.pc.iceGatheringState !== 'complete')
      await this.pc.iceGatheringStateChange.watch((s) => s === 'complete');
    return this.pc.localDescription?.sdp ?? '';
  }

  async connect(host: RuntimeHost, sessionId: string): Promise<RuntimeMessage> {
    const answer = await host.offer(sessionId, await this.offer());
    if (!answer.ok) throw new Error(`offer refused: ${answer.code} ${answer.message}`);
    await this.pc.setRemoteDescription({ type: 'answer', sdp: answer.value.sdp });
    return this.next((m) => m.type === 'ready');
  }

  next(match: (m: RuntimeMessage) => boolean): Promise<RuntimeMessage> {
    const seen = this.messages.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ match, resolve }));
  }

  /** Sends a command and waits for its reply. */
  async command(name: string, data?: unknown, id = newId('req')): Promise<RuntimeMessage> {
    this.channel.send(JSON.stringify({ type: 'command', id, name, data }));
    return this.next((m) => m.type === 'reply' && m.id === id);
  }

  close(): Promise<void> {
    return this.pc.close();
  }
}
