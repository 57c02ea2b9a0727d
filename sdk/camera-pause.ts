// A camera that the system pauses while the page is hidden (phones mute the camera track when the
// browser goes to the background): noticed, so that the other side can be told, and brought back
// when the page is visible again, by the track itself or else by opening the camera anew.

/** How long a camera may stay muted once the page is visible again before it is opened anew. */
export const RESUME_GRACE_MS = 1500;

export interface CameraPauseOptions {
  /** The camera track in use now, if any. */
  current(): MediaStreamTrack | null;
  /** Whether the camera is paused changed. */
  onChange(): void;
  /** The page is visible again and the camera did not come back by itself: open it anew. */
  reopen(): void;
}

const hidden = () => globalThis.document?.visibilityState === 'hidden';

export class CameraPause {
  readonly #options: CameraPauseOptions;
  /** The camera track that was paused; a new track (reopened, switched) is not. */
  #paused: MediaStreamTrack | null = null;
  #resumeTimer: ReturnType<typeof setTimeout> | undefined;
  #life: AbortController | null = null;

  constructor(options: CameraPauseOptions) {
    this.#options = options;
  }

  /** Whether the camera in use is paused by the system. */
  get paused(): boolean {
    const track = this.#options.current();
    return !!track && track === this.#paused;
  }

  /** Starts watching the page's visibility (from acquiring media until `stop`). */
  start(): void {
    if (this.#life) return;
    this.#life = new AbortController();
    globalThis.document?.addEventListener('visibilitychange', () => this.#check(), { signal: this.#life.signal });
  }

  stop(): void {
    this.#life?.abort();
    this.#life = null;
    clearTimeout(this.#resumeTimer);
    this.#paused = null;
  }

  /** Watches a camera track for the system's mute and unmute. */
  watch(track: MediaStreamTrack): void {
    for (const type of ['mute', 'unmute']) track.addEventListener(type, () => this.#check());
  }

  #check() {
    const track = this.#options.current();
    const before = this.paused;
    if (!track?.muted) this.#paused = null;
    else if (hidden()) this.#paused = track;
    clearTimeout(this.#resumeTimer);
    if (this.paused && !hidden()) {
      this.#resumeTimer = setTimeout(() => this.paused && !hidden() && this.#options.reopen(), RESUME_GRACE_MS);
    }
    if (this.paused !== before) this.#options.onChange();
  }
}
