// A typed event emitter that can hold events while nobody listens yet, so that events fired while
// `Cignal.createRoom` runs reach listeners attached right after it resolves.

type Listener<A extends unknown[]> = (...args: A) => void;
export type EventMap = { [event: string]: unknown[] };

export class Emitter<Events extends EventMap> {
  readonly #listeners = new Map<keyof Events, Set<Listener<never>>>();
  /** Events emitted with no listener while holding; null once released. */
  #held: Array<{ event: keyof Events; args: unknown[] }> | null = [];

  on<E extends keyof Events>(event: E, listener: Listener<Events[E]>): this {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener as Listener<never>);
    for (const held of this.#held ?? []) {
      if (held.event === event) queueMicrotask(() => this.#call(listener as Listener<unknown[]>, held.args));
    }
    return this;
  }

  off<E extends keyof Events>(event: E, listener: Listener<Events[E]>): this {
    this.#listeners.get(event)?.delete(listener as Listener<never>);
    return this;
  }

  once<E extends keyof Events>(event: E, listener: Listener<Events[E]>): this {
    const wrapper = ((...args: Events[E]) => {
      this.off(event, wrapper);
      listener(...args);
    }) as Listener<Events[E]>;
    return this.on(event, wrapper);
  }

  listenerCount(event: keyof Events): number {
    return this.#listeners.get(event)?.size ?? 0;
  }

  protected emit<E extends keyof Events>(event: E, ...args: Events[E]): void {
    const set = this.#listeners.get(event);
    if (!set?.size) {
      this.#held?.push({ event, args });
      return;
    }
    for (const listener of [...set]) this.#call(listener as Listener<unknown[]>, args);
  }

  /** Stops holding events; those still unheard are dropped. */
  protected release(): void {
    this.#held = null;
  }

  #call(listener: Listener<unknown[]>, args: unknown[]) {
    try {
      listener(...args);
    } catch (error) {
      // A listener's bug must not break the call, nor vanish: report it as the DOM does.
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}
