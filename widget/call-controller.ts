// The SDK session behind <cignal-call>: enters the room while the element is on the page, leaves it
// when the element is removed, re-dispatches SDK events on the element, and holds what it renders.
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { CignalError, ClientErrorCode } from '../sdk/index.js';
import { errorDetail } from '../sdk/errors.js';
import type { CallState, Cignal, CreateRoomOptions, ErrorDetail } from '../sdk/index.js';
import { cignalEvents, sdkEvents, type SdkEvent } from './events.js';

/** Under `auto-call`, how long the side that does not call first waits for the other's call. */
export const AUTO_CALL_GRACE_MS = 3000;
const MAX_MESSAGES = 20;

export type CreateRoom = (options: CreateRoomOptions) => Promise<Cignal>;

export interface CallHost extends ReactiveControllerHost, HTMLElement {
  state: CallState;
}

/** What the controller reads from the element each time it starts. */
export interface CallSettings {
  createRoom: CreateRoom;
  options: CreateRoomOptions;
  autoCall: boolean;
}

/** A line of the message list. */
export interface Message {
  /** True for what this side sent. */
  own: boolean;
  /** The other person's display name when known; null for one's own. */
  name: string | null;
  text: string;
}

type MediaKind = 'audio' | 'video';

export class CallController implements ReactiveController {
  /** The SDK instance once the room is entered; null before, after removal, or when entering threw. */
  cignal: Cignal | null = null;
  /** True while `createRoom` runs (camera and room join). */
  starting = false;
  /** The connection to the server dropped and is coming back. */
  reconnecting = false;
  /** The last error reported, until the state moves on. */
  error: ErrorDetail | null = null;
  local: MediaStream | null = null;
  remote: MediaStream | null = null;
  /** Newest first. */
  messages: Message[] = [];
  /** True after the share link was copied, until the state moves on. */
  copied = false;
  /** Resolves with `cignal` once the room is entered, or null when that failed or was abandoned. */
  session: Promise<Cignal | null> = Promise.resolve(null);

  readonly #host: CallHost;
  readonly #settings: () => CallSettings;
  /** Counts starts and stops, so a `createRoom` that resolves after a stop is abandoned. */
  #run = 0;
  #detach: Array<() => void> = [];
  #autoCallTimer?: ReturnType<typeof setTimeout>;

  constructor(host: CallHost, settings: () => CallSettings) {
    this.#host = host;
    this.#settings = settings;
    host.addController(this);
  }

  hostConnected(): void {
    if (!this.cignal && !this.starting) this.start();
  }

  hostDisconnected(): void {
    // Moving the element (removed and re-added in one task) keeps the call.
    queueMicrotask(() => this.#host.isConnected || this.stop());
  }

  /** Acquires media and enters the room; `session` settles when done. */
  start(): void {
    this.session = this.#enter(++this.#run);
  }

  /** Leaves the room, stops every local track and stops listening to the SDK. */
  stop(): void {
    this.#run++;
    clearTimeout(this.#autoCallTimer);
    const cignal = this.cignal;
    // leaveRoom (which turns camera and microphone off) announces `ended` synchronously, so it is
    // still re-dispatched before the listeners go.
    if (cignal) void cignal.leaveRoom();
    for (const detach of this.#detach.splice(0)) detach();
    this.cignal = this.local = this.remote = null;
    this.starting = false;
    this.session = Promise.resolve(null);
    this.#host.requestUpdate();
  }

  /** Starts over with a new SDK instance, after an error. */
  retry(): void {
    this.stop();
    this.start();
  }

  /** Turns the microphone or the camera on or off through the SDK (the other side is told). */
  async toggle(kind: MediaKind): Promise<void> {
    const cignal = this.cignal;
    if (!cignal) return;
    const state = cignal.localMediaState;
    if (kind === 'audio') await cignal.setMicrophoneEnabled(!state.microphone);
    else await cignal.setCameraEnabled(!state.camera);
    this.#host.requestUpdate();
  }

  /** Sends a chat line with `inform`; true when the server accepted it. */
  async send(text: string): Promise<boolean> {
    const cignal = this.cignal;
    if (!cignal || !text.trim()) return false;
    const { success } = await cignal.inform(text);
    if (success) this.#addMessage({ own: true, name: null, text });
    return success;
  }

  async copyLink(): Promise<void> {
    if ((await this.cignal?.copyLink())?.success) {
      this.copied = true;
      this.#host.requestUpdate();
    }
  }

  /** Under `auto-call`, starts the call once both are in the room; only one side calls. */
  autoCall(): void {
    clearTimeout(this.#autoCallTimer);
    const cignal = this.cignal;
    if (cignal?.state !== 'ready' || !this.#settings().autoCall) return;
    // The smaller peer id (the impolite side of perfect negotiation) calls at once; the other side
    // calls only if no call came within the grace period, e.g. when its partner has no auto-call.
    const first = cignal.data.myPeerId < (cignal.data.remotePeerId ?? '');
    this.#autoCallTimer = setTimeout(
      () => cignal.state === 'ready' && this.cignal === cignal && void cignal.joinRoom(),
      first ? 0 : AUTO_CALL_GRACE_MS,
    );
  }

  async #enter(run: number): Promise<Cignal | null> {
    const { createRoom, options } = this.#settings();
    this.starting = true;
    this.error = null;
    this.#host.state = 'waiting';
    this.#host.requestUpdate();
    let cignal: Cignal;
    try {
      cignal = await createRoom(options);
    } catch (cause) {
      // createRoom rejects only for unusable options (e.g. an invalid room id): report it as the SDK would.
      if (run === this.#run) {
        this.starting = false;
        const error = cause instanceof CignalError ? cause : new CignalError(ClientErrorCode.InvalidArgument, String(cause), { cause });
        this.#handle('clientError', errorDetail(error));
        this.#handle('stateChange', { state: 'error', previous: this.#host.state });
      }
      return null;
    }
    if (run !== this.#run) {
      void cignal.leaveRoom();
      return null;
    }
    this.cignal = cignal;
    this.starting = false;
    this.local = cignal.localMedia;
    // Events that happened while createRoom ran are replayed to these listeners by the SDK.
    for (const event of sdkEvents) {
      const listener = (detail?: unknown) => this.#handle(event, detail);
      cignal.on(event, listener);
      this.#detach.push(() => cignal.off(event, listener));
    }
    this.#host.state = cignal.state;
    this.#host.requestUpdate();
    return cignal;
  }

  #handle(event: SdkEvent, detail: unknown): void {
    const cignal = this.cignal;
    if (event === 'localStream') {
      this.local = detail as MediaStream;
    } else if (event === 'remoteStream') {
      this.remote = detail as MediaStream;
    } else if (event === 'clientError' || event === 'serverError') {
      this.error = detail as ErrorDetail;
    } else if (event === 'information' && typeof detail === 'string') {
      this.#addMessage({ own: false, name: cignal?.data.remoteDisplayName ?? null, text: detail });
    } else if (event === 'reconnecting' || event === 'reconnected') {
      this.reconnecting = event === 'reconnecting';
    } else if (event === 'stateChange') {
      // The SDK's current state, not the payload's: replayed events describe the past.
      const state = cignal?.state ?? (detail as { state: CallState }).state;
      if (state !== 'error') this.error = null;
      if (state === 'ended' || state === 'error') this.reconnecting = false;
      if (state !== 'calling' && state !== 'in-call') this.remote = null;
      this.copied = false;
      this.#host.state = state;
      this.autoCall();
    }
    this.#host.dispatchEvent(cignalEvents[event]((detail ?? null) as never));
    this.#host.requestUpdate();
  }

  #addMessage(message: Message): void {
    this.messages = [message, ...this.messages].slice(0, MAX_MESSAGES);
    this.#host.requestUpdate();
  }
}
