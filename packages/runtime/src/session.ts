// One realtime session on the runtime: its transport (replaced on a reconnect), its
// timers (expiry, connect timeout, reconnect grace), the model's hooks and commands,
// and the events the coordinator hears.
import type { CloseReason, SessionGrant, SessionState } from '@latchkey/core';
import { parseRuntimeMessage } from '@latchkey/core';
import { errorDetail, type HostResult, type Logger, type RuntimeEvent } from '@latchkey/core/node';
import { answerCommand, encodeMessage, readCommand } from './commands.js';
import type { IceNetwork } from './ice-network.js';
import type { RealtimeModel, SessionContext } from './model.js';
import { offerProblem } from './peer.js';
import { NoPortError, Transport } from './webrtc-transport.js';

export interface SessionSettings {
  network: IceNetwork;
  reconnectGraceMs: number;
  connectTimeoutMs: number;
  gatherTimeoutMs: number;
  now(): number;
  log: Logger;
  emit(event: RuntimeEvent): void;
  /** A data-channel message that was not a command (binary, too large, unparseable). */
  ignored(): void;
  /** Called once, as soon as the session starts closing. */
  ended(session: Session): void;
}

/** Commands one session may have running at once; more are answered RATE_LIMITED. */
export const MAX_COMMANDS_IN_FLIGHT = 16;
/** Longest the runtime waits for a model's onSessionEnd. */
const END_HOOK_MS = 5000;
// setTimeout's limit; sessions last at most hours, but a caller's expiresAt is not trusted.
const MAX_DELAY = 2 ** 31 - 1;

export class Session {
  private current: Transport | undefined;
  private stateNow: SessionState = 'created';
  private closing: Promise<void> | undefined;
  private started: Promise<boolean> | undefined;
  private offers: Promise<unknown> = Promise.resolve();
  private inFlight = 0;
  private readonly readied = new WeakSet<Transport>();
  private readonly timers = new Map<'expiry' | 'connect' | 'grace', NodeJS.Timeout>();
  private readonly abort = new AbortController();
  readonly ctx: SessionContext;

  constructor(
    readonly id: string,
    readonly model: RealtimeModel,
    readonly grant: SessionGrant,
    readonly tokenHash: string,
    readonly expiresAt: number,
    private readonly settings: SessionSettings,
  ) {
    const log = settings.log;
    this.ctx = {
      sessionId: id,
      model: model.name,
      grant,
      state: model.createState(),
      send: (name, data) => {
        const text = encodeMessage({ type: 'message', name, data });
        if (!text || !parseRuntimeMessage(text)) return false;
        return this.current?.send(text) ?? false;
      },
      close: (reason = 'model_error') => void this.close(reason),
      signal: this.abort.signal,
      log,
      now: settings.now,
      ...(model.deployment?.weightsPath ? { weightsPath: model.deployment.weightsPath } : {}),
    };
    this.schedule('expiry', expiresAt - settings.now(), () => this.close('expired'));
    this.schedule('connect', settings.connectTimeoutMs, () => this.close('connect_timeout'));
  }

  get state(): SessionState {
    return this.stateNow;
  }

  /** Answers an SDP offer with a new transport; it replaces the current one (a reconnect). */
  offer(sdp: unknown): Promise<HostResult<{ sdp: string }>> {
    if (this.closing) return Promise.resolve(closedResult());
    const problem = offerProblem(sdp);
    if (problem) return Promise.resolve({ ok: false, code: 'INVALID_REQUEST', message: problem });
    // One offer at a time: a second waits for the first, then replaces it.
    const result = this.offers.then(() => this.answer(sdp as string));
    this.offers = result.catch(() => undefined);
    return result;
  }

  /** Ends the session: `closing` to the client, transport down, timers off, model told, event out. Idempotent. */
  close(reason: CloseReason): Promise<void> {
    if (!this.closing) this.closing = this.shutdown(reason);
    return this.closing;
  }

  private async answer(sdp: string): Promise<HostResult<{ sdp: string }>> {
    if (this.closing) return closedResult();
    let transport: Transport | undefined;
    let answer: string;
    const lease = this.settings.network.lease(this.id, this.expiresAt);
    if (!lease) return portsExhausted(this.settings.network);
    try {
      [transport, answer] = await Transport.answer(sdp, {
        lease,
        tracks: this.model.tracks,
        gatherTimeoutMs: this.settings.gatherTimeoutMs,
        log: this.settings.log,
        events: {
          up: () => this.onUp(transport),
          down: () => this.onDown(transport),
          message: (raw) => void this.onMessage(transport, raw),
          track: (link) => this.model.onTrack(link, this.ctx),
        },
      });
    } catch (error) {
      if (error instanceof NoPortError) {
        this.settings.log.warn('no UDP port for media', { sessionId: this.id });
        return portsExhausted(this.settings.network);
      }
      this.settings.log.debug('offer refused', { sessionId: this.id, error: errorDetail(error) });
      return { ok: false, code: 'INVALID_REQUEST', message: 'the SDP offer could not be applied' };
    }
    if (this.closing) {
      await transport.close();
      return closedResult();
    }
    const previous = this.current;
    this.current = transport;
    this.cancel('grace');
    if (previous) void previous.close();
    if (this.stateNow === 'created') {
      this.stateNow = 'waiting';
      this.settings.emit({ type: 'session-waiting', sessionId: this.id, at: this.settings.now() });
    }
    if (transport.up) this.onUp(transport);
    return { ok: true, value: { sdp: answer } };
  }

  private onUp(transport: Transport | undefined): void {
    if (!transport || transport !== this.current || this.closing) return;
    this.cancel('grace');
    this.started ??= this.start();
    void this.started.then((ok) => {
      if (!ok || transport !== this.current || !transport.up || this.closing) return;
      // Once per transport: an ICE blip that comes back is not a new start for the client.
      if (this.readied.has(transport)) return;
      this.readied.add(transport);
      const commands = [...this.model.commands.keys()];
      const ready = encodeMessage({
        type: 'ready',
        sessionId: this.id,
        model: this.model.name,
        commands,
      });
      if (ready) transport.send(ready);
      if (this.stateNow !== 'active') {
        this.stateNow = 'active';
        this.cancel('connect');
        this.settings.emit({ type: 'session-active', sessionId: this.id, at: this.settings.now() });
      }
    });
  }

  private async start(): Promise<boolean> {
    try {
      await this.model.onSessionStart(this.ctx);
      return true;
    } catch (error) {
      this.settings.log.error('model onSessionStart threw', {
        sessionId: this.id,
        model: this.model.name,
        error: errorDetail(error),
      });
      void this.close('model_error');
      return false;
    }
  }

  private onDown(transport: Transport | undefined): void {
    if (!transport || transport !== this.current || this.closing || this.timers.has('grace'))
      return;
    this.settings.log.info('session transport lost; waiting for a reconnect', {
      sessionId: this.id,
    });
    this.schedule('grace', this.settings.reconnectGraceMs, () => this.close('transport_lost'));
  }

  private async onMessage(transport: Transport | undefined, raw: string | Buffer): Promise<void> {
    const command = readCommand(raw);
    if (!transport || !command) {
      this.settings.ignored();
      return;
    }
    if (this.inFlight >= MAX_COMMANDS_IN_FLIGHT) {
      const busy = encodeMessage({
        type: 'reply',
        id: command.id,
        ok: false,
        error: { code: 'RATE_LIMITED', message: 'too many commands in flight; wait for replies' },
      });
      if (busy) transport.send(busy);
      return;
    }
    this.inFlight++;
    try {
      if (!(await (this.started ?? Promise.resolve(false)))) return;
      const reply = await answerCommand(this.model, command, this.ctx);
      if (!this.closing) transport.send(reply);
    } finally {
      this.inFlight--;
    }
  }

  private async shutdown(reason: CloseReason): Promise<void> {
    this.settings.ended(this);
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    const transport = this.current;
    this.current = undefined;
    await transport?.close(encodeMessage({ type: 'closing', reason }));
    this.abort.abort();
    let timer: NodeJS.Timeout | undefined;
    try {
      // A model that never returns must not hold up the runtime's shutdown.
      const deadline = new Promise<void>((_, reject) => {
        timer = setTimeout(() => reject(new Error('onSessionEnd took too long')), END_HOOK_MS);
      });
      await Promise.race([this.model.onSessionEnd(this.ctx, reason), deadline]);
    } catch (error) {
      this.settings.log.error('model onSessionEnd threw', {
        sessionId: this.id,
        model: this.model.name,
        error: errorDetail(error),
      });
    } finally {
      clearTimeout(timer);
    }
    this.stateNow = 'closed';
    this.settings.log.info('session closed', { sessionId: this.id, reason });
    this.settings.emit({
      type: 'session-closed',
      sessionId: this.id,
      reason,
      at: this.settings.now(),
    });
  }

  private schedule(name: 'expiry' | 'connect' | 'grace', delay: number, run: () => void): void {
    this.cancel(name);
    const timer = setTimeout(
      () => {
        this.timers.delete(name);
        run();
      },
      Math.min(MAX_DELAY, Math.max(0, delay)),
    );
    this.timers.set(name, timer);
  }

  private cancel(name: 'expiry' | 'connect' | 'grace'): void {
    const timer = this.timers.get(name);
    if (timer) clearTimeout(timer);
    this.timers.delete(name);
  }
}

const portsExhausted = (network: IceNetwork): HostResult<never> => ({
  ok: false,
  code: 'MEDIA_PORTS_EXHAUSTED',
  message:
    network.portRange === undefined
      ? 'the runtime could not bind a UDP port for media'
      : `the runtime has no free UDP port for media in ${network.portRange.join('-')} (LATCHKEY_RTC_PORTS)`,
});

const closedResult = (): HostResult<never> => ({
  ok: false,
  code: 'SESSION_CLOSED',
  message: 'this session has ended',
});
