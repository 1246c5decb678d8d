import { type CommandMessage, MAX_MESSAGE_BYTES, parseClientMessage } from '@latchkey/core';
import { explain, LatchkeyError } from './errors.js';

type ReplyMessage =
  | { type: 'reply'; id: string; ok: true; data?: unknown }
  | { type: 'reply'; id: string; ok: false; error: { code: string; message: string } };

interface Pending {
  name: string;
  resolve(data: unknown): void;
  reject(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Commands sent on the data channel that wait for their reply: each gets an id, the
 * runtime's `reply` with that id settles it, and a timer bounds the wait.
 */
export class PendingReplies {
  readonly #pending = new Map<string, Pending>();
  #next = 0;

  /**
   * Builds the command's JSON (a TypeError when the name or size is not one the
   * runtime accepts), hands it to `transmit`, and waits for the reply.
   */
  request(
    name: string,
    data: unknown,
    timeoutMs: number,
    transmit: (text: string) => void,
  ): Promise<unknown> {
    const id = `c${++this.#next}`;
    const message: CommandMessage = { type: 'command', id, name };
    if (data !== undefined) message.data = data;
    let text: string;
    try {
      text = JSON.stringify(message);
    } catch (cause) {
      throw new TypeError(`send: data must be serialisable as JSON (${(cause as Error).message})`);
    }
    if (
      text.length > MAX_MESSAGE_BYTES ||
      new TextEncoder().encode(text).byteLength > MAX_MESSAGE_BYTES
    )
      throw new TypeError(`send: the command is over ${MAX_MESSAGE_BYTES} bytes as JSON`);
    if (parseClientMessage(text) === undefined)
      throw new TypeError(
        `send: ${JSON.stringify(name)} is not a command name (a letter, then letters, digits or ._-, at most 64)`,
      );
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(
          new LatchkeyError(
            'TIMEOUT',
            explain('TIMEOUT', `the model did not reply to "${name}" within ${timeoutMs} ms`),
          ),
        );
      }, timeoutMs);
      this.#pending.set(id, { name, resolve, reject, timer });
      try {
        transmit(text);
      } catch (cause) {
        this.#settle(id)?.reject(
          new LatchkeyError(
            'NETWORK_ERROR',
            explain('NETWORK_ERROR', `could not send "${name}" on the data channel`),
            { cause },
          ),
        );
      }
    });
  }

  /** Settles the command a reply answers; a reply for no pending command is ignored. */
  reply(message: ReplyMessage): void {
    const pending = this.#settle(message.id);
    if (pending === undefined) return;
    if (message.ok) pending.resolve(message.data);
    else {
      const { code, message: text } = message.error;
      pending.reject(
        new LatchkeyError(
          code,
          explain(code, `the model answered "${pending.name}" with ${code}: ${text}`),
        ),
      );
    }
  }

  /** Rejects every command still waiting (the channel is gone). */
  rejectAll(error: () => Error): void {
    for (const id of [...this.#pending.keys()]) this.#settle(id)?.reject(error());
  }

  get size(): number {
    return this.#pending.size;
  }

  #settle(id: string): Pending | undefined {
    const pending = this.#pending.get(id);
    if (pending === undefined) return undefined;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    return pending;
  }
}
