// The SDK session behind <cignal-call>: enters the room while the element is on the page, leaves it
// when the element is removed, re-dispatches SDK events on the element, and holds what it renders.
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { Cignal, CignalError, ClientErrorCode } from '../sdk/index.js';
import { errorDetail } from '../sdk/errors.js';
import { deviceKinds, mediaError } from '../sdk/local-media.js';
import type { CallState, CreateRoomOptions, DeviceKind, ErrorDetail, MediaState, NetworkStatus, Result } from '../sdk/index.js';
import { cignalEvents, sdkEvents, type SdkEvent } from './events.js';
import { Preview } from './prejoin.js';
import { keep, recall } from './reload.js';

/** Under `auto-call`, how long the side that does not call first waits for the other's call. */
export const AUTO_CALL_GRACE_MS = 3000;
/** Messages kept for the chat; the oldest go first. */
const MAX_MESSAGES = 100;

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

/** A line of the message list. */
export interface Message {
  /** True for what this side sent. */
  own: boolean;
  /** The other person's display name when known; null for one's own. */
  name: string | null;
  text: string;
}

const setters = {
  microphone: 'setMicrophoneEnabled',
  camera: 'setCameraEnabled',
  screenShare: 'setScreenShareEnabled',
} as const;

export class CallController implements ReactiveController {
  /** The SDK instance once the room is entered; null before, after removal, or when entering threw. */
  cignal: Cignal | null = null;
  /** True while `createRoom` runs (camera and room join). */
  starting = false;
  /** The connection to the server dropped and is coming back. */
  reconnecting = false;
  /** The partner's browser declined a call: auto-call leaves it alone until a partner joins again. */
  #declined = false;
  /** The last error reported, until the state moves on. */
  error: ErrorDetail | null = null;
  local: MediaStream | null = null;
  remote: MediaStream | null = null;
  /** Oldest first. */
  messages: Message[] = [];
  /** Messages that came while the chat was closed. */
  unread = 0;
  /** On the pre-join screen: the self-view's camera and microphone, before the room is entered. */
  preview: Preview | null = null;
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

  readonly #host: CallHost;
  readonly #settings: () => CallSettings;
  /** Counts starts and stops, so a `createRoom` that resolves after a stop is abandoned. */
  #run = 0;
  #detach: Array<() => void> = [];
  #autoCallTimer?: ReturnType<typeof setTimeout>;
  /** A call was on when the page was last unloaded: call again once the other person is here. */
  #resumeCall = false;
  #url: string | undefined;
  /** What Join chose (media constraints), kept so that Retry enters the room the same way. */
  #joined: CreateRoomOptions | null = null;
  #joining: Promise<Result> | null = null;
  #previewStarted: Promise<unknown> = Promise.resolve();
  /** True while a screen share is being asked for: a picker the person cancelled is no error to show. */
  #sharing = false;

  constructor(host: CallHost, settings: () => CallSettings) {
    this.#host = host;
    this.#settings = settings;
    host.addController(this);
  }

  hostConnected(): void {
    if (this.cignal || this.starting || this.preview) return;
    if (this.#settings().prejoin) void this.startPreview();
    else this.start();
  }

  hostDisconnected(): void {
    // Moving the element (removed and re-added in one task) keeps the call.
    // Removed by the page (not a reload, which disconnects nothing): a reload later starts afresh.
    queueMicrotask(() => {
      if (this.#host.isConnected) return;
      this.#remember(false);
      this.stop();
    });
  }

  /** Acquires media and enters the room; `session` settles when done. */
  start(overrides: CreateRoomOptions = {}): void {
    this.session = this.#enter(++this.#run, overrides);
  }

  /** Opens camera and microphone for the pre-join screen's self-view; nobody in the room sees it. */
  async startPreview(): Promise<void> {
    const run = ++this.#run;
    this.#host.state = 'waiting';
    const { audio = true, video = true } = this.#settings().options.mediaConstraints ?? {};
    const preview = (this.preview = new Preview({ audio, video }, {
      onChange: (devices) => {
        if (devices) this.devices = devices;
        this.#host.requestUpdate();
      },
      onError: (error) => this.#handle('clientError', errorDetail(error)),
    }));
    this.starting = true;
    this.error = null;
    this.#host.requestUpdate();
    let stream: MediaStream;
    try {
      stream = await (this.#previewStarted = preview.start());
    } catch (cause) {
      if (run === this.#run) {
        this.preview = null;
        this.#failed(cause);
      }
      return;
    }
    // Left meanwhile: the tracks that opened after the release are stopped now.
    if (run !== this.#run) return preview.release();
    this.local = stream;
    this.starting = false;
    this.#host.requestUpdate();
    await this.listDevices();
  }

  /**
   * Leaves the pre-join screen: enters the room with the devices chosen there, on or off as set,
   * once the preview has started and every toggle asked for is done. Resolves with the entry's
   * outcome; calls made meanwhile share it.
   */
  join(): Promise<Result> {
    const preview = this.preview;
    if (!preview) return this.#joining ?? Promise.resolve({ success: false });
    this.#joining ??= (async () => {
      await this.#previewStarted.catch(() => {});
      await preview.idle();
      if (this.preview !== preview) return { success: false };
      this.#joined = { mediaConstraints: preview.joinConstraints() };
      const chosen = deviceKinds.map((kind) => [kind, preview.activeDevice(kind)] as const);
      preview.release();
      this.preview = this.local = null;
      this.start(this.#joined);
      const cignal = await this.session;
      // A speaker chosen, or a camera chosen while it was off, applies in the room too.
      for (const [kind, deviceId] of chosen) {
        if (cignal && deviceId && cignal.getActiveDevice(kind) !== deviceId) void cignal.switchActiveDevice(kind, deviceId);
      }
      return { success: !!cignal };
    })().finally(() => (this.#joining = null));
    return this.#joining;
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
    this.preview?.release();
    this.#joined = null;
    this.messages = [];
    this.unread = 0;
    this.cignal = this.local = this.remote = this.preview = this.network = this.code = null;
    this.starting = false;
    this.session = Promise.resolve(null);
    this.#host.requestUpdate();
  }

  /** Starts over with a new SDK instance after an error: the pre-join screen again if it never got past it. */
  retry(): void {
    const joined = this.#joined;
    this.stop();
    this.#joined = joined;
    if (this.#settings().prejoin && !joined) void this.startPreview();
    else this.start(joined ?? {});
  }

  /** What this side sends now; null while there is nothing to turn on or off. */
  get media(): MediaState | null {
    if (this.preview) return this.starting ? null : this.preview.state;
    const cignal = this.cignal;
    return cignal && cignal.state !== 'ended' && cignal.state !== 'error' ? cignal.localMediaState : null;
  }

  /** Turns the microphone, camera or screen share on or off: in the preview, or through the SDK (the other side is told). */
  async setMedia(kind: keyof MediaState, on: boolean): Promise<Result> {
    const preview = this.preview;
    const cignal = this.cignal;
    let result: Result = { success: false };
    if (preview && kind !== 'screenShare') {
      try {
        await (kind === 'microphone' ? preview.setMicrophone(on) : preview.setCamera(on));
        result = { success: true };
      } catch (error) {
        // Joined or removed meanwhile: the device was closed on purpose.
        if (this.preview === preview) this.#handle('clientError', errorDetail(mediaError(error)));
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
    return this.preview ? this.preview.activeDevice(kind) : this.cignal?.getActiveDevice(kind);
  }

  /** Uses another camera, microphone or speaker, in the preview or mid-call. */
  async switchDevice(kind: DeviceKind, deviceId: string): Promise<void> {
    const preview = this.preview;
    if (preview) {
      await preview.switchDevice(kind, deviceId).catch((error: unknown) => this.preview === preview && this.#handle('clientError', errorDetail(mediaError(error))));
    } else {
      await this.cignal?.switchActiveDevice(kind, deviceId);
    }
    this.#host.requestUpdate();
  }

  async listDevices(): Promise<void> {
    this.devices = await Cignal.getLocalDevices();
    this.#host.requestUpdate();
  }

  /** The chat was opened: what came is read. */
  readMessages(): void {
    this.unread = 0;
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

  /** Hangs up on purpose: a reload after this does not call again. */
  async hangUp(): Promise<Result> {
    const cignal = this.cignal;
    if (!cignal) return { success: false };
    this.#remember(false);
    return cignal.leaveRoom();
  }

  /** Keeps this tab's peer id and seat secret for the room, and whether a call is on, for a reload. */
  #remember(inCall: boolean) {
    const cignal = this.cignal;
    if (!cignal) return;
    const seatSecret = cignal.seatSecret;
    keep(this.#url, cignal.id, { peerId: cignal.data.myPeerId, inCall, ...(seatSecret && { seatSecret }) });
  }

  /** Under `auto-call`, starts the call once both are in the room; only one side calls. */
  autoCall(): void {
    clearTimeout(this.#autoCallTimer);
    const cignal = this.cignal;
    if (cignal?.state !== 'ready') return;
    if (this.#resumeCall) {
      // The page was reloaded during a call: call again at once, without a click.
      this.#resumeCall = false;
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

  async #enter(run: number, overrides: CreateRoomOptions): Promise<Cignal | null> {
    const { createRoom, options } = this.#settings();
    this.starting = true;
    this.error = null;
    this.#host.state = 'waiting';
    this.#host.requestUpdate();
    let cignal: Cignal;
    try {
      const settings = { ...options, ...overrides };
      // After a reload: the same peer id in the room as before, and the call again if one was on.
      const kept = recall(settings.url, settings.roomId === undefined ? undefined : String(settings.roomId));
      if (kept && !settings.peerId) settings.peerId = kept.peerId;
      const samePeer = !!kept && settings.peerId === kept.peerId;
      if (samePeer && kept.seatSecret && !settings.seatSecret) settings.seatSecret = kept.seatSecret;
      this.#resumeCall = samePeer && kept.inCall;
      cignal = await createRoom(settings);
    } catch (cause) {
      if (run === this.#run) this.#failed(cause);
      return null;
    }
    if (run !== this.#run) {
      void cignal.leaveRoom();
      return null;
    }
    this.cignal = cignal;
    this.#url = options.url;
    this.#remember(this.#resumeCall);
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

  /** createRoom rejects only for unusable options (e.g. an invalid room id), the preview for media: reported as the SDK would. */
  #failed(cause: unknown): void {
    this.starting = false;
    const error = cause instanceof CignalError ? cause : new CignalError(ClientErrorCode.InvalidArgument, String(cause), { cause });
    this.#handle('clientError', errorDetail(error));
    this.#handle('stateChange', { state: 'error', previous: this.#host.state });
  }

  #handle(event: SdkEvent, detail: unknown): void {
    const cignal = this.cignal;
    if (event === 'localStream') {
      this.local = detail as MediaStream;
    } else if (event === 'remoteStream') {
      this.remote = detail as MediaStream;
    } else if (event === 'peerJoined') {
      this.#declined = false;
    } else if (event === 'clientError' || event === 'serverError') {
      if ((detail as ErrorDetail).code === ClientErrorCode.PeerUnsupported) this.#declined = true;
      // A screen-share picker the person closed is reported (media-denied) but not shown as a problem.
      const declined = this.#sharing && (detail as ErrorDetail).code === ClientErrorCode.MediaDenied;
      if (!declined) this.error = detail as ErrorDetail;
    } else if (event === 'information' && typeof detail === 'string') {
      this.#addMessage({ own: false, name: cignal?.data.remoteDisplayName ?? null, text: detail });
      if (!this.#settings().chatOpen) this.unread = Math.min(this.unread + 1, MAX_MESSAGES);
    } else if (event === 'networkStatus') {
      this.network = detail as NetworkStatus;
    } else if (event === 'verificationCode') {
      this.code = (detail as { code: string | null }).code;
    } else if (event === 'devicesChanged') {
      this.devices = detail as MediaDeviceInfo[];
    } else if (event === 'reconnecting' || event === 'reconnected') {
      this.reconnecting = event === 'reconnecting';
    } else if (event === 'stateChange') {
      // The SDK's current state, not the payload's: replayed events describe the past.
      const state = cignal?.state ?? (detail as { state: CallState }).state;
      // A browser that cannot make calls at all keeps saying so.
      if (state !== 'error' && Cignal.isSupported()) this.error = null;
      if (state === 'ended' || state === 'error') this.reconnecting = false;
      const inCall = state === 'in-call' || state === 'reconnecting';
      const previous = (detail as { previous?: CallState }).previous;
      if (state === 'in-call') this.#remember(true);
      // A call that ended without this side leaving (the other hung up, it could not be restored).
      else if ((state === 'ready' || state === 'waiting') && (previous === 'calling' || previous === 'in-call' || previous === 'reconnecting')) this.#remember(false);
      if (state !== 'calling' && !inCall) this.remote = null;
      if (!inCall) this.network = null;
      this.copied = false;
      this.#host.state = state;
      this.autoCall();
    }
    this.#host.dispatchEvent(cignalEvents[event]((detail ?? null) as never));
    this.#host.requestUpdate();
  }

  #addMessage(message: Message): void {
    this.messages = [...this.messages, message].slice(-MAX_MESSAGES);
    this.#host.requestUpdate();
  }
}
