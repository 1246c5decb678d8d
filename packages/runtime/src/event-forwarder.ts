// Runtime events on their way to the coordinator: queued (bounded), sent in batches,
// retried with backoff while the coordinator cannot take them.
import { backoffMs } from '@latchkey/core';
import { errorDetail, type Logger, type RuntimeEvent } from '@latchkey/core/node';

export interface EventForwarderOptions {
  /** Sends one batch; resolves false (or throws) when it should be retried. */
  send(events: RuntimeEvent[]): Promise<boolean>;
  log: Logger;
  /** Most events held; the oldest are dropped beyond it. Default 1000. */
  maxQueue?: number;
  /** Most events per request. Default 100. */
  batchSize?: number;
  /** Backoff after a failure, doubling from `minBackoffMs` up to `maxBackoffMs`. Defaults 250 ms, 5 s. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

export class EventForwarder {
  private queue: RuntimeEvent[] = [];
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  private failures = 0;
  private stopped = false;
  /** Events dropped because the queue was full. */
  dropped = 0;

  constructor(private readonly options: EventForwarderOptions) {}

  get pending(): number {
    return this.queue.length;
  }

  push(event: RuntimeEvent): void {
    if (this.stopped) return;
    this.queue.push(event);
    this.trim();
    this.kick(0);
  }

  /** Sends what is queued, retrying until it is gone or `timeoutMs` has passed. True when all went. */
  async flush(timeoutMs: number): Promise<boolean> {
    const deadline = performance.now() + timeoutMs;
    while (this.queue.length > 0 || this.sending) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      await (this.sending ?? this.drain());
      const left = deadline - performance.now();
      if (this.queue.length === 0 || left <= 0) break;
      if (this.failures > 0)
        await new Promise((r) => setTimeout(r, Math.min(left, this.backoff())));
    }
    return this.queue.length === 0;
  }

  /** Stops sending; what is still queued is dropped. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private backoff(): number {
    const { minBackoffMs = 250, maxBackoffMs = 5000 } = this.options;
    return backoffMs(this.failures - 1, { baseMs: minBackoffMs, maxMs: maxBackoffMs });
  }

  private trim(): void {
    const max = this.options.maxQueue ?? 1000;
    if (this.queue.length <= max) return;
    const over = this.queue.length - max;
    this.queue.splice(0, over);
    if (this.dropped === 0 || (this.dropped + over) % 100 < over)
      this.options.log.warn('runtime event queue is full; dropping the oldest events', {
        dropped: this.dropped + over,
      });
    this.dropped += over;
  }

  private kick(delay: number): void {
    if (this.stopped || this.timer || this.sending) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.drain();
    }, delay);
  }

  private drain(): Promise<void> {
    this.sending ??= (async () => {
      const size = this.options.batchSize ?? 100;
      while (this.queue.length > 0 && !this.stopped) {
        const batch = this.queue.splice(0, size);
        let sent = false;
        try {
          sent = await this.options.send(batch);
        } catch (error) {
          this.options.log.debug('sending runtime events failed', { error: errorDetail(error) });
        }
        if (!sent) {
          this.queue.unshift(...batch);
          this.trim();
          this.failures++;
          break;
        }
        this.failures = 0;
      }
    })().finally(() => {
      this.sending = undefined;
      if (this.queue.length > 0) this.kick(this.failures > 0 ? this.backoff() : 0);
    });
    return this.sending;
  }
}
