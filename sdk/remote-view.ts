// The page's media elements that show the other person (`Cignal.attachRemote`): each plays the
// current call's remote stream, none between calls, through the speaker chosen for the room.
import type { Logger } from './logger.js';

export class RemoteView {
  readonly #elements = new Set<HTMLMediaElement>();
  readonly #log: Logger;
  #stream: MediaStream | null = null;
  #speaker: string | undefined;

  constructor(logger: Logger) {
    this.#log = logger;
  }

  /** Shows the stream on `element` from now on, as it changes, through the chosen speaker. */
  attach<T extends HTMLMediaElement>(element: T): T {
    this.#elements.add(element);
    element.autoplay = true;
    // Inline on iPhones, rather than full screen as soon as it plays.
    element.setAttribute('playsinline', '');
    this.#show(element);
    if (this.#speaker) this.#sink(element, this.#speaker);
    return element;
  }

  /** Stops showing the stream on `element`, or on every element when none is given; returns those detached. */
  detach(element?: HTMLMediaElement): HTMLMediaElement[] {
    const detached = [...this.#elements].filter((each) => !element || each === element);
    for (const each of detached) {
      this.#elements.delete(each);
      if (each.srcObject === this.#stream) each.srcObject = null;
    }
    return detached;
  }

  /** The call's remote stream, or null once the call ended. */
  show(stream: MediaStream | null): void {
    this.#stream = stream;
    for (const element of this.#elements) this.#show(element);
  }

  /**
   * Plays the other person through `deviceId`. Safari takes a speaker only within the click that
   * chose it: call this before anything is awaited.
   */
  setSpeaker(deviceId: string): void {
    this.#speaker = deviceId;
    for (const element of this.#elements) this.#sink(element, deviceId);
  }

  /** Set only when it changes: setting srcObject again, even to the same stream, restarts the element (a blink). */
  #show(element: HTMLMediaElement) {
    if (element.srcObject !== this.#stream) element.srcObject = this.#stream;
  }

  /** Not again on an element that plays there already (the page set it within the click): Safari refuses it outside one. */
  #sink(element: HTMLMediaElement, deviceId: string) {
    const media = element as HTMLMediaElement & { sinkId?: string; setSinkId?(id: string): Promise<void> };
    if (media.sinkId !== deviceId) void media.setSinkId?.(deviceId).catch((error: unknown) => this.#log.warn('setSinkId: %o', error));
  }
}
