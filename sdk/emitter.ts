// A typed event emitter that holds its events until released, so that events fired while
// `Cignal.createRoom` runs reach listeners attached right after it resolves, in the order they
// happened.

type Listener<A extends unknown[]> = (...args: A) => void;
export type EventMap = { [event: string]: unknown[] };

export class Emitter<Events extends EventMap> {
  readonly #listeners = new Map<keyof Events, Set<Listener<never>>>();
  /** `once` listeners by what the caller passed, so that `off` can remove them. */
  readonly #onceWrappers = new WeakMap<Listener<never>, Listener<never>>();
  /** Events emitted before release; null once released. */
  #held: Array<{ event: keyof Events; args: unknown[] }> | null = [];

  on<E extends keyof Events>(event: E, listener: Listener<Events[E]>): this {
    let set = this.#listeners.get(event);
    if (!set) this.#listeners.set(event, (set = new Set()));
    set.add(listener as Listener<never>);
    return this;
  }

  off<E extends keyof Events>(event: E, listener: Listener<Events[E]>): this {
    const set = this.#listeners.get(event);
    set?.delete(listener as Listener<never>);
    const wrapper = this.#onceWrappers.get(listener as Listener<never>);
    if (wrapper) set?.delete(wrapper);
    return this;
  }

  once<E extends keyof Events>(event: E, listener: Listener<Events[E]>): this {
    const wrapper = ((...args: Events[E]) => {
      this.off(event, listener);
      listener(...args);
    }) as Listener<Events[E]>;
    this.#onceWrappers.set(listener as Listener<never>, wrapper as Listener<never>);
    return this.on(event, wrapper);
  }

  listenerCount(event: keyof Events): number {
    return this.#listeners.get(event)?.size ?? 0;
  }

  protected emit<E extends keyof Events>(event: E, ...args: Events[E]): void {
    if (this.#held) {
      this.#held.push({ event, args });
      return;
    }
    for (const listener of [...(this.#listeners.get(event) ?? [])]) this.#call(listener as Listener<unknown[]>, args);
  }

  /** Delivers the held events, in order, to the listeners attached by now; then stops holding. */
  protected release(): void {
    const held = this.#held ?? [];
    this.#held = null;
    for (const { event, args } of held) this.emit(event, ...(args as Events[typeof event]));
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
