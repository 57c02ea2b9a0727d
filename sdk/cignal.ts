// The Cignal class: one person's presence in a two-person room and the calls made from it. A
// façade: it checks arguments, keeps the call state and reports errors, over parts with one job
// each: the call engine (CallEngine: the signalling connection, the call and its peer
// connections, the messages the two SDKs exchange), this side's media (LocalMedia), and the
// page's elements that show the other person (RemoteView).
import { iceServersProblem, informDataProblem, toIceServers } from './protocol/checks.js';
import { ServerErrorCode } from './protocol/errors.js';
import { outgoing, type Payload } from './data-channel.js';
import { Emitter } from './emitter.js';
import type { Call } from './call.js';
import type { CallReport } from './call-report.js';
import { CallEngine, forwardedEvents } from './engine.js';
import { CignalError, ClientErrorCode, errorDetail, invalid } from './errors.js';
import type { CallState, CignalEvents, Result } from './events.js';
import { canChooseSpeaker, deviceKinds, LocalMedia, mediaError, type DeviceKind, type MediaState } from './local-media.js';
import { Logger } from './logger.js';
import { resolveOptions, type CignalData, type CreateRoomOptions } from './options.js';
import type { RecordingOptions } from './recorder.js';
import { Recording } from './recording.js';
import { RemoteView } from './remote-view.js';
import type { CignalSocket } from './signal-client.js';
import type { NetworkStatus } from './stats.js';
import { ScreenWakeLock } from './wake-lock.js';

export type { CallState, CignalEvents, Result } from './events.js';
export { cignalEventNames } from './events.js';
export type { CignalSocket } from './signal-client.js';
export type { CignalData, CreateRoomOptions } from './options.js';

const log = new Logger('Room');

const unsupported = () => new CignalError(ClientErrorCode.Unsupported, 'This browser cannot make video calls; open the page in a current Chrome, Edge, Firefox or Safari');
const checkKind = (kind: unknown) => deviceKinds.includes(kind as DeviceKind) || invalid(`kind must be one of ${deviceKinds.join(', ')}`);

export class Cignal extends Emitter<CignalEvents> {
  /** Acquires local media, joins the room, and resolves with the room object. */
  static async createRoom(options: CreateRoomOptions = {}): Promise<Cignal> {
    const cignal = new Cignal(options);
    try {
      await cignal.#enter();
    } finally {
      // Listeners attached right after `await createRoom()` still hear what happened during it.
      setTimeout(() => cignal.release(), 0);
    }
    return cignal;
  }

  /**
   * Whether this browser can make video calls (it has WebRTC's RTCPeerConnection). Where it cannot,
   * `createRoom` still enters the room (the other person is seen, `inform` works through the
   * server) and reports `clientError` `unsupported`; a call offered to it is declined, and the
   * caller gets `clientError` `peer-unsupported`.
   */
  static isSupported(): boolean {
    return typeof globalThis.RTCPeerConnection === 'function';
  }

  /** The cameras, microphones and speakers of this device (names only once media access was granted). */
  static async getLocalDevices(kind?: DeviceKind): Promise<MediaDeviceInfo[]> {
    if (kind !== undefined) checkKind(kind);
    const devices = (await globalThis.navigator?.mediaDevices?.enumerateDevices?.()) ?? [];
    return kind ? devices.filter((device) => device.kind === kind) : devices;
  }

  readonly #roomId: string;
  readonly #url: string;
  readonly #timeoutMs: number;
  readonly #data: CignalData;
  readonly #media: LocalMedia;
  readonly #engine: CallEngine;
  readonly #view = new RemoteView(log);
  readonly #recording: Recording;
  #state: CallState = 'waiting';
  /** The presence in progress: aborted when it ends, which cancels what was begun for it. */
  #presence = new AbortController();
  readonly #wakeLock: ScreenWakeLock | null;

  private constructor(options: CreateRoomOptions) {
    super();
    const resolved = resolveOptions(options);
    this.#wakeLock = options.wakeLock ? new ScreenWakeLock(log) : null;
    this.#roomId = resolved.roomId;
    this.#url = resolved.url;
    this.#timeoutMs = resolved.timeoutMs;
    this.#data = resolved.data;
    this.#media = new LocalMedia({
      constraints: options.mediaConstraints ?? { audio: true, video: true },
      getUserMedia: options.getUserMedia,
      getDisplayMedia: options.getDisplayMedia,
      logger: log,
      onOutgoing: async (kind, track) =>
        this.#engine.call?.replaceTrack(kind, track).catch((error) => this.#fail('clientError', new CignalError(ClientErrorCode.NegotiationFailed, 'Could not send the new track', { cause: error }))),
      // Told once per change, however it came: to the other side and to the page.
      onStateChange: (state) => {
        this.#engine.messenger.sendMediaState(state);
        this.emit('localMediaChanged', { ...state });
      },
      onActiveDevice: (change) => this.emit('activeDeviceChanged', change),
      onDevices: (devices) => this.emit('devicesChanged', devices),
      onError: (error) => this.#fail('clientError', error),
    });
    const engine = (this.#engine = new CallEngine({ ...resolved, media: this.#media, logger: log, room: options }));
    // Before `remoteStream` reaches the page: the elements it attached show the stream already.
    engine.on('remoteStream', (stream) => this.#view.show(stream));
    for (const event of forwardedEvents) engine.on(event, (...args) => this.emit(event, ...args));
    engine.on('peerJoined', ({ displayName }) => {
      this.emit('peerJoined', displayName);
      if (!engine.call) this.#setState('ready');
    });
    engine.on('peerLeft', (detail) => {
      this.emit('peerHangUp', detail);
      if (this.#state !== 'ended' && this.#state !== 'error') this.#setState('waiting');
    });
    engine.on('alone', () => this.#setState('waiting'));
    engine.on('callStarted', ({ offerReceived }) => {
      this.#setState('calling');
      if (offerReceived) this.emit('offerReceived');
    });
    engine.on('callMedia', (call) => this.#callMedia(call));
    this.#recording = new Recording(engine, this.#media, this.#data, log, (event, ...args) => this.emit(event, ...args));
    engine.on('callEnded', (error) => {
      this.#view.show(null);
      if (!error) return;
      this.#setState(this.#data.remotePeerId ? 'ready' : 'waiting');
      // After the state: a page (the element) that shows errors until the state moves on shows this one.
      this.#fail('clientError', error);
    });
    engine.on('failure', (event, error) => this.#fail(event, error));
    engine.on('closed', (error) => {
      if (error) {
        this.#fail('serverError', error);
        this.#release('error');
      } else if (this.#state !== 'ended') this.#release('ended');
    });
  }

  /**
   * The secret of this person's seat in the room, from the server; null before joining. Taking the
   * seat again while it is held (a reload, another tab) needs it: keep it where a reload finds it
   * (e.g. sessionStorage) and pass it back as the `seatSecret` option. Never show it to the other person.
   */
  get seatSecret(): string | null {
    return this.#engine.seatSecret;
  }
  /** The room id. */
  get id(): string {
    return this.#roomId;
  }
  /** The current call's peer connection, or null between calls. */
  get pc(): RTCPeerConnection | null {
    return this.#engine.call?.pc ?? null;
  }
  /** True once a call has ended (until the next one starts). */
  get closed(): boolean {
    return this.#engine.closed;
  }
  get socket(): CignalSocket | null {
    return this.#engine.signalClient?.socket ?? null;
  }
  get localMedia(): MediaStream | null {
    return this.#media.stream;
  }
  /** The stream carrying the other person's audio and video during a call. */
  get remoteMedia(): MediaStream | null {
    return this.#engine.call?.remoteStream ?? null;
  }
  /** What this side sends: microphone, camera, screen share. */
  get localMediaState(): MediaState {
    return this.#media.state;
  }
  /** What the other person sends, as they last said; all off when nobody is there. */
  get remoteMediaState(): MediaState {
    return this.#engine.remoteMedia;
  }
  get data(): CignalData {
    return this.#data;
  }
  set data(_value: CignalData) {
    invalid('Setting the whole data object is not possible; set its fields');
  }
  get state(): CallState {
    return this.#state;
  }
  /** A link that opens this page in the same room. */
  get shareLink(): string {
    const link = new URL(globalThis.location?.href ?? this.#url);
    link.searchParams.set('roomId', this.#roomId);
    link.hash = '';
    return link.href;
  }

  /**
   * Starts the call. Resolves `{ success: false }` and emits `clientError` when nobody else is in
   * the room. After `leaveRoom()` it enters the room again first.
   */
  async joinRoom(): Promise<Result> {
    if (this.#state === 'ended' || this.#state === 'error') {
      if (!(await this.#enter())) return { success: false };
    }
    if (!this.#engine.canCall()) {
      this.#fail('clientError', unsupported());
      return { success: false };
    }
    if (!this.#data.remotePeerId) {
      this.#fail('clientError', new CignalError(ServerErrorCode.NoPeer, 'Nobody else is in the room yet; share the link and wait for them to join'));
      return { success: false };
    }
    return { success: this.#engine.startCall() };
  }

  /** Hangs up and leaves the room at once; the other side gets `peerHangUp`. */
  async leaveRoom(): Promise<Result> {
    if (this.#state !== 'ended') this.#release('ended');
    return { success: true };
  }

  /**
   * Sends any JSON-serialisable data to the other person (`information` on their side): over the
   * call's data channel when it is open, else through the server. It arrives once.
   */
  async inform(data: unknown): Promise<Result> {
    const problem = informDataProblem(data);
    if (problem) invalid(problem);
    if (this.#state === 'ended' || this.#state === 'error') return this.#notConnected('Not connected to the room');
    if (!this.#data.remotePeerId) {
      this.#fail('clientError', new CignalError(ServerErrorCode.NoPeer, 'Nobody else is in the room to inform'));
      return { success: false };
    }
    return { success: await this.#engine.messenger.inform(data) };
  }

  /**
   * Sends a string or binary data (up to 64 MiB) over the call's data channel (`dataReceived` on
   * their side); resolves once they have all of it. Called while the call is being set up, it
   * waits (up to `timeoutMs`) for the channel to open.
   */
  async sendData(payload: Payload): Promise<Result> {
    const data = outgoing(payload);
    if (typeof data === 'string') invalid(data);
    const { messenger } = this.#engine;
    if (this.#engine.call) await messenger.whenOpen(this.#timeoutMs);
    return { success: await messenger.sendData(data as Exclude<typeof data, string>) };
  }

  /** Mutes or unmutes the microphone, without renegotiating; the other side is told. */
  setMicrophoneEnabled(enabled: boolean): Promise<Result> {
    return this.#changeMedia('setMicrophoneEnabled', enabled, (on) => this.#media.setMicrophone(on));
  }

  /** Turns the camera off (released: its light goes off) or on again (the same device); the other side is told. */
  setCameraEnabled(enabled: boolean): Promise<Result> {
    return this.#changeMedia('setCameraEnabled', enabled, (on) => this.#media.setCamera(on));
  }

  /** Sends the screen instead of the camera, or goes back to the camera; the other side is told. */
  setScreenShareEnabled(enabled: boolean): Promise<Result> {
    return this.#changeMedia('setScreenShareEnabled', enabled, (on) => this.#media.setScreenShare(on));
  }

  /** Uses another camera, microphone or speaker; mid-call without a new offer. */
  async switchActiveDevice(kind: DeviceKind, deviceId: string): Promise<Result> {
    checkKind(kind);
    if (typeof deviceId !== 'string' || !deviceId) invalid('deviceId must be a non-empty string');
    if (this.#state === 'ended' || this.#state === 'error') return this.#notConnected('Not in the room');
    // Safari takes a speaker only within the click that chose it: before anything is awaited.
    if (kind === 'audiooutput' && canChooseSpeaker()) this.#view.setSpeaker(deviceId);
    try {
      await this.#media.switchDevice(kind, deviceId);
    } catch (error) {
      this.#fail('clientError', mediaError(error));
      return { success: false };
    }
    return { success: true };
  }

  /** The device in use (or chosen) for `kind`, if known. */
  getActiveDevice(kind: DeviceKind): string | undefined {
    return this.#media.activeDevice(kind);
  }

  /**
   * Shows the other person on `element` (a new `<video>` when none is given, returned either way):
   * the current call's stream, kept current from call to call (none between calls), playing
   * inline by itself, through the speaker chosen with `switchActiveDevice('audiooutput', …)`.
   */
  attachRemote<T extends HTMLMediaElement = HTMLVideoElement>(element?: T): T {
    if (element !== undefined && !(typeof HTMLMediaElement === 'function' && element instanceof HTMLMediaElement)) invalid('attachRemote expects an <audio> or <video> element');
    return this.#view.attach(element ?? (document.createElement('video') as HTMLMediaElement as T));
  }

  /** Stops showing the other person on `element`, or on every attached element; returns those detached. */
  detachRemote(element?: HTMLMediaElement): HTMLMediaElement[] {
    return this.#view.detach(element);
  }

  /** The call's network status now; null when there is no connected call. */
  async getNetworkStatus(): Promise<NetworkStatus | null> {
    return (await this.#engine.call?.networkStatus()) ?? null;
  }

  /** How the last call went (see `callReport`); null before a call has ended. */
  getCallReport(): CallReport | null {
    return this.#engine.lastReport;
  }

  /**
   * The call's verification code, "1234 5678": both people see the same one unless someone in
   * the signalling path substituted the browsers' keys. Null while no connection is negotiated.
   */
  getVerificationCode(): string | null {
    return this.#engine.verificationCode;
  }

  /**
   * Asks the other person to record the call (`recordingRequested` on their side); resolves
   * `{ success: true }` once they said yes and this browser has begun the file (see README
   * "Recording"), `{ success: false }` when stopped by either side first. Rejects with
   * `not-connected`, `recording-active`, `recording-declined` or `unsupported` (no MediaRecorder,
   * or it could not begin). The result comes as `recording`.
   */
  startRecording(options?: RecordingOptions): Promise<Result> {
    return this.#recording.start(options);
  }

  /** Says yes to the other person's request to record; `{ success: false }` when none is open. */
  async acceptRecording(): Promise<Result> {
    return this.#recording.accept();
  }

  /** Says no to the other person's request to record; `{ success: false }` when none is open. */
  async declineRecording(): Promise<Result> {
    return this.#recording.decline();
  }

  /** Stops the recording, whichever side makes it (or withdraws a request); `{ success: false }` when there is none. */
  async stopRecording(): Promise<Result> {
    return this.#recording.stop();
  }

  /** Restarts ICE (new network paths) within the same call; resolves once it is connected again. */
  async restartIce(): Promise<Result> {
    const call = this.#engine.call;
    if (!call) return this.#notConnected('There is no call to restart');
    const outcome = await call.restartIce(this.#timeoutMs);
    // A call that ended meanwhile (null) has not failed to restart: it moved on.
    if (outcome === false) this.#fail('clientError', new CignalError(ClientErrorCode.ConnectionFailed, 'ICE could not be restarted'));
    return { success: outcome === true };
  }

  /**
   * Sets the ICE servers (STUN/TURN) for this client's calls; the server's list is used otherwise.
   * Nobody else's configuration changes.
   */
  async setICEServers(iceServers: RTCIceServer[]): Promise<Result> {
    const problem = iceServersProblem(iceServers);
    if (problem) invalid(problem);
    this.#engine.setIceServers(toIceServers(iceServers));
    return { success: true };
  }

  /** Copies `text` (default: the share link) to the clipboard. */
  async copyLink(text: string = this.shareLink): Promise<Result> {
    try {
      await navigator.clipboard.writeText(String(text));
      return { success: true };
    } catch (error) {
      this.#fail('clientError', new CignalError(ClientErrorCode.ClipboardFailed, 'Could not copy the link; copy it by hand', { cause: error }));
      return { success: false };
    }
  }

  // --- the presence ----------------------------------------------------------------------------

  /** Gets media and joins; false (with an error event) when either fails or the presence was given up meanwhile. */
  async #enter(): Promise<boolean> {
    this.#presence.abort();
    const presence = (this.#presence = new AbortController()).signal;
    this.#setState('waiting');
    // Without WebRTC no call can be made: the camera is not opened for nothing, and the person is
    // told at once (and the other person when they call).
    if (!this.#engine.canCall()) {
      this.#fail('clientError', unsupported());
      return this.#join(presence);
    }
    const before = this.#media.stream;
    let stream: MediaStream;
    try {
      stream = await this.#media.acquire();
    } catch (error) {
      // Left while the camera was opening: LocalMedia has closed it again.
      if (presence.aborted) return false;
      this.#fail('clientError', mediaError(error));
      this.#setState('error');
      return false;
    }
    if (presence.aborted) return false;
    if (stream !== before) this.emit('localStream', stream);
    this.#media.report();
    return this.#join(presence);
  }

  #join(presence: AbortSignal): Promise<boolean> {
    globalThis.addEventListener?.('pagehide', () => void this.leaveRoom(), { signal: presence });
    return this.#engine.enter(presence);
  }

  /**
   * The state says whether the other person can be seen and heard: `in-call` once the connection
   * is up and while media arrives, `reconnecting` from a loss of media (whether or not ICE has
   * noticed yet) until it arrives again on a connected path. An ICE restart while media still
   * flows changes nothing the user sees.
   */
  #callMedia({ flowing, pc }: Call) {
    const connection = pc.connectionState;
    // Back from `reconnecting` as soon as media arrives: Firefox's connection state can lag seconds behind.
    const live = flowing && (connection === 'connected' || (this.#state === 'reconnecting' && connection === 'disconnected'));
    if (live && (this.#state === 'calling' || this.#state === 'reconnecting')) this.#setState('in-call');
    else if (!flowing && this.#state === 'in-call') this.#setState('reconnecting');
  }

  /** Gives up this presence: call, socket, camera and microphone, page listeners. */
  #release(state: 'ended' | 'error') {
    this.#presence.abort();
    this.#media.release();
    this.#setState(state);
  }

  // --- media ---------------------------------------------------------------------------------

  async #changeMedia(method: string, enabled: unknown, change: (on: boolean) => Promise<void>): Promise<Result> {
    if (typeof enabled !== 'boolean') invalid(`${method} expects true or false`);
    if (this.#state === 'ended' || this.#state === 'error') return this.#notConnected('Not in the room');
    const presence = this.#presence.signal;
    try {
      await change(enabled as boolean);
      return { success: true };
    } catch (error) {
      // Left while the device was opening: nothing to report, the device is closed again.
      if (!presence.aborted) this.#fail('clientError', mediaError(error));
      return { success: false };
    } finally {
      if (!presence.aborted) this.#media.report();
    }
  }

  // --- plumbing --------------------------------------------------------------------------------

  #notConnected(message: string): Result {
    this.#fail('clientError', new CignalError(ClientErrorCode.NotConnected, message));
    return { success: false };
  }

  #fail(event: 'clientError' | 'serverError', error: CignalError) {
    log.error('%s: %s (%s)', event, error.message, error.code);
    this.emit(event, errorDetail(error));
  }

  #setState(next: CallState) {
    const previous = this.#state;
    if (next === previous) return;
    log.debug('state %s -> %s', previous, next);
    this.#state = next;
    this.#wakeLock?.hold(next === 'in-call' || next === 'reconnecting');
    this.emit('stateChange', { state: next, previous });
  }
}
