// <cignal-call>: a complete 1:1 video call in one element, wrapping the Cignal SDK.
import { html, LitElement, nothing, render, type PropertyValues } from 'lit';
import { Cignal, getUrlParam, Logger } from '../sdk/index.js';
import type { CallState, CreateRoomOptions, MediaState, Result } from '../sdk/index.js';
import { CallController, type CreateRoom } from './call-controller.js';
import { chatPanel, chatStyles } from './chat-panel.js';
import { styles } from './cignal-call.styles.js';
import { deviceMenu, deviceMenuStyles, showActive } from './device-menu.js';
import { icon, type IconName } from './icons.js';
import { indicatorStyles, networkQuality, remoteState, verifyControl } from './indicators.js';
import type { CignalLabels } from './labels.js';
import { Language, loadBesideScript, type LoadLanguage } from './language.js';
import { loadPip, pipKind, type PipPart } from './pip.js';
import { countText } from './plural.js';
import { recordingStyles, recordingView } from './recording.js';

const log = new Logger('cignal-call');

/** Read while the script runs: its server is, by default, the origin the script was loaded from. */
const scriptOrigin = new URL(import.meta.url).origin;

/** `audio` and `video` are on unless the attribute says `false`, `off`, `no` or `0`. */
const onUnlessOff = {
  fromAttribute: (value: string | null) => value === null || !/^(false|off|no|0)$/i.test(value.trim()),
};

/** What the pieces of the template share, worked out once per render. */
interface View {
  l: CignalLabels;
  /** The language of `l`, for numbers and plurals. */
  lang: string;
  /** The other person's name, or the label that stands for it. */
  peer: string;
  /** On the pre-join screen. */
  previewing: boolean;
  /** A call is being set up, on, or being restored. */
  active: boolean;
  /** The chat (its button and panel) is offered: not on the pre-join screen, nor under `no-chat`. */
  chat: boolean;
}

type Panel = 'chat' | 'devices';

interface IconButton {
  part: string;
  icon: IconName;
  /** The accessible name, and the tooltip. */
  label: string;
  /** Default: true. */
  enabled?: boolean;
  click(): void;
  /** For toggles: `aria-pressed`. */
  pressed?: boolean | typeof nothing;
  /** Crosses the icon out (a muted microphone, a stopped camera). */
  off?: boolean;
}

interface PanelButton {
  enabled: boolean;
  /** How many things wait in the panel (unread messages). */
  badge?: number;
}

const iconButton = ({ part, icon: name, label, enabled = true, click, pressed = nothing, off }: IconButton) =>
  html`<button part=${part} class="icon" aria-label=${label} data-tip=${label} aria-pressed=${pressed} ?disabled=${!enabled} @click=${click}>${icon(name, { off })}</button>`;

/**
 * A 1:1 video call: remote video large with the other person's microphone, camera and screen-share
 * state on it, local video picture-in-picture (drag it to any corner), network-quality bars, and one
 * row of icon buttons: microphone, camera, screen share, devices, chat, full screen, call / hang up.
 *
 * Starting: the element enters the room (camera and microphone, then the signalling server) as soon
 * as it is in the page, at its first update, so that properties set right after inserting it (as
 * frameworks do) count; no click is needed before the Call button. With `prejoin` it first
 * shows a pre-join screen instead: a self-view, device choice, microphone and camera toggles and a
 * Join button; the room is entered (and the other person sees someone there) only on Join. To avoid
 * a camera prompt on page load, add the element when the person asks for the call. While it starts,
 * `state` is `waiting` and the status says so. Removing the element leaves the room and turns the camera
 * and microphone off; adding it again starts afresh. Changes to the attributes that configure the
 * session (`room-id`, `server`, `peer-*`, `audio`, `video`, `prejoin`) apply at the next start;
 * `auto-call` and the `no-*` attributes apply at once.
 *
 * Sound: where the browser refuses to play the other person with sound before a click (Safari, while
 * the page captures no camera or microphone), they play muted, and the next press or key anywhere
 * in the element turns the sound on.
 *
 * @summary A complete peer-to-peer video call in one element.
 * @tag cignal-call
 *
 * @attr lang - The language of the element's texts, e.g. `fr` or `pt-BR`. Default: the nearest `lang` up the page, else the browser's languages, else English. English is in the script; the others load from `languages/<tag>.js` beside it (English shows meanwhile, and if that fails). Sets `dir` (right to left for Arabic, Persian, Hebrew) unless the page set `dir` on the element.
 * @attr room-id - The room to join. Default: `?roomId=` from the page URL, else a new room whose share link is shown.
 * @attr server - The Cignal server's URL. Default: the origin this script was loaded from, else the page's origin.
 * @attr peer-name - The name shown to the other person.
 * @attr peer-id - This person's id in the room. Default: random. Kept in `sessionStorage` with the seat's secret, so that a reload takes the same seat back; another page with this id but not the secret is refused (`seat-taken`).
 * @attr token - A join token for servers that require one (`CIGNAL_JOIN_SECRET`): a JWT the page's own backend signed for this room. Prefer setting the `token` property from script, so that the token is not left in the page's markup.
 * @attr peer-role - This person's role, passed to the other side (e.g. `host`).
 * @attr role - The same as `peer-role`, as in the SDK. Prefer `peer-role`: on an HTML element, `role` is also the ARIA role that assistive technology reads.
 * @attr audio - Send the microphone. On by default; `audio="false"` (or `off`, `no`, `0`) turns it off.
 * @attr video - Send the camera. On by default; `video="false"` (or `off`, `no`, `0`) turns it off.
 * @attr auto-call - Start the call by itself as soon as both people are in the room.
 * @attr prejoin - Show the pre-join screen first; the room is entered on Join.
 * @attr relay-only - Make calls only through the server's TURN relay, so that the other person never learns this side's network address (SDK `iceTransportPolicy: 'relay'`). Without a TURN server on the server, a call fails at once with `relay-unavailable`.
 * @attr no-chat - Hide the chat button and panel (messages sent with `inform` still arrive as `cignal-information`).
 * @attr no-screen-share - Hide the screen-share button. It is hidden anyway where the browser cannot share the screen (most phones).
 * @attr no-settings - Hide the settings button and its device menu.
 * @attr no-fullscreen - Hide the full-screen button. It is hidden anyway where the page may not go full screen.
 * @attr no-network-quality - Hide the network-quality bars.
 * @attr no-recording - Hide the record button. It is hidden anyway where the browser cannot record (no MediaRecorder). A request from the other person is still shown, to accept or decline.
 * @attr auto-pip - During a call, let the browser open picture-in-picture by itself when the page is hidden (where it supports the Media Session `enterpictureinpicture` action: Chromium).
 * @attr no-wake-lock - Let the screen sleep during a call. Without it, the element keeps the screen on while a call is on (the SDK's `wakeLock` option), where the browser allows it.
 * @attr defer-hydration - Set on server-rendered markup (as `cignal/react` renders it): the session waits until it is removed, so that a framework hydrating the page sets the properties first (`@lit/react` removes it then).
 * @attr state - Reflects the call state: `waiting`, `ready`, `calling`, `in-call`, `reconnecting` (a call in progress being restored), `ended` or `error`. Read-only.
 *
 * @fires {CustomEvent<MediaStream>} cignal-local-stream - The camera and microphone stream is available.
 * @fires {CustomEvent<MediaStream>} cignal-remote-stream - The other person's stream arrived (once per call).
 * @fires {CustomEvent<string>} cignal-peer-joined - The other person entered the room; detail is their display name.
 * @fires {CustomEvent<null>} cignal-offer-received - The other person started a call with us.
 * @fires {CustomEvent<{ peerId: string, reason: string }>} cignal-peer-hang-up - The other person hung up or left.
 * @fires {CustomEvent<unknown>} cignal-information - The other person sent data with `inform`.
 * @fires {CustomEvent<ErrorDetail>} cignal-client-error - Something failed on this side (also when the options are unusable); detail is `{ code, reason, error }`, `reason` the sentence.
 * @fires {CustomEvent<ErrorDetail>} cignal-server-error - The server refused or failed a request (e.g. room full).
 * @fires {CustomEvent<{ state: CallState, previous: CallState }>} cignal-state-change - The call state changed.
 * @fires {CustomEvent<{ reason: string }>} cignal-reconnecting - The connection to the server dropped and is being restored; the call goes on.
 * @fires {CustomEvent<null>} cignal-reconnected - The connection to the server is back.
 * @fires {CustomEvent<MediaState>} cignal-remote-media-changed - The other person turned their microphone, camera or screen share on or off; detail is `{ microphone, camera, screenShare }`.
 * @fires {CustomEvent<MediaState>} cignal-local-media-changed - What this side sends changed (a button, the browser's "Stop sharing", a device unplugged).
 * @fires {CustomEvent<MediaDeviceInfo[]>} cignal-devices-changed - A camera, microphone or speaker was plugged in or out; detail is the devices now present.
 * @fires {CustomEvent<ActiveDeviceChange>} cignal-active-device-changed - The device in use changed: `{ kind, deviceId, reason: 'switched' | 'unplugged' }`.
 * @fires {CustomEvent<string | ArrayBuffer>} cignal-data-received - The other person sent data with `sendData`.
 * @fires {CustomEvent<{ code: string | null }>} cignal-verification-code - The call's verification code changed: a connection was negotiated (`"1234 5678"`, the same on both sides unless someone sits in between), or the call ended (`null`).
 * @fires {CustomEvent<{ open: boolean, kind: 'document' | 'video' }>} cignal-pip-change - Picture-in-picture opened or closed: `document`, a window with the call's videos and buttons (Document Picture-in-Picture), or `video`, the other person's video alone.
 * @fires {CustomEvent<{ displayName: string | null }>} cignal-recording-requested - The other person asks to record the call; the element shows the request with Accept and Decline (SDK `acceptRecording()` / `declineRecording()`).
 * @fires {CustomEvent<RecordingStateDetail>} cignal-recording-state - A recording was asked for, declined, started or stopped, on either side: `{ state: 'asked' | 'declined' | 'recording' | 'stopped', recorder, by, reason? }` (`recorder` and `by` are `local` or `remote`).
 * @fires {CustomEvent<RecordingResult>} cignal-recording - The recording made here is finished: `{ blob, durationMs, mimeType }` (WebM); the element offers it for download.
 * @fires {CustomEvent<NetworkStatus>} cignal-network-status - Every 2 s during a call: `{ quality, rttMs, packetLoss, jitterMs, outgoingBitrate, incomingBitrate, relayed, ... }`.
 * @fires {CustomEvent<CallReport>} cignal-call-report - A call ended (either side hung up, or it was lost): how it went, `{ durationMs, setupMs, endReason, relayed, rttMedianMs, outages, recoveryMs, ... }` (README "Call reports").
 *
 * @slot - Custom controls, placed after the built-in buttons.
 *
 * @csspart stage - The video area.
 * @csspart remote-video - The other person's video.
 * @csspart local-video - This person’s own video (picture-in-picture, mirrored; large on the pre-join screen). Drag it to another corner.
 * @csspart status - The sentence that says where the call stands (a polite live region).
 * @csspart error - The error message, with its retry button.
 * @csspart retry-button - Starts again after an error.
 * @csspart share-link - The room link and its copy button, shown while waiting alone.
 * @csspart copy-link-button - Copies the room link.
 * @csspart remote-state - Over the other person's video: their name, a muted-microphone mark, their initials while their camera is off, a line while they share their screen. `data-microphone`, `data-camera` and `data-screen-share` are each `on` or `off`, and so are its extra part names `microphone-on|off`, `camera-on|off`, `screen-share-on|off` (select `::part(remote-state microphone-off)`), and `camera-paused` while their camera is paused by their phone (their page in the background), shown with a line in place of a frozen picture.
 * @csspart network-quality - Signal bars for the call's network (`data-quality` = `good`, `fair`, `poor` or `lost`); pressing them shows the details.
 * @csspart network-details - Round-trip time, loss and whether the call is direct or relayed.
 * @csspart pip-button - During a call, beside the network bars: opens and closes picture-in-picture (`aria-pressed`). Not there where the browser has none.
 * @csspart verify-button - During a call: shows and hides the call's verification code (`aria-expanded`).
 * @csspart verification-code - The verification code, e.g. `1234 5678`, shown with a sentence that says to read it to each other.
 * @csspart record-button - During a call: asks the other person to record it, or stops the recording (`aria-pressed` while asked or recording). Nothing is recorded before they accept; the recording is made in this browser.
 * @csspart recording-prompt - The other person's request to record, with Accept and Decline buttons (`role="alertdialog"`; it takes the keyboard focus).
 * @csspart recording-indicator - On both sides while a recording is asked for (`data-state="asked"`) or made (`data-state="recording"`).
 * @csspart recording-download - The link to the finished recording, `cignal-<room>-<yyyy-mm-dd-hhmm>.webm` (`.mp4` where the browser records MP4).
 * @csspart controls - The row of call buttons (one row, also on a phone).
 * @csspart mic-button - Turns the microphone on and off (`aria-pressed`).
 * @csspart camera-button - Turns the camera on and off (`aria-pressed`).
 * @csspart screen-share-button - Shares the screen instead of the camera, or stops (`aria-pressed`).
 * @csspart settings-button - Opens and closes the device menu (`aria-expanded`).
 * @csspart device-menu - The camera, microphone and speaker choices.
 * @csspart chat-button - Opens and closes the chat (`aria-expanded`), with the number of unread messages.
 * @csspart fullscreen-button - Shows the call full screen, or stops (`aria-pressed`).
 * @csspart call-button - Starts the call.
 * @csspart hangup-button - Ends the call (in place of the call button while a call is on).
 * @csspart join-button - On the pre-join screen: enters the room (in place of the call button).
 * @csspart chat - The chat panel: its messages, message box and close button.
 * @csspart close-chat-button - Closes the chat.
 * @csspart message-form - The message box.
 * @csspart message-input - The message text field.
 * @csspart send-button - Sends the message.
 * @csspart messages - The list of messages, oldest first, the newest next to the message box.
 *
 * @cssprop --cignal-accent - Colour of the call and join buttons, pressed toggles and focus rings.
 * @cssprop --cignal-danger - Colour of the hang-up button, a muted microphone or stopped camera, and errors.
 * @cssprop --cignal-background - Background of the element.
 * @cssprop --cignal-foreground - Text colour.
 * @cssprop --cignal-surface - Background of buttons, fields and the video area.
 * @cssprop --cignal-radius - Corner radius.
 * @cssprop --cignal-font - Font family.
 * @cssprop --cignal-height - Height of the video area (default: from its width, 16:9, 3:4 on narrow screens).
 */
export class CignalCall extends LitElement {
  static override styles = [styles, indicatorStyles, deviceMenuStyles, chatStyles, recordingStyles];

  static override properties = {
    roomId: { attribute: 'room-id' },
    server: {},
    peerName: { attribute: 'peer-name' },
    peerId: { attribute: 'peer-id' },
    peerRole: { attribute: 'peer-role' },
    token: {},
    role: {},
    audio: { converter: onUnlessOff },
    video: { converter: onUnlessOff },
    autoCall: { type: Boolean, attribute: 'auto-call' },
    prejoin: { type: Boolean },
    relayOnly: { type: Boolean, attribute: 'relay-only' },
    noChat: { type: Boolean, attribute: 'no-chat' },
    noScreenShare: { type: Boolean, attribute: 'no-screen-share' },
    noSettings: { type: Boolean, attribute: 'no-settings' },
    noFullscreen: { type: Boolean, attribute: 'no-fullscreen' },
    noNetworkQuality: { type: Boolean, attribute: 'no-network-quality' },
    noRecording: { type: Boolean, attribute: 'no-recording' },
    autoPip: { type: Boolean, attribute: 'auto-pip' },
    noWakeLock: { type: Boolean, attribute: 'no-wake-lock' },
    labels: { attribute: false },
    deferHydration: { type: Boolean, attribute: 'defer-hydration' },
    state: { reflect: true },
    open: { state: true },
    details: { state: true },
    verifying: { state: true },
  };

  /** The room to join. Default: `?roomId=` from the page URL, else a new room. */
  declare roomId: string | undefined;
  /** The Cignal server's URL. Default: the origin this script was loaded from, else the page's origin. */
  declare server: string | undefined;
  /** The name shown to the other person. */
  declare peerName: string | undefined;
  /** This person's id in the room. Default: random. */
  declare peerId: string | undefined;
  /** This person's role, passed to the other side (e.g. `host`). */
  declare peerRole: string | undefined;
  /** A join token (a JWT signed by the page's own backend) for servers that require one. */
  declare token: string | undefined;
  /** The same as `peerRole`; prefer `peer-role`, since `role` is also the element's ARIA role. */
  declare role: string | null;
  /** Whether to send the microphone. On by default; the attribute turns it off with `false`, `off`, `no` or `0`. */
  declare audio: boolean;
  /** Whether to send the camera. On by default; the attribute turns it off with `false`, `off`, `no` or `0`. */
  declare video: boolean;
  /** Whether to start the call by itself once both people are in the room. */
  declare autoCall: boolean;
  /** Whether to show the pre-join screen (self-view, devices, Join) before entering the room. */
  declare prejoin: boolean;
  /** Whether calls go only through the server's TURN relay, hiding this side's network address from the other person. */
  declare relayOnly: boolean;
  /** Hides the chat button and panel. */
  declare noChat: boolean;
  /** Hides the screen-share button. */
  declare noScreenShare: boolean;
  /** Hides the settings button and the device menu. */
  declare noSettings: boolean;
  /** Hides the full-screen button. */
  declare noFullscreen: boolean;
  /** Hides the network-quality bars. */
  declare noNetworkQuality: boolean;
  /** Hides the record button. */
  declare noRecording: boolean;
  /** Whether the browser may open picture-in-picture by itself when the page is hidden during a call. */
  declare autoPip: boolean;
  /** Lets the screen sleep during a call (the screen wake lock is taken otherwise, where the browser has one). */
  declare noWakeLock: boolean;
  /** Texts to replace, e.g. `{ call: 'Appeler' }`; the rest stay English. */
  declare labels: Partial<CignalLabels>;
  /** Mirrors `defer-hydration`: its removal is an update, at which the waiting session starts. */
  declare private deferHydration: boolean;
  /** Where the call stands, as reported by the SDK. Read-only. */
  declare state: CallState;
  /** The panel open over or beside the call, if any. */
  declare private open: 'chat' | 'devices' | null;
  /** Whether the network details are shown. */
  declare private details: boolean;
  /** Whether the verification code is shown. */
  declare private verifying: boolean;

  /** Creates the SDK instance; replace it (before the element is added) to inject a fake in tests. */
  createRoom: CreateRoom = (options) => Cignal.createRoom(options);

  /** Loads a language's table (default: `languages/<tag>.js` beside the script); replace it before the element is added to serve tables from elsewhere. */
  loadLanguage: LoadLanguage = loadBesideScript;

  readonly #language = new Language(this, () => this.loadLanguage);

  readonly #call = new CallController(this, () => ({
    createRoom: this.createRoom,
    options: this.#options(),
    autoCall: this.autoCall,
    prejoin: this.prejoin,
    chatOpen: this.open === 'chat',
  }));

  /** Picture-in-picture, its part loaded on demand (widget/parts/pip.ts, through widget/pip.ts): loading or loaded; unset again when the load failed. */
  #pip?: Promise<PipPart | void>;
  #pipPart?: PipPart;

  /** Where the self-view sits: `top-start`, `top-end`, `bottom-start` or `bottom-end` (mirrored right to left). */
  #corner = 'bottom-end';
  readonly #onFullscreen = () => this.requestUpdate();
  /** The SDK instance the remote video is attached to (see `attachRemote`), and the stream last played in it. */
  #attached: Cignal | null = null;
  #played: MediaStream | null = null;
  /**
   * True while the browser refuses to play the other person with sound: Safari does without a
   * click when the page captures no camera or microphone. They play muted until the next press.
   */
  #soundBlocked = false;
  /** How many messages the chat showed when it was last scrolled to the newest; -1 while closed. */
  #scrolledTo = -1;
  /** Whether the other person's request to record was shown at the last update. */
  #prompting = false;

  constructor() {
    super();
    this.audio = true;
    this.video = true;
    this.autoCall = false;
    this.prejoin = this.autoPip = this.relayOnly = this.noChat = this.noScreenShare = this.noSettings = this.noFullscreen = this.noNetworkQuality = this.noRecording = this.noWakeLock = false;
    this.labels = {};
    this.state = 'waiting';
    this.open = null;
    this.details = this.verifying = false;
  }

  static override get observedAttributes(): string[] {
    return [...super.observedAttributes, 'lang'];
  }

  override attributeChangedCallback(name: string, old: string | null, value: string | null): void {
    super.attributeChangedCallback(name, old, value);
    if (name === 'lang' && this.isConnected) this.#language.update();
  }

  override connectedCallback(): void {
    super.connectedCallback();
    document.addEventListener('fullscreenchange', this.#onFullscreen);
    for (const gesture of ['click', 'keydown']) this.addEventListener(gesture, this.#unblockSound, true);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    document.removeEventListener('fullscreenchange', this.#onFullscreen);
    for (const gesture of ['click', 'keydown']) this.removeEventListener(gesture, this.#unblockSound, true);
  }

  /** The SDK instance, or null while starting, on the pre-join screen, after an error that prevented it, or once removed. */
  get cignal(): Cignal | null {
    return this.#call.cignal;
  }

  /** Starts the call (SDK `joinRoom`); waits for the room to be entered first. */
  async call(): Promise<Result> {
    // Just added to the page, the element enters the room at its first update.
    await this.updateComplete;
    const cignal = await this.#call.session;
    return cignal ? cignal.joinRoom() : { success: false };
  }

  /** Hangs up and leaves the room (SDK `leaveRoom`); `call()` enters it again. */
  async hangUp(): Promise<Result> {
    return this.#call.hangUp();
  }

  /** Sends data to the other person (SDK `inform`); strings also appear in their message list. */
  async inform(data: unknown): Promise<Result> {
    return this.cignal ? this.cignal.inform(data) : { success: false };
  }

  /**
   * On the pre-join screen, enters the room with the devices chosen there (the Join button); waits
   * for the preview to have started. `{ success: false }` when there is no pre-join screen.
   */
  join(): Promise<Result> {
    return this.#call.join();
  }

  /** Mutes or unmutes the microphone (SDK `setMicrophoneEnabled`; on the pre-join screen, the preview's). */
  setMicrophoneEnabled(enabled: boolean): Promise<Result> {
    return this.#call.setMedia('microphone', enabled);
  }

  /** Turns the camera off or on (SDK `setCameraEnabled`; on the pre-join screen, the preview's). */
  setCameraEnabled(enabled: boolean): Promise<Result> {
    return this.#call.setMedia('camera', enabled);
  }

  /** Shares the screen instead of the camera, or stops (SDK `setScreenShareEnabled`). */
  setScreenShareEnabled(enabled: boolean): Promise<Result> {
    return this.#call.setMedia('screenShare', enabled);
  }

  /**
   * Opens picture-in-picture during a call: a small window with the other person, the self-view and
   * the microphone, camera and hang-up buttons where the browser has Document Picture-in-Picture
   * (Chromium), else the other person's video in the browser's own picture-in-picture. Browsers
   * open it only within a click or key press (or, under `auto-pip`, when the page is hidden).
   * `{ success: false }` where the browser has neither, outside a call, or when refused.
   */
  async enterPictureInPicture(): Promise<Result> {
    // The click's user activation outlasts the wait for a part that is still on its way.
    return (pipKind() && (await this.#loadPip())?.enter()) || { success: false };
  }

  /** Closes picture-in-picture; `{ success: false }` when it was not open. */
  async exitPictureInPicture(): Promise<Result> {
    return this.#pipPart?.exit() ?? { success: false };
  }

  /** Loads the picture-in-picture part once (a failed load is tried again at the next press or call). */
  #loadPip(): Promise<PipPart | void> {
    return (this.#pip ??= loadPip().then(
      (part) => (this.#pipPart = part.default(this, html, nothing, render, remoteState, icon, this.#mediaToggle)),
      (error: unknown) => {
        this.#pip = undefined;
        log.warn('picture-in-picture could not be loaded: %o', error);
      },
    ));
  }

  #options(): CreateRoomOptions {
    return {
      url: this.server || (scriptOrigin === 'null' ? location.origin : scriptOrigin),
      roomId: this.roomId || getUrlParam('roomId', undefined),
      peerId: this.peerId || undefined,
      peerName: this.peerName || undefined,
      role: this.peerRole || this.role || undefined,
      mediaConstraints: { audio: this.audio, video: this.video },
      wakeLock: !this.noWakeLock,
      ...(this.relayOnly ? { iceTransportPolicy: 'relay' } : {}),
      ...(this.token ? { token: this.token } : {}),
    };
  }

  override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('autoCall')) this.#call.autoCall();
    if (this.state !== 'in-call' && this.state !== 'reconnecting') this.details = false;
    if (!this.#call.code) this.verifying = false;
  }

  override updated(changed: PropertyValues<this>): void {
    this.#showStreams();
    const view = this.#view();
    // A call starts: the picture-in-picture part is loaded now, so that the button's click finds it.
    if (view.active && changed.has('state') && pipKind()) void this.#loadPip();
    this.#pipPart?.update(view);
    showActive(this.renderRoot, (kind) => this.#call.activeDevice(kind));
    this.#keepFocus(changed);
    this.#scrollChat();
  }

  /** The streams on the videos, and the speaker chosen for the other person. */
  #showStreams(): void {
    const video = (part: string) => this.renderRoot.querySelector<HTMLVideoElement>(`[part=${part}]`)!;
    // Streams are set here, only when they change: a .srcObject binding would set them on every
    // render (Lit sets object values each time), and setting srcObject again, even to the same
    // stream, restarts the video: a blink whenever anything updates.
    // A stream without a track (camera and microphone off) is not played: Chromium would hold up
    // the page's load event for a first frame that never comes.
    const local = this.#localStream;
    if (video('local-video').srcObject !== local) video('local-video').srcObject = local;
    this.#attachRemote(video('remote-video'));
  }

  get #localStream(): MediaStream | null {
    return this.#call.local?.getTracks().length ? this.#call.local : null;
  }

  /** The keyboard focus follows what changed, instead of dropping on the page. */
  #keepFocus(changed: PropertyValues<this>): void {
    const find = (selector: string) => this.renderRoot.querySelector<HTMLElement>(selector);
    // A button that turned off under the keyboard (Call once calling, Hang up once ended) hands
    // focus to the action that is now available.
    if (find('button:focus:disabled')) find('.primary:enabled,[part=retry-button]')?.focus();
    // A panel that opened takes the focus; one that closed gives it back to its button. The
    // device list comes a moment after the menu: the focus moves on to it if still on the menu.
    const was = changed.get('open' as keyof CignalCall) as CignalCall['open'] | undefined;
    const menu = find('[part=device-menu]');
    if (was !== undefined && this.open === 'devices') (find('[part=device-menu] select') ?? menu)?.focus();
    else if (menu && this.shadowRoot?.activeElement === menu) find('[part=device-menu] select')?.focus();
    if (was !== undefined && this.open === 'chat') find('[part=message-input]')?.focus();
    if (was && !this.open) find(`[part=${was === 'devices' ? 'settings' : 'chat'}-button]`)?.focus();
    // A request to record takes the focus (announced, and no key press answers it by accident);
    // once answered, the focus goes to the record button instead of dropping on the page.
    const prompting = this.#call.recording.prompting;
    const lost = !this.shadowRoot?.activeElement;
    if (prompting !== this.#prompting && (prompting || lost)) find(prompting ? '[part=recording-prompt]' : '[part=record-button]')?.focus();
    this.#prompting = prompting;
  }

  /** The newest message stays in view, next to the message box. */
  #scrollChat(): void {
    const messages = this.renderRoot.querySelector<HTMLElement>('[part=messages]');
    const count = messages ? this.#call.chat.messages.length : -1;
    if (messages && count !== this.#scrolledTo) messages.scrollTop = messages.scrollHeight;
    this.#scrolledTo = count;
  }

  get #remoteVideo(): HTMLVideoElement | null {
    return this.renderRoot.querySelector('[part=remote-video]');
  }

  /**
   * The SDK shows the other person in the remote video (`attachRemote`): their stream during a
   * call, through the speaker chosen with `switchActiveDevice('audiooutput')`, which Safari takes
   * only within the click that chose it (the device menu's change event calls the SDK at once).
   */
  #attachRemote(video: HTMLVideoElement): void {
    const cignal = this.#call.cignal;
    if (cignal !== this.#attached) {
      this.#attached?.detachRemote(video);
      cignal?.attachRemote(video);
      this.#attached = cignal;
    }
    const remote = this.#call.remote;
    if (remote === this.#played) return;
    this.#played = remote;
    if (remote) this.#play(video);
  }

  /**
   * Plays the other person with sound. `autoplay` alone leaves the video paused where the browser
   * refuses sound without a click (Safari, when this page captures nothing): they play muted then,
   * and the next press or key in the element turns the sound on.
   */
  #play(video: HTMLVideoElement): void {
    video.muted = false;
    video.play().catch((error: unknown) => {
      if ((error as Error)?.name !== 'NotAllowedError') return; // another stream came meanwhile
      log.warn('muted until a click: %o', error);
      this.#soundBlocked = true;
      video.muted = true;
      video.play().catch(log.warn);
    });
  }

  /** A press or a key in the element: a user gesture, in which the browser lets the sound play. */
  readonly #unblockSound = () => {
    const video = this.#remoteVideo;
    if (!this.#soundBlocked || !video) return;
    this.#soundBlocked = false;
    video.muted = false;
    video.play().catch(() => {
      video.muted = true;
      this.#soundBlocked = true;
    });
  };

  #togglePanel(panel: Panel): void {
    this.open = this.open === panel ? null : panel;
    if (this.open === 'devices') void this.#call.listDevices();
    if (this.open === 'chat') this.#call.chat.read();
  }

  get #isFullscreen(): boolean {
    // `:fullscreen` is no selector at all in a browser without the Fullscreen API (older Safari).
    return !!document.fullscreenElement && this.matches(':fullscreen');
  }

  #fullscreen(): void {
    const done = this.#isFullscreen ? document.exitFullscreen() : this.requestFullscreen();
    done.catch((error: unknown) => log.warn('full screen was refused: %o', error));
  }

  /** Dragging the self-view: it follows the pointer, then settles in the nearest corner. */
  #drag = (down: PointerEvent) => {
    if (down.button !== 0) return;
    const pip = down.currentTarget as HTMLElement;
    const stage = pip.parentElement!.getBoundingClientRect();
    const dragging = new AbortController();
    const signal = dragging.signal;
    pip.setPointerCapture(down.pointerId);
    pip.addEventListener('pointermove', (event) => (pip.style.translate = `${event.clientX - down.clientX}px ${event.clientY - down.clientY}px`), { signal });
    const drop = (event: PointerEvent) => {
      dragging.abort();
      pip.style.translate = '';
      const left = event.clientX - stage.left < stage.width / 2;
      const x = left === (getComputedStyle(pip).direction === 'rtl') ? 'end' : 'start';
      const y = event.clientY - stage.top < stage.height / 2 ? 'top' : 'bottom';
      this.#corner = `${y}-${x}`;
      this.requestUpdate();
    };
    for (const end of ['pointerup', 'pointercancel', 'lostpointercapture'] as const) pip.addEventListener(end, drop, { signal });
  };

  override render() {
    const view = this.#view();
    const chat = this.open === 'chat' && view.chat;
    const present = view.active || this.state === 'ready';
    return html`
      <div class="call ${chat ? 'with-chat' : ''}">
        ${this.#stage(view)}
        ${chat ? chatPanel(view.l, { messages: this.#call.chat.messages, enabled: present, submit: this.#submit, close: () => (this.open = null) }) : nothing}
      </div>
      ${this.#errorMessage(view)} ${this.#shareLink(view.l)} ${this.#controls(view)}
    `;
  }

  /** What the pieces of the template share, worked out once per render. */
  #view(): View {
    const custom = this.labels ?? {};
    const table = this.#language.table;
    const labels: CignalLabels = { ...table, ...custom, errors: { ...table.errors, ...custom.errors } };
    const state = this.state;
    const onPreview = !!this.#call.prejoin.preview;
    return {
      l: labels,
      lang: this.#language.tag,
      peer: this.#call.cignal?.data.remoteDisplayName || labels.peer,
      previewing: onPreview,
      active: state === 'calling' || state === 'in-call' || state === 'reconnecting',
      chat: !this.noChat && !onPreview,
    };
  }

  /** The videos, and over them the other person's state, the status, the network and verify controls, the device menu. */
  #stage({ l, lang, peer, previewing, active }: View) {
    const call = this.#call;
    const cignal = call.cignal;
    const status = previewing ? l.prejoin : call.starting ? l.starting : call.reconnecting ? l.reconnecting : l[this.state];
    return html`<div part="stage" class=${previewing ? 'preview' : ''}>
      <video part="remote-video" aria-label=${peer} autoplay playsinline></video>
      ${call.remote && cignal ? remoteState(l, peer, cignal.remoteMediaState) : nothing}
      <video part="local-video" class=${this.#corner} aria-label=${l.you} muted .muted=${true} autoplay playsinline @pointerdown=${previewing ? nothing : this.#drag}></video>
      <p part="status" role="status" aria-live="polite">${status.replace('{name}', peer)} ${call.copied ? l.copied : ''}</p>
      ${active ? this.#callIndicators(l, lang) : nothing}
      ${recordingView(l, peer, call.recording, { accept: () => void cignal?.acceptRecording(), decline: () => void cignal?.declineRecording() })}
      ${this.open === 'devices' && !this.noSettings
        ? deviceMenu(l, {
            devices: call.devices,
            active: (kind) => call.activeDevice(kind),
            choose: (kind, deviceId) => {
              // Before Join there is no call to set the speaker: the remote video takes it now,
              // within the click (Safari refuses it later), and keeps it into the call.
              if (previewing && kind === 'audiooutput') void (this.#remoteVideo as HTMLVideoElement & { setSinkId?(id: string): Promise<void> })?.setSinkId?.(deviceId).catch(() => {});
              void call.switchDevice(kind, deviceId);
            },
            close: () => (this.open = null),
          })
        : nothing}
    </div>`;
  }

  /** During a call: the network bars, the verify control and the picture-in-picture button. */
  #callIndicators(l: CignalLabels, lang: string) {
    const state = this.state;
    const network = (state === 'in-call' || state === 'reconnecting') && !this.noNetworkQuality ? this.#call.network : null;
    const code = this.#call.code;
    const pip = this.#pipPart?.open;
    const canPip = !!pip || (!!this.#call.remote && !!pipKind());
    if (!network && !code && !canPip) return nothing;
    return html`<div class="network">
      ${network ? networkQuality(l, lang, network, { open: this.details, toggle: () => (this.details = !this.details) }) : nothing}
      ${code ? verifyControl(l, code, { open: this.verifying, toggle: () => (this.verifying = !this.verifying) }) : nothing}
      ${canPip
        ? iconButton({ part: 'pip-button', icon: 'pip', label: l.pictureInPicture, click: () => void (pip ? this.exitPictureInPicture() : this.enterPictureInPicture()), pressed: !!pip })
        : nothing}
    </div>`;
  }

  /** The error in plain words (`{name}` is the other person), with Retry when the call could not start. */
  #errorMessage({ l, peer }: View) {
    const error = this.#call.error;
    return error
      ? html`<p part="error" role="alert">
          ${l.errors[error.code]?.replace('{name}', peer) ?? String(error.reason)}
          ${this.state === 'error' ? html`<button part="retry-button" @click=${() => this.#call.retry()}>${l.retry}</button>` : nothing}
        </p>`
      : nothing;
  }

  /** The room link while waiting alone. */
  #shareLink(l: CignalLabels) {
    const link = this.#call.cignal?.shareLink;
    return link && this.state === 'waiting'
      ? html`<p part="share-link">
          ${l.shareLink} <a href=${link}>${link}</a>
          <button part="copy-link-button" @click=${() => this.#call.copyLink()}>${l.copyLink}</button>
        </p>`
      : nothing;
  }

  /** The row of buttons: microphone, camera, screen share, settings, chat, full screen, then Join, Call or Hang up, then the slot. */
  #controls(view: View) {
    const { l, previewing, chat } = view;
    const call = this.#call;
    const media = call.media;
    const mediaToggle = this.#mediaToggle;
    const canShare = !this.noScreenShare && !previewing && !!navigator.mediaDevices?.getDisplayMedia;
    const canFullscreen = !this.noFullscreen && document.fullscreenEnabled;
    const fullscreen = this.#isFullscreen;
    return html`<div part="controls">
      ${mediaToggle('microphone', 'mic-button', 'microphone', l.microphone)} ${mediaToggle('camera', 'camera-button', 'camera', l.camera)}
      ${canShare ? mediaToggle('screenShare', 'screen-share-button', 'screen', l.screenShare) : nothing}
      ${this.noSettings ? nothing : this.#panelButton(view, 'devices', { enabled: !!media })}
      ${chat ? this.#panelButton(view, 'chat', { enabled: !!call.cignal, badge: call.chat.unread }) : nothing}
      ${view.active && !this.noRecording && typeof MediaRecorder === 'function'
        ? iconButton({ part: 'record-button', icon: 'record', label: l.record, enabled: this.state === 'in-call', click: () => call.record(), pressed: !!call.recording.current })
        : nothing}
      ${canFullscreen
        ? iconButton({ part: 'fullscreen-button', icon: fullscreen ? 'exitFullscreen' : 'fullscreen', label: l.fullscreen, click: () => this.#fullscreen(), pressed: fullscreen })
        : nothing}
      ${this.#primaryButton(view)}
      <slot></slot>
    </div>`;
  }

  /** The microphone, camera or screen-share button. */
  readonly #mediaToggle = (kind: Exclude<keyof MediaState, 'cameraPaused'>, part: string, name: IconName, label: string) => {
    const call = this.#call;
    const media = call.media;
    // Neither on nor off while there is nothing to send (starting, ended, error).
    const on = !!media?.[kind];
    const off = !!media && kind !== 'screenShare' && !on;
    return iconButton({ part, icon: name, label, enabled: !!media, click: () => void call.setMedia(kind, !on), pressed: media ? on : nothing, off });
  };

  /**
   * The settings or chat button: it opens and closes its panel (`aria-expanded`); its badge counts what waits there,
   * and its name says the count after a comma (Intl.ListFormat would glue Arabic's "and" to the number the badge shows).
   */
  #panelButton({ l, lang }: View, panel: Panel, { enabled, badge = 0 }: PanelButton) {
    const open = this.open === panel;
    const name = panel === 'chat' ? 'chat' : 'settings';
    const label = l[name];
    return html`<button part="${name}-button" class="icon" aria-label=${badge ? `${label}, ${countText(l.unread, badge, lang)}` : label} data-tip=${label}
      aria-expanded=${open} aria-controls=${open ? (panel === 'chat' ? 'chat' : 'device-menu') : nothing} ?disabled=${!enabled} @click=${() => this.#togglePanel(panel)}>
      ${icon(name)}${badge ? html`<span class="badge" aria-hidden="true">${new Intl.NumberFormat(lang).format(badge)}</span>` : nothing}
    </button>`;
  }

  /** One button, so that focus stays on it as it turns from Call into Hang up and back; Join on the pre-join screen. */
  #primaryButton({ l, previewing, active }: View) {
    const call = this.#call;
    const [part, label, enabled, click] = previewing
      ? ['join-button', l.join, !call.starting, () => this.join()]
      : active
        ? ['hangup-button', l.hangUp, true, () => this.hangUp()]
        : ['call-button', l.call, !!call.cignal && Cignal.isSupported() && (this.state === 'ready' || this.state === 'ended'), () => this.call()];
    return html`<button part=${part} class="wide primary" aria-label=${label} data-tip=${label} ?disabled=${!enabled} @click=${click}>
      ${previewing ? label : icon('phone')}
    </button>`;
  }

  #submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    if (await this.#call.chat.send(form.message.value)) form.reset();
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'cignal-call': CignalCall;
  }
}
