// This side's camera, microphone and screen: acquiring them, turning them on and off, switching
// and losing devices, and which track each kind of sender should carry at any moment.
import { CameraPause } from './camera-pause.js';
import { CignalError, ClientErrorCode } from './errors.js';
import type { Logger } from './logger.js';
import type { TrackKind } from './peer-session.js';

/** What a person sends: each is on or off. */
export interface MediaState {
  microphone: boolean;
  camera: boolean;
  screenShare: boolean;
  /**
   * The camera is on, but the system paused it while the page is hidden (a phone's browser in the
   * background): no pictures until the page is visible again.
   */
  cameraPaused: boolean;
}

export type DeviceKind = 'audioinput' | 'videoinput' | 'audiooutput';
export const deviceKinds: readonly DeviceKind[] = ['audioinput', 'videoinput', 'audiooutput'];

export interface ActiveDeviceChange {
  kind: DeviceKind;
  deviceId: string;
  /** `switched` on request; `unplugged` when the device in use went away and the default one took over. */
  reason: 'switched' | 'unplugged';
}

const inputKind = { audio: 'audioinput', video: 'videoinput' } as const;

/** A screen asked for: the picker's answer, the media's life when it was asked, and whether a share took it. */
interface ScreenRequest {
  life: AbortSignal;
  stream: Promise<MediaStream>;
  taken: boolean;
}

export interface LocalMediaOptions {
  constraints: MediaStreamConstraints;
  getUserMedia?: (constraints: MediaStreamConstraints) => Promise<MediaStream>;
  getDisplayMedia?: (options: DisplayMediaStreamOptions) => Promise<MediaStream>;
  logger: Logger;
  /** The track a sender of `kind` should carry now changed (null: send nothing). */
  onOutgoing(kind: TrackKind, track: MediaStreamTrack | null): Promise<void>;
  /**
   * What this side sends changed: told once per change, whether asked for (through `report()`)
   * or not (the browser ended the share, a device went away, the system paused the camera).
   */
  onStateChange(state: MediaState): void;
  onActiveDevice(change: ActiveDeviceChange): void;
  onDevices(devices: MediaDeviceInfo[]): void;
  onError(error: CignalError): void;
}

/**
 * Whether this browser lets a page choose the speaker (`setSinkId`: Chromium and Firefox 116 on
 * computers, Safari from 18.4 and iOS 26; not Chromium or Firefox on Android, nor older Safari).
 */
export const canChooseSpeaker = (): boolean => typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype;

const mediaDevices = (): MediaDevices | undefined => (typeof navigator === 'undefined' ? undefined : navigator.mediaDevices);

/** The CignalError for a failed getUserMedia / getDisplayMedia. */
export function mediaError(error: unknown, what = 'camera or microphone'): CignalError {
  if (error instanceof CignalError) return error;
  const name = (error as Error)?.name;
  return name === 'NotAllowedError' || name === 'SecurityError'
    ? new CignalError(ClientErrorCode.MediaDenied, `${what[0]!.toUpperCase()}${what.slice(1)} access was denied`, { cause: error })
    : new CignalError(ClientErrorCode.MediaUnavailable, `No usable ${what} was found`, { cause: error });
}

export class LocalMedia {
  /** Camera and microphone, one stream for this presence; tracks come and go within it. */
  stream: MediaStream | null = null;
  readonly #options: LocalMediaOptions;
  #screen: MediaStreamTrack | null = null;
  /** The devices chosen for each kind, kept while a device is off so that "on" takes it again. */
  readonly #devices: Partial<Record<DeviceKind, string>> = {};
  readonly #onDeviceChange = () => void this.#listDevices();
  /** Changes run one at a time: two quick "camera on" must not open two cameras. */
  #queue: Promise<unknown> = Promise.resolve();
  /** Aborted by a release: a device that opens after it is closed again at once. */
  #life = new AbortController();
  /** The screen asked for and not yet shared (see `setScreenShare`). */
  #screenRequest: ScreenRequest | null = null;
  readonly #pause: CameraPause;
  /** The state as last told to `onStateChange`; null before the first time, and again after a release. */
  #told: MediaState | null = null;

  constructor(options: LocalMediaOptions) {
    this.#options = options;
    this.#pause = new CameraPause({
      current: () => this.#track('video'),
      onChange: () => this.report(),
      reopen: () => void this.#serial(() => this.#reopenCamera()),
    });
  }

  /**
   * Acquires camera and microphone as the constraints ask, unless live tracks are already here.
   * Rejects (`not-connected`) when released while they were opening: their tracks are stopped.
   */
  async acquire(): Promise<MediaStream> {
    if (this.stream?.getTracks().some((track) => track.readyState === 'live')) return this.stream;
    const { audio, video } = this.#options.constraints;
    const life = this.#life.signal;
    const stream = audio || video ? this.#current(life, await this.#getUserMedia({ audio, video })) : new MediaStream();
    for (const track of stream.getTracks()) this.#adopt(track);
    this.stream = stream;
    mediaDevices()?.addEventListener?.('devicechange', this.#onDeviceChange);
    this.#pause.start();
    return stream;
  }

  /** Stops every track (they stay in `stream`, ended) and stops listening for devices. */
  release(): void {
    this.#life.abort();
    this.#life = new AbortController();
    mediaDevices()?.removeEventListener?.('devicechange', this.#onDeviceChange);
    this.#pause.stop();
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    this.#screen?.stop();
    this.#screen = null;
    this.#told = null;
  }

  get state(): MediaState {
    const mic = this.#track('audio');
    const screenShare = !!this.#screen;
    return { microphone: !!mic && mic.enabled, camera: !!this.#track('video'), screenShare, cameraPaused: !screenShare && this.#pause.paused };
  }

  /** Tells `onStateChange` the state, unless it is what was last told. */
  report(): void {
    const state = this.state;
    const told = this.#told;
    if (told && (Object.keys(state) as (keyof MediaState)[]).every((key) => told[key] === state[key])) return;
    this.#told = state;
    this.#options.onStateChange(state);
  }

  /** What a sender of `kind` should carry now: the screen while sharing, else the camera. */
  outgoing(kind: TrackKind): MediaStreamTrack | null {
    return (kind === 'video' && this.#screen) || this.#track(kind);
  }

  activeDevice(kind: DeviceKind): string | undefined {
    return this.#devices[kind];
  }

  /** Off mutes the track (no renegotiation, instant on again); on acquires a microphone when there is none. */
  setMicrophone(on: boolean): Promise<void> {
    return this.#serial(async () => {
    const track = this.#track('audio');
    if (track) track.enabled = on;
    else if (on) await this.#open('audio', null, this.#devices.audioinput);
    });
  }

  /** Off stops the camera (its light goes off); on takes the same device again. */
  setCamera(on: boolean): Promise<void> {
    return this.#serial(async () => {
    const track = this.#track('video');
    if (on && !track) await this.#open('video', null, this.#devices.videoinput);
    if (!on && track) {
      if (!this.#screen) await this.#options.onOutgoing('video', null);
      this.#remove(track);
    }
    });
  }

  /**
   * Safari shows the screen picker only when asked within the click itself (a user gesture), not
   * once the changes queued before it are done: the screen is asked for now, and shared in turn.
   */
  setScreenShare(on: boolean): Promise<void> {
    const request = on && !this.#screen ? (this.#screenRequest ??= this.#requestScreen()) : null;
    return this.#serial(() => this.#share(on, request));
  }

  /** Uses another camera or microphone (mid-call by replaceTrack), or records the speaker to use. */
  switchDevice(kind: DeviceKind, deviceId: string): Promise<void> {
    return this.#serial(() => this.#switch(kind, deviceId));
  }

  /** Resolves once every change asked for so far is done (failed ones included). */
  idle(): Promise<void> {
    return this.#queue.then(() => {});
  }

  #serial(change: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(change);
    this.#queue = run.catch(() => {});
    return run;
  }

  /** Opens the browser's screen picker now; phones have none (`unsupported`). */
  #requestScreen(): ScreenRequest {
    const getDisplayMedia = this.#options.getDisplayMedia ?? (mediaDevices()?.getDisplayMedia ? (o: DisplayMediaStreamOptions) => mediaDevices()!.getDisplayMedia(o) : null);
    let stream: Promise<MediaStream>;
    try {
      if (!getDisplayMedia) throw new CignalError(ClientErrorCode.Unsupported, 'This browser cannot share the screen');
      stream = getDisplayMedia({ video: true, audio: false });
    } catch (error) {
      stream = Promise.reject(error);
    }
    // Read in turn, maybe after other changes: no unhandled rejection meanwhile.
    stream.catch(() => {});
    return { life: this.#life.signal, stream, taken: false };
  }

  async #share(on: boolean, request: ScreenRequest | null): Promise<void> {
    if (!on) return this.#endShare();
    // Two quick "share" calls ask once: the first shares, the second has nothing left to do.
    if (request?.taken) return;
    if (this.#screenRequest === request) this.#screenRequest = null;
    if (this.#screen) {
      void request?.stream.then((stream) => stream.getTracks().forEach((track) => track.stop()), () => {});
      return;
    }
    // Asked while a share was on, which ended meanwhile: the picker is opened now.
    const { life, stream } = request ?? this.#requestScreen();
    if (request) request.taken = true;
    let track: MediaStreamTrack | undefined;
    try {
      [track] = this.#current(life, await stream).getVideoTracks();
    } catch (error) {
      throw mediaError(error, 'screen');
    }
    if (!track) throw new CignalError(ClientErrorCode.MediaUnavailable, 'The screen share had no video');
    track.contentHint = 'detail';
    // The browser's own "Stop sharing" ends the track: back to the camera, and say so.
    // In turn with the other changes, and told once the camera is back on the sender.
    track.addEventListener('ended', () =>
      void this.#serial(async () => {
        if (this.#screen !== track) return;
        await this.#endShare();
        this.report();
      }),
    );
    this.#screen = track;
    await this.#options.onOutgoing('video', track);
  }

  async #switch(kind: DeviceKind, deviceId: string): Promise<void> {
    if (kind === 'audiooutput') {
      if (!canChooseSpeaker()) {
        throw new CignalError(ClientErrorCode.Unsupported, 'This browser cannot choose the speaker');
      }
      const devices = (await mediaDevices()?.enumerateDevices()) ?? [];
      if (!devices.some((d) => d.kind === kind && d.deviceId === deviceId)) throw new CignalError(ClientErrorCode.MediaUnavailable, 'No such speaker');
      this.#devices.audiooutput = deviceId;
    } else {
      const trackKind = kind === 'audioinput' ? 'audio' : 'video';
      const current = this.#track(trackKind);
      if (current?.getSettings().deviceId === deviceId) return;
      // A camera that is off stays off: the choice applies when it is turned on.
      if (current) await this.#open(trackKind, current, deviceId);
      this.#devices[kind] = deviceId;
    }
    this.#options.onActiveDevice({ kind, deviceId, reason: 'switched' });
  }

  async #endShare() {
    const screen = this.#screen;
    if (!screen) return;
    this.#screen = null;
    await this.#options.onOutgoing('video', this.#track('video'));
    screen.stop();
  }

  #track(kind: TrackKind): MediaStreamTrack | null {
    return this.stream?.getTracks().find((track) => track.kind === kind && track.readyState === 'live') ?? null;
  }

  /** Opens a track of `kind` on `device` (else the default one), replacing `previous`. */
  async #open(kind: TrackKind, previous: MediaStreamTrack | null, device: string | undefined): Promise<MediaStreamTrack> {
    const base = this.#options.constraints[kind];
    const constraints = { ...(typeof base === 'object' ? base : {}), ...(device ? { deviceId: { exact: device } } : {}) };
    const life = this.#life.signal;
    const [track] = this.#current(life, await this.#getUserMedia({ [kind]: constraints })).getTracks();
    if (!track) throw new CignalError(ClientErrorCode.MediaUnavailable, `No ${kind === 'audio' ? 'microphone' : 'camera'} was found`);
    if (previous) track.enabled = previous.enabled;
    this.stream ??= new MediaStream();
    this.#adopt(track);
    this.stream.addTrack(track);
    // The sender moves to the new track before the old one stops: no gap, no frozen frame.
    if (kind === 'audio' || !this.#screen) await this.#options.onOutgoing(kind, track);
    if (previous) this.#remove(previous);
    return track;
  }

  #adopt(track: MediaStreamTrack) {
    const kind = track.kind as TrackKind;
    const device = track.getSettings?.().deviceId;
    if (device) this.#devices[inputKind[kind]] = device;
    if (kind === 'video') this.#pause.watch(track);
    // Ended by the browser, not by us: the device was unplugged or access revoked.
    track.addEventListener('ended', () => void this.#serial(() => this.#lost(kind, track)));
  }

  async #lost(kind: TrackKind, track: MediaStreamTrack) {
    if (!this.stream?.getTracks().includes(track)) return;
    this.#options.logger.warn('the %s device went away; moving to the default one', kind);
    delete this.#devices[inputKind[kind]];
    try {
      const next = await this.#open(kind, track, undefined);
      const deviceId = next.getSettings().deviceId ?? '';
      this.#options.onActiveDevice({ kind: inputKind[kind], deviceId, reason: 'unplugged' });
    } catch (error) {
      this.#remove(track);
      if (kind === 'audio' || !this.#screen) await this.#options.onOutgoing(kind, null);
      this.#options.onError(mediaError(error, kind === 'audio' ? 'microphone' : 'camera'));
    }
    this.report();
  }

  /** The page is visible again and the paused camera did not come back by itself: it is opened anew. */
  async #reopenCamera() {
    const track = this.#track('video');
    if (!track || !this.#pause.paused) return;
    // The paused camera is let go first: a phone may hand out the device only once it is free.
    this.#remove(track);
    try {
      // The same camera, else (gone meanwhile) the default one.
      await this.#open('video', null, this.#devices.videoinput).catch(() => this.#open('video', null, undefined));
    } catch (error) {
      if (!this.#screen) await this.#options.onOutgoing('video', null);
      this.#options.onError(mediaError(error, 'camera'));
    }
    this.report();
  }

  /** `stream`, unless a release came while it was opening: then its tracks are stopped. */
  #current(life: AbortSignal, stream: MediaStream): MediaStream {
    if (!life.aborted) return stream;
    for (const track of stream.getTracks()) track.stop();
    throw new CignalError(ClientErrorCode.NotConnected, 'The room was left while the device was opening');
  }

  #remove(track: MediaStreamTrack) {
    track.stop();
    this.stream?.removeTrack(track);
  }

  async #getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream> {
    const getUserMedia = this.#options.getUserMedia ?? (mediaDevices()?.getUserMedia ? (c: MediaStreamConstraints) => mediaDevices()!.getUserMedia(c) : null);
    if (!getUserMedia) {
      // Browsers hide the camera from pages that are not secure contexts; one that has none at all cannot use it.
      throw globalThis.isSecureContext === false
        ? new CignalError(ClientErrorCode.MediaUnavailable, 'This browser cannot use a camera here; the page must be served over HTTPS or from localhost')
        : new CignalError(ClientErrorCode.Unsupported, 'This browser cannot use a camera or microphone');
    }
    try {
      return await getUserMedia(constraints);
    } catch (error) {
      throw mediaError(error);
    }
  }

  async #listDevices() {
    try {
      this.#options.onDevices((await mediaDevices()?.enumerateDevices()) ?? []);
    } catch (error) {
      this.#options.logger.warn('could not list devices: %o', error);
    }
  }
}
