/**
 * A small typed event emitter. A listener that throws does not stop the others or
 * the SDK: its error is rethrown on a fresh task, where the page's error reporting
 * sees it.
 */
export class Emitter<Events extends object> {
  readonly #listeners = new Map<keyof Events, Set<(value: never) => void>>();
  readonly #names: readonly (keyof Events)[];
  readonly #where: string;

  constructor(where: string, names: readonly (keyof Events)[]) {
    this.#where = where;
    this.#names = names;
  }

  on<K extends keyof Events>(event: K, listener: (value: Events[K]) => void): () => void {
    this.#check(event, listener);
    let set = this.#listeners.get(event);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(event, set);
    }
    set.add(listener as (value: never) => void);
    return () => this.off(event, listener);
  }

  off<K extends keyof Events>(event: K, listener: (value: Events[K]) => void): void {
    this.#check(event, listener);
    this.#listeners.get(event)?.delete(listener as (value: never) => void);
  }

  emit<K extends keyof Events>(event: K, value: Events[K]): void {
    const set = this.#listeners.get(event);
    if (set === undefined) return;
    for (const listener of [...set]) {
      try {
        (listener as (value: Events[K]) => void)(value);
      } catch (error) {
        setTimeout(() => {
          throw error;
        }, 0);
      }
    }
  }

  #check(event: unknown, listener: unknown): void {
    if (!this.#names.includes(event as keyof Events))
      throw new TypeError(
        `${this.#where}: unknown event ${JSON.stringify(event)}; the events are ${this.#names.join(', ')}`,
      );
    if (typeof listener !== 'function')
      throw new TypeError(`${this.#where}: the listener must be a function`);
  }
}
