// A value now or a promise of it: what a room store, the address limits and the authorize hook
// answer. A store in this process answers at once and a networked one later; the signalling goes
// on with either through one code path, and without making a promise when it has the value.

/** A value, or a promise of it. */
export type MaybePromise<T> = T | PromiseLike<T>;

function isThenable<T>(value: MaybePromise<T>): value is PromiseLike<T> {
  return typeof (value as PromiseLike<T> | null | undefined)?.then === 'function';
}

/**
 * Goes on with `value`: `onValue` at once when it is a value, after the promise otherwise.
 * `onError` gets what the promise rejected with and what `onValue` threw, in both cases; nothing
 * is thrown or rejected out of here (unless `onError` throws). For a value, no promise is made.
 * What threw before this was called (the call that was to give the value) is the caller's.
 * (Not named `then`: a module exporting `then` is itself a thenable to `await import()`.)
 */
export function whenKnown<T>(value: MaybePromise<T>, onValue: (value: T) => void, onError: (error: unknown) => void): void {
  if (!isThenable(value)) {
    try {
      onValue(value);
    } catch (error) {
      onError(error);
    }
    return;
  }
  value.then(onValue).then(undefined, onError);
}

/**
 * `whenKnown` of what `ask` answers; a throw of `ask` itself (a store that fails before it can
 * answer) goes to `onError` too. For the steps whose failure has one answer however it comes.
 */
export function attempt<T>(ask: () => MaybePromise<T>, onValue: (value: T) => void, onError: (error: unknown) => void): void {
  let value: MaybePromise<T>;
  try {
    value = ask();
  } catch (error) {
    return onError(error);
  }
  whenKnown(value, onValue, onError);
}

/**
 * `value` passed through `map`: at once for a value (no promise made), a promise for a promise.
 * Failures pass through as they come: thrown for a value, rejected for a promise.
 */
export function chain<T, R>(value: MaybePromise<T>, map: (value: T) => MaybePromise<R>): MaybePromise<R> {
  return isThenable(value) ? value.then(map) : map(value);
}

/**
 * What `ask` answers, as a promise that rejects with `late()` when no answer came within `ms`.
 * A throw of `ask` itself becomes a rejection.
 */
export function within<T>(ask: () => MaybePromise<T>, ms: number, late: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    Promise.resolve().then(ask),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(late()), ms))),
  ]).finally(() => clearTimeout(timer));
}
