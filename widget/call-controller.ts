// The SDK session behind <cignal-call>: enters the room while the element is on the page, leaves it
// when the element is removed, re-dispatches SDK events on the element through one table, and holds
// what it renders. Its parts with a job of their own: the pre-join screen (prejoin.ts), the chat
// (chat.ts) and the way back into the call after a reload (reload.ts).
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { Cignal, CignalError, ClientErrorCode, errorDetail, mediaError } from '../sdk/index.js';
import type { CallState, CignalEvents, CreateRoomOptions, DeviceKind, ErrorDetail, MediaState, NetworkStatus, Result } from '../sdk/index.js';
import { Chat } from './chat.js';
import { cignalEvent, sdkEvents, type SdkEvent } from './events.js';
import { Prejoin } from './prejoin.js';
import { CallRecording } from './recording.js';
import { ReloadResume } from './reload.js';

/** Under `auto-call`, how long the side that does not call first waits for the other's call. */
export const AUTO_CALL_GRACE_MS = 3000;

export type CreateRoom = (options: CreateRoomOptions) => Promise<Cignal>;

export interface CallHost extends ReactiveControllerHost, HTMLElement {
  state: CallState;
}

/** What the controller reads from the element each time it starts. */
export interface CallSettings {
  createRoom: CreateRoom;
  options: CreateRoomOptions;
  autoCall: boolean;
  /** Show the pre-join screen first: media for a self-view, the room entered only on `join()`. */
  prejoin: boolean;
  /** Whether the person can see the messages now (else they count as unread). */
  chatOpen: boolean;
}

/** What the element takes from an SDK event (with the SDK's own argument types) before re-dispatching it. */
type EventTable = { [E in SdkEvent]?: (...args: CignalEvents[E]) => void };

const setters = {
  microphone: 'setMicrophoneEnabled',
  camera: 'setCameraEnabled',
  screenShare: 'setScreenShareEnabled',
} as const;

export class CallController implements ReactiveController {
  /** The SDK instance once the room is entered; null before, after removal, or when entering threw. */
  cignal: Cignal | null = null;
  /** True while `createRoom` runs (camera and room join), or the preview's devices open. */
  starting = false;
  /** The connection to the server dropped and is coming back. */
  reconnecting = false;
  /** The last error reported, until the state moves on. */
  error: ErrorDetail | null = null;
  local: MediaStream | null = null;
  remote: MediaStream | null = null;
  /** The cameras, microphones and speakers, as last listed. */
  devices: MediaDeviceInfo[] = [];
  /** The call's last network status; null outside a call. */
  network: NetworkStatus | null = null;
  /** The call's verification code (see the SDK's `getVerificationCode`); null outside a negotiated call. */
  code: string | null = null;
  /** True after the share link was copied, until the state moves on. */
  copied = false;
  /** Resolves with `cignal` once the room is entered, or null when that failed or was abandoned. */
  session: Promise<Cignal | null> = Promise.resolve(null);
  /** The pre-join screen (`prejoin`): its self-view, and Join. */
  readonly prejoin = new Prejoin();
  readonly chat: Chat;
  /** A recording asked for or under way, and the last file (see recording.ts). */
  readonly recording = new CallRecording();

  readonly #host: CallHost;
  readonly #settings: () => CallSettings;
  readonly #resume = new ReloadResume();
  /** Aborted when its start is over (stopped, or another start): what it was waiting for is let go. */
  #run = new AbortController();
  #autoCallTimer?: ReturnType<typeof setTimeout>;
  /** In the page, its session not started yet: it starts at the next update (see hostUpdate). */
  #startPending = false;
  /** The partner's browser declined a call: auto-call leaves it alone until a partner joins again. */
  #declined = false;
  /** True while a screen share is being asked for: a picker the person cancelled is no error to show. */
  #sharing = false;

  /** The element's event map: each SDK event updates what the element shows, then is re-dispatched (see #emit). */
  readonly #events: EventTable = {
    localStream: (stream) => (this.local = stream),
    remoteStream: (stream) => (this.remote = stream),
    peerJoined: () => (this.#declined = false),
    clientError: (detail) => this.#showError(detail),
    serverError: (detail) => this.#showError(detail),
    information: (data) => typeof data === 'string' && this.chat.receive(data, { seen: this.#settings().chatOpen }),
    networkStatus: (status) => (this.network = status),
    verificationCode: ({ code }) => (this.code = code),
    devicesChanged: (devices) => (this.devices = devices),
    reconnecting: () => (this.reconnecting = true),
    reconnected: () => (this.reconnecting = false),
    stateChange: ({ state, previous }) => this.#stateChanged(state, previous),
    recordingState: (detail) => this.recording.follow(detail),
    recording: (result) => this.recording.finished(result, this.cignal?.id ?? 'call'),
  };

  constructor(host: CallHost, settings: () => CallSettings) {
    this.#host = host;
    this.#settings = settings;
    this.chat = new Chat(host, () => this.cignal);
    host.addController(this);
  }

  hostConnected(): void {
    if (this.cignal || this.starting || this.prejoin.preview) return;
    this.#startPending = true;
    this.#host.requestUpdate();
  }

  /**
   * Starts the session at the element's first update once it is in the page, not when it is
   * connected: frameworks (@lit/react, Angular) set its properties after inserting it, in the same
   * task. Server-rendered markup carries `defer-hydration` until the framework has set them
   * (@lit/react removes it then); the session waits for that too.
   */
  hostUpdate(): void {
    if (!this.#startPending || !this.#host.isConnected || this.#host.hasAttribute('defer-hydration')) return;
    this.#startPending = false;
    if (this.#settings().prejoin) void this.startPreview();
    else this.start();
  }

  hostDisconnected(): void {
    // Moving the element (removed and re-added in one task) keeps the call.
    // Removed by the page (not a reload, which disconnects nothing): a reload later starts afresh.
    queueMicrotask(() => {
      if (this.#host.isConnected) return;
      this.#resume.remember(this.cignal, { inCall: false });
      this.stop();
    });
  }

  /** Acquires media and enters the room; `session` settles when done. */
  start(overrides: CreateRoomOptions = {}): void {
    this.session = this.#enter(this.#begin(), overrides);
  }

  /** Opens camera and microphone for the pre-join screen's self-view; nobody in the room sees it. */
  async startPreview(): Promise<void> {
    this.#begin();
    const { audio = true, video = true } = this.#settings().options.mediaConstraints ?? {};
    let stream: MediaStream | null;
    try {
      const update = () => this.#host.requestUpdate();
      stream = await this.prejoin.open({ audio, video }, {
        onStateChange: update,
        onActiveDevice: update,
        onDevices: (devices) => {
          this.devices = devices;
          update();
        },
        onError: (error) => this.#emit('clientError', errorDetail(error)),
      });
    } catch (cause) {
      this.#failed(cause);
      return;
    }
    // Closed meanwhile (removed, or Retry): nothing more to do here.
    if (!stream) return;
    this.local = stream;
    this.starting = false;
    this.#host.requestUpdate();
    await this.listDevices();
  }

  /**
   * Leaves the pre-join screen: enters the room with the devices chosen there (see Prejoin.join).
   * Resolves with the entry's outcome.
   */
  join(): Promise<Result> {
    return this.prejoin.join((options) => {
      this.local = null;
      this.start(options);
      return this.session;
    });
  }

  /** Leaves the room, stops every local track and stops listening to the SDK. */
  stop(): void {
    clearTimeout(this.#autoCallTimer);
    this.#startPending = false;
    // leaveRoom (which turns camera and microphone off) announces `ended` synchronously, so it is
    // still re-dispatched before the listeners go.
    void this.cignal?.leaveRoom();
    this.#run.abort();
    this.prejoin.close();
    this.chat.clear();
    this.recording.clear();
    this.cignal = this.local = this.remote = this.network = this.code = null;
    this.starting = false;
    this.session = Promise.resolve(null);
    this.#host.requestUpdate();
  }

  /** The record button: asks the other person to record, or stops the recording; a refusal is shown. */
  record(): void {
    const cignal = this.cignal;
    if (this.recording.current) void cignal?.stopRecording();
    else cignal?.startRecording().catch((error: CignalError) => (this.#showError(errorDetail(error)), this.#host.requestUpdate()));
  }

  /** Starts over with a new SDK instance after an error: the pre-join screen again if it never got past it. */
  retry(): void {
    const joined = this.prejoin.joined;
    this.stop();
    this.prejoin.joined = joined;
    if (this.#settings().prejoin && !joined) void this.startPreview();
    else this.start(joined ?? {});
  }

  /** What this side sends now; null while there is nothing to turn on or off. */
  get media(): MediaState | null {
    const preview = this.prejoin.preview;
    if (preview) return this.starting ? null : preview.state;
    const cignal = this.cignal;
    return cignal && cignal.state !== 'ended' && cignal.state !== 'error' ? cignal.localMediaState : null;
  }

  /** Turns the microphone, camera or screen share on or off: in the preview, or through the SDK (the other side is told). */
  async setMedia(kind: keyof typeof setters, on: boolean): Promise<Result> {
    const preview = this.prejoin.preview;
    const cignal = this.cignal;
    let result: Result = { success: false };
    if (preview && kind !== 'screenShare') {
      try {
        await (kind === 'microphone' ? preview.setMicrophone(on) : preview.setCamera(on));
        result = { success: true };
      } catch (error) {
        // Joined or removed meanwhile: the device was closed on purpose.
        if (this.prejoin.preview === preview) this.#emit('clientError', errorDetail(mediaError(error)));
      }
    } else if (cignal && !preview) {
      this.#sharing = kind === 'screenShare' && on;
      try {
        result = await cignal[setters[kind]](on);
      } finally {
        this.#sharing = false;
      }
    }
    this.#host.requestUpdate();
    return result;
  }

  /** The device in use for `kind`, in the preview or the call. */
  activeDevice(kind: DeviceKind): string | undefined {
    const preview = this.prejoin.preview;
    return preview ? preview.activeDevice(kind) : this.cignal?.getActiveDevice(kind);
  }

  /** Uses another camera, microphone or speaker, in the preview or mid-call. */
  async switchDevice(kind: DeviceKind, deviceId: string): Promise<void> {
    const preview = this.prejoin.preview;
    if (preview) {
      await preview.switchDevice(kind, deviceId).catch((error: unknown) => this.prejoin.preview === preview && this.#emit('clientError', errorDetail(mediaError(error))));
    } else {
      await this.cignal?.switchActiveDevice(kind, deviceId);
    }
    this.#host.requestUpdate();
  }

  async listDevices(): Promise<void> {
    this.devices = await Cignal.getLocalDevices();
    this.#host.requestUpdate();
  }

  async copyLink(): Promise<void> {
    if ((await this.cignal?.copyLink())?.success) {
      this.copied = true;
      this.#host.requestUpdate();
    }
  }

  /** Hangs up on purpose: a reload after this does not call again. */
  async hangUp(): Promise<Result> {
    const cignal = this.cignal;
    if (!cignal) return { success: false };
    this.#resume.remember(cignal, { inCall: false });
    return cignal.leaveRoom();
  }

  /** Under `auto-call`, starts the call once both are in the room; only one side calls. */
  autoCall(): void {
    clearTimeout(this.#autoCallTimer);
    const cignal = this.cignal;
    if (cignal?.state !== 'ready') return;
    if (this.#resume.callAgain) {
      // The page was reloaded during a call: call again at once, without a click.
      this.#resume.callAgain = false;
      void cignal.joinRoom();
      return;
    }
    if (!this.#settings().autoCall) return;
    // The smaller peer id (the impolite side of perfect negotiation) calls at once; the other side
    // calls only if no call came within the grace period, e.g. when its partner has no auto-call.
    // A partner whose browser declined a call (it cannot make calls) is not called again by itself.
    const first = cignal.data.myPeerId < (cignal.data.remotePeerId ?? '');
    this.#autoCallTimer = setTimeout(
      () => cignal.state === 'ready' && this.cignal === cignal && !this.#declined && void cignal.joinRoom(),
      first ? 0 : AUTO_CALL_GRACE_MS,
    );
  }

  /** A start (of the room or the preview): the one before it is over, and the status says starting. */
  #begin(): AbortSignal {
    this.#run.abort();
    this.#run = new AbortController();
    this.#host.state = 'waiting';
    this.starting = true;
    this.error = null;
    this.#host.requestUpdate();
    return this.#run.signal;
  }

  async #enter(signal: AbortSignal, overrides: CreateRoomOptions): Promise<Cignal | null> {
    const { createRoom, options } = this.#settings();
    let cignal: Cignal;
    try {
      const settings = { ...options, ...overrides };
      // After a reload: the same peer id in the room as before, and the call again if one was on.
      this.#resume.restore(settings);
      cignal = await createRoom(settings);
    } catch (cause) {
      if (!signal.aborted) this.#failed(cause);
      return null;
    }
    if (signal.aborted) {
      void cignal.leaveRoom();
      return null;
    }
    this.cignal = cignal;
    this.#resume.remember(cignal, { inCall: this.#resume.callAgain });
    this.starting = false;
    this.local = cignal.localMedia;
    // Events that happened while createRoom ran are replayed to these listeners by the SDK.
    for (const event of sdkEvents) this.#listen(cignal, event, signal);
    this.#host.state = cignal.state;
    this.#host.requestUpdate();
    return cignal;
  }

  /** Re-dispatches `event` until the session stops. */
  #listen<E extends SdkEvent>(cignal: Cignal, event: E, signal: AbortSignal): void {
    const listener = (...args: CignalEvents[E]) => this.#emit(event, ...args);
    cignal.on(event, listener);
    signal.addEventListener('abort', () => cignal.off(event, listener));
  }

  /** An SDK event (or one the element reports as the SDK would): taken in, then dispatched on the element. */
  #emit<E extends SdkEvent>(event: E, ...args: CignalEvents[E]): void {
    this.#events[event]?.(...args);
    this.#host.dispatchEvent(cignalEvent(event, ...args));
    this.#host.requestUpdate();
  }

  /** createRoom rejects only for unusable options (e.g. an invalid room id), the preview for media: reported as the SDK would. */
  #failed(cause: unknown): void {
    this.starting = false;
    const error = cause instanceof CignalError ? cause : new CignalError(ClientErrorCode.InvalidArgument, String(cause), { cause });
    this.#emit('clientError', errorDetail(error));
    this.#emit('stateChange', { state: 'error', previous: this.#host.state });
  }

  /** An error is shown until the state moves on; a partner that declined a call is not called again by itself. */
  #showError(detail: ErrorDetail): void {
    if (detail.code === ClientErrorCode.PeerUnsupported) this.#declined = true;
    // A screen-share picker the person closed is reported (media-denied) but not shown as a problem.
    if (!(this.#sharing && detail.code === ClientErrorCode.MediaDenied)) this.error = detail;
  }

  #stateChanged(reported: CallState, previous: CallState): void {
    const cignal = this.cignal;
    // The SDK's current state, not the payload's: replayed events describe the past.
    const state = cignal?.state ?? reported;
    // A browser that cannot make calls at all keeps saying so.
    if (state !== 'error' && Cignal.isSupported()) this.error = null;
    if (state === 'ended' || state === 'error') this.reconnecting = false;
    const inCall = state === 'in-call' || state === 'reconnecting';
    this.#resume.follow(cignal, state, previous);
    if (state !== 'calling' && !inCall) this.remote = null;
    if (!inCall) this.network = null;
    this.copied = false;
    this.#host.state = state;
    this.autoCall();
  }
}
