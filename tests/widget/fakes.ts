// Test doubles and helpers for <cignal-call>: a hand-driven stand-in for the SDK, fixtures, and
// ways to read what a person sees inside the element.
import { Emitter } from '../../sdk/emitter.js';
import { errorDetail } from '../../sdk/errors.js';
import { CignalError, Logger } from '../../sdk/index.js';
import { RemoteView } from '../../sdk/remote-view.js';
import type { CallState, Cignal, CignalData, CignalEvents, CreateRoomOptions, MediaState, Result } from '../../sdk/index.js';
import type { CignalCall } from '../../widget/index.js';
import '../../widget/index.js';

/** The SDK as the element uses it, driven by the test: it records calls and emits on demand. */
export class FakeCignal extends Emitter<CignalEvents> {
  state: CallState = 'waiting';
  readonly id = 'room-1';
  readonly calls: string[] = [];
  readonly informed: unknown[] = [];
  readonly data: CignalData;
  localMediaState: MediaState = { microphone: true, camera: true, screenShare: false, cameraPaused: false };
  remoteMediaState: MediaState = { microphone: true, camera: true, screenShare: false, cameraPaused: false };
  /** As the server gives it: the one passed in, else a new one per room object. */
  seatSecret: string | null;
  /** Resolves once the events held while `createRoom` ran have been delivered (see `releaseHeld`). */
  readonly released: Promise<void>;
  #markReleased!: () => void;
  /** The elements showing the other person, kept as the SDK keeps them (`attachRemote`). */
  readonly #view = new RemoteView(new Logger('fake'));

  constructor(
    readonly options: CreateRoomOptions,
    public localMedia: MediaStream | null,
  ) {
    super();
    this.released = new Promise((resolve) => (this.#markReleased = resolve));
    this.seatSecret = options.seatSecret ?? `secret-${Math.random().toString(36).slice(2)}`;
    this.data = {
      myPeerId: options.peerId ?? 'me',
      myDisplayName: options.peerName ?? 'Peer',
      myRole: options.role ?? null,
      remotePeerId: null,
      remoteDisplayName: null,
      remoteRole: null,
    };
  }

  get shareLink(): string {
    return `${location.origin}/call?roomId=${this.id}`;
  }

  fire<E extends keyof CignalEvents>(event: E, ...args: CignalEvents[E]): void {
    if (event === 'remoteStream') this.#view.show(args[0] as MediaStream);
    this.emit(event, ...args);
  }

  setState(state: CallState): void {
    const previous = this.state;
    this.state = state;
    // As the SDK: the other person's stream is shown during a call only.
    if (state !== 'calling' && state !== 'in-call' && state !== 'reconnecting') this.#view.show(null);
    this.emit('stateChange', { state, previous });
  }

  attachRemote<T extends HTMLMediaElement>(element: T): T {
    return this.#view.attach(element);
  }

  detachRemote(element?: HTMLMediaElement): HTMLMediaElement[] {
    return this.#view.detach(element);
  }

  /** The other person enters the room, as the SDK reports it. */
  peerArrives(displayName = 'Ada', peerId = 'zzz'): void {
    this.data.remotePeerId = peerId;
    this.data.remoteDisplayName = displayName;
    this.emit('peerJoined', displayName);
    this.setState('ready');
  }

  async joinRoom(): Promise<Result> {
    this.calls.push('joinRoom');
    if (!this.data.remotePeerId) return { success: false };
    this.setState('calling');
    return { success: true };
  }

  async leaveRoom(): Promise<Result> {
    this.calls.push('leaveRoom');
    for (const track of this.localMedia?.getTracks() ?? []) track.stop();
    this.setState('ended');
    return { success: true };
  }

  async inform(data: unknown): Promise<Result> {
    this.calls.push('inform');
    this.informed.push(data);
    return { success: true };
  }

  async setMicrophoneEnabled(on: boolean): Promise<Result> {
    return this.#setMedia('microphone', on);
  }

  async setCameraEnabled(on: boolean): Promise<Result> {
    return this.#setMedia('camera', on);
  }

  /** Set to make the next screen share fail as a closed picker does (NotAllowedError → media-denied). */
  declineShare = false;

  async setScreenShareEnabled(on: boolean): Promise<Result> {
    if (on && this.declineShare) {
      this.emit('clientError', errorDetail(new CignalError('media-denied', 'Screen access was denied')));
      return { success: false };
    }
    return this.#setMedia('screenShare', on);
  }

  /** The other person turns something on or off, as the SDK reports it. */
  remoteMedia(change: Partial<MediaState>): void {
    this.remoteMediaState = { ...this.remoteMediaState, ...change };
    this.emit('remoteMediaChanged', { ...this.remoteMediaState });
  }

  /** Devices chosen with switchActiveDevice, by kind. */
  readonly active: Record<string, string> = {};

  async switchActiveDevice(kind: string, deviceId: string): Promise<Result> {
    this.calls.push(`switch:${kind}`);
    this.active[kind] = deviceId;
    // As the SDK: the speaker is set on the attached elements before anything is awaited.
    if (kind === 'audiooutput') this.#view.setSpeaker((this.speaker = deviceId));
    this.emit('activeDeviceChanged', { kind: kind as 'audioinput', deviceId, reason: 'switched' });
    return { success: true };
  }

  #setMedia(kind: keyof MediaState, on: boolean): Result {
    this.calls.push(`${kind}:${on ? 'on' : 'off'}`);
    this.localMediaState = { ...this.localMediaState, [kind]: on };
    this.emit('localMediaChanged', { ...this.localMediaState });
    return { success: true };
  }

  /** The pending `startRecording()`, settled by the test. */
  recordingAsked: { resolve(result: Result): void; reject(error: unknown): void } | null = null;

  startRecording(): Promise<Result> {
    this.calls.push('startRecording');
    return new Promise((resolve, reject) => (this.recordingAsked = { resolve, reject }));
  }

  async acceptRecording(): Promise<Result> {
    this.calls.push('acceptRecording');
    return { success: true };
  }

  async declineRecording(): Promise<Result> {
    this.calls.push('declineRecording');
    return { success: true };
  }

  async stopRecording(): Promise<Result> {
    this.calls.push('stopRecording');
    return { success: true };
  }

  /** The speaker chosen, as the SDK reports it for `audiooutput`. */
  speaker: string | undefined;

  getActiveDevice(kind: string): string | undefined {
    return kind === 'audiooutput' ? this.speaker : this.active[kind];
  }

  async copyLink(): Promise<Result> {
    this.calls.push('copyLink');
    return { success: true };
  }

  /** Stops holding events for late listeners, as the SDK does once createRoom has resolved. */
  releaseHeld(): void {
    this.release();
    this.#markReleased();
  }
}

/** Hands out FakeCignals through `createRoom`, one per start, with real (fake-device) media. */
export class FakeRooms {
  readonly rooms: FakeCignal[] = [];
  readonly options: CreateRoomOptions[] = [];
  /** Set to make the next createRoom wait until the test resolves it. */
  gate: Promise<void> | null = null;
  /** Set to make createRoom reject. */
  failWith: unknown = null;

  createRoom = async (options: CreateRoomOptions): Promise<Cignal> => {
    this.options.push(options);
    if (this.failWith) throw this.failWith;
    const media = await navigator.mediaDevices.getUserMedia({ audio: true, video: true });
    await this.gate;
    const cignal = new FakeCignal(options, media);
    this.rooms.push(cignal);
    setTimeout(() => cignal.releaseHeld(), 0);
    return cignal as unknown as Cignal;
  };

  get last(): FakeCignal {
    const room = this.rooms.at(-1);
    if (!room) throw new Error('no room was created');
    return room;
  }
}

const mounted = new Set<Element>();

/**
 * Adds `<cignal-call>` with the given attributes (and light-DOM children) to the page, with a
 * FakeRooms factory, and waits until it has entered its (fake) room unless `wait` is false.
 *
 * Entered means the element has its instance *and* the fake has stopped holding events, as the SDK
 * does one task after createRoom resolves: from then on what the test fires reaches the element at
 * once. Waiting for `el.cignal` alone is not enough: when the page is busy, waitFor's overdue poll
 * can run before that release, and events the test fires would then reach the element only later.
 */
export async function mount(
  attributes: Record<string, string> = {},
  { children = '', wait = true, rooms = new FakeRooms(), loadLanguage }: { children?: string; wait?: boolean; rooms?: FakeRooms; loadLanguage?: CignalCall['loadLanguage'] } = {},
): Promise<{ el: CignalCall; rooms: FakeRooms }> {
  const el = document.createElement('cignal-call');
  for (const [name, value] of Object.entries(attributes)) el.setAttribute(name, value);
  el.innerHTML = children;
  el.createRoom = rooms.createRoom;
  if (loadLanguage) el.loadLanguage = loadLanguage;
  document.body.append(el);
  mounted.add(el);
  if (wait) await ((await waitFor(() => el.cignal)) as unknown as FakeCignal).released;
  await el.updateComplete;
  return { el, rooms };
}

/** Removes everything `mount` added. */
export function unmountAll(): void {
  for (const el of mounted) el.remove();
  mounted.clear();
}

/** Polls until `check` returns something truthy. */
export async function waitFor<T>(check: () => T, what = String(check), timeoutMs = 4000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The element inside the shadow root with `part="name"`, or null. */
export function part<T extends HTMLElement = HTMLElement>(el: CignalCall, name: string): T | null {
  return el.shadowRoot!.querySelector<T>(`[part~="${name}"]`);
}

/** The text a person reads in a part, whitespace collapsed. */
export function textOf(el: CignalCall, name: string): string {
  return (part(el, name)?.textContent ?? '').replace(/\s+/g, ' ').trim();
}

/** Lets a fake's state change render. */
export async function settle(el: CignalCall): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  await el.updateComplete;
}
