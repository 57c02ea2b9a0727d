// The screen wake lock during a call (`createRoom({ wakeLock: true })`), so that a phone's screen
// does not sleep while nobody touches it: taken when the call is on, released when it ends, and
// taken again when the page is visible again (browsers release it when the page is hidden).
// Skipped without a word where the browser has no wake lock or refuses it.
import type { Logger } from './logger.js';

export class ScreenWakeLock {
  readonly #log: Logger;
  #wanted = false;
  #sentinel: WakeLockSentinel | null = null;
  #requesting = false;
  #visibility: AbortController | null = null;

  constructor(logger: Logger) {
    this.#log = logger;
  }

  /** Holds the lock (as far as the browser lets) while `on`, and lets it go otherwise. */
  hold(on: boolean): void {
    if (on === this.#wanted) return;
    this.#wanted = on;
    this.#visibility?.abort();
    this.#visibility = null;
    if (on) {
      this.#visibility = new AbortController();
      globalThis.document?.addEventListener('visibilitychange', () => void this.#request(), { signal: this.#visibility.signal });
      void this.#request();
    } else {
      void this.#sentinel?.release().catch(() => {});
      this.#sentinel = null;
    }
  }

  async #request() {
    const wakeLock = globalThis.navigator?.wakeLock;
    // Only a visible page may take it; one request at a time; none while one is held.
    if (!wakeLock || !this.#wanted || this.#requesting || globalThis.document?.visibilityState !== 'visible') return;
    if (this.#sentinel && !this.#sentinel.released) return;
    this.#requesting = true;
    try {
      const sentinel = await wakeLock.request('screen');
      // The call may have ended while the browser answered.
      if (this.#wanted) this.#sentinel = sentinel;
      else void sentinel.release().catch(() => {});
    } catch (error) {
      this.#log.debug('no screen wake lock: %o', error);
    } finally {
      this.#requesting = false;
    }
  }
}
