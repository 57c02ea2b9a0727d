// <cignal-call>: a complete 1:1 video call in one element, wrapping the Cignal SDK.
import { html, LitElement, nothing, type PropertyValues } from 'lit';
import { Cignal, getUrlParam, Logger } from '../sdk/index.js';
import type { CallState, CreateRoomOptions, Result } from '../sdk/index.js';
import { CallController, type CreateRoom } from './call-controller.js';
import { styles } from './cignal-call.styles.js';
import { defaultLabels, type CignalLabels } from './labels.js';

const log = new Logger('cignal-call');

/** Read while the script runs: its server is, by default, the origin the script was loaded from. */
const scriptOrigin = new URL(import.meta.url).origin;

/** `audio` and `video` are on unless the attribute says `false`, `off`, `no` or `0`. */
const onUnlessOff = {
  fromAttribute: (value: string | null) => value === null || !/^(false|off|no|0)$/i.test(value.trim()),
};

/**
 * A 1:1 video call: remote video large, local video picture-in-picture, and buttons to call, hang
 * up, mute, turn the camera off, copy the room's link and exchange short messages.
 *
 * Starting: the element enters the room (camera and microphone, then the signalling server) as soon
 * as it is connected to the page; no click is needed before the Call button. To avoid a camera
 * prompt on page load, add the element when the person asks for the call. While it starts, `state`
 * is `waiting` and the status says so. Removing the element leaves the room and turns the camera
 * and microphone off; adding it again starts afresh. Attribute changes apply at the next start.
 *
 * @summary A complete peer-to-peer video call in one element.
 * @tag cignal-call
 *
 * @attr room-id - The room to join. Default: `?roomId=` from the page URL, else a new room whose share link is shown.
 * @attr server - The Cignal server's URL. Default: the origin this script was loaded from, else the page's origin.
 * @attr peer-name - The name shown to the other person.
 * @attr peer-id - This person's id in the room. Default: random.
 * @attr peer-role - This person's role, passed to the other side (e.g. `host`).
 * @attr role - The same as `peer-role`, as in the SDK. Prefer `peer-role`: on an HTML element, `role` is also the ARIA role that assistive technology reads.
 * @attr audio - Send the microphone. On by default; `audio="false"` (or `off`, `no`, `0`) turns it off.
 * @attr video - Send the camera. On by default; `video="false"` (or `off`, `no`, `0`) turns it off.
 * @attr auto-call - Start the call by itself as soon as both people are in the room.
 * @attr state - Reflects the call state: `waiting`, `ready`, `calling`, `in-call`, `ended` or `error`. Read-only.
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
 * @fires {CustomEvent<NetworkStatus>} cignal-network-status - Every 2 s during a call: `{ quality, rttMs, packetLoss, jitterMs, outgoingBitrate, incomingBitrate, relayed, ... }`.
 *
 * @slot - Custom controls, placed after the built-in buttons.
 *
 * @csspart stage - The video area.
 * @csspart remote-video - The other person's video.
 * @csspart local-video - This person's own video (picture-in-picture, mirrored).
 * @csspart status - The sentence that says where the call stands (a polite live region).
 * @csspart error - The error message, with its retry button.
 * @csspart retry-button - Starts again after an error.
 * @csspart share-link - The room link and its copy button, shown while waiting alone.
 * @csspart copy-link-button - Copies the room link.
 * @csspart controls - The row of call buttons.
 * @csspart mic-button - Turns the microphone on and off (`aria-pressed`).
 * @csspart camera-button - Turns the camera on and off (`aria-pressed`).
 * @csspart call-button - Starts the call.
 * @csspart hangup-button - Ends the call.
 * @csspart message-form - The message box.
 * @csspart message-input - The message text field.
 * @csspart send-button - Sends the message.
 * @csspart messages - The list of messages, newest first.
 *
 * @cssprop --cignal-accent - Colour of the call button and focus rings.
 * @cssprop --cignal-danger - Colour of the hang-up button and errors.
 * @cssprop --cignal-background - Background of the element.
 * @cssprop --cignal-foreground - Text colour.
 * @cssprop --cignal-surface - Background of buttons, fields and the video area.
 * @cssprop --cignal-radius - Corner radius.
 * @cssprop --cignal-font - Font family.
 * @cssprop --cignal-height - Height of the video area (default: from its width, 16:9, 3:4 on narrow screens).
 */
export class CignalCall extends LitElement {
  static override styles = styles;

  static override properties = {
    roomId: { attribute: 'room-id' },
    server: {},
    peerName: { attribute: 'peer-name' },
    peerId: { attribute: 'peer-id' },
    peerRole: { attribute: 'peer-role' },
    role: {},
    audio: { converter: onUnlessOff },
    video: { converter: onUnlessOff },
    autoCall: { type: Boolean, attribute: 'auto-call' },
    labels: { attribute: false },
    state: { reflect: true },
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
  /** The same as `peerRole`; prefer `peer-role`, since `role` is also the element's ARIA role. */
  declare role: string | null;
  /** Whether to send the microphone. On by default; the attribute turns it off with `false`, `off`, `no` or `0`. */
  declare audio: boolean;
  /** Whether to send the camera. On by default; the attribute turns it off with `false`, `off`, `no` or `0`. */
  declare video: boolean;
  /** Whether to start the call by itself once both people are in the room. */
  declare autoCall: boolean;
  /** Texts to replace, e.g. `{ call: 'Appeler' }`; the rest stay English. */
  declare labels: Partial<CignalLabels>;
  /** Where the call stands, as reported by the SDK. Read-only. */
  declare state: CallState;

  /** Creates the SDK instance; replace it (before the element is added) to inject a fake in tests. */
  createRoom: CreateRoom = (options) => Cignal.createRoom(options);

  readonly #call = new CallController(this, () => ({
    createRoom: this.createRoom,
    options: this.#options(),
    autoCall: this.autoCall,
  }));

  constructor() {
    super();
    this.audio = true;
    this.video = true;
    this.autoCall = false;
    this.labels = {};
    this.state = 'waiting';
  }

  /** The SDK instance, or null while starting, after an error that prevented it, or once removed. */
  get cignal(): Cignal | null {
    return this.#call.cignal;
  }

  /** Starts the call (SDK `joinRoom`); waits for the room to be entered first. */
  async call(): Promise<Result> {
    const cignal = await this.#call.session;
    return cignal ? cignal.joinRoom() : { success: false };
  }

  /** Hangs up and leaves the room (SDK `leaveRoom`); `call()` enters it again. */
  async hangUp(): Promise<Result> {
    return this.cignal ? this.cignal.leaveRoom() : { success: false };
  }

  /** Sends data to the other person (SDK `inform`); strings also appear in their message list. */
  async inform(data: unknown): Promise<Result> {
    return this.cignal ? this.cignal.inform(data) : { success: false };
  }

  #options(): CreateRoomOptions {
    return {
      url: this.server || (scriptOrigin === 'null' ? location.origin : scriptOrigin),
      roomId: this.roomId || getUrlParam('roomId', undefined),
      peerId: this.peerId || undefined,
      peerName: this.peerName || undefined,
      role: this.peerRole || this.role || undefined,
      mediaConstraints: { audio: this.audio, video: this.video },
    };
  }

  override willUpdate(changed: PropertyValues<this>): void {
    if (changed.has('autoCall')) this.#call.autoCall();
  }

  override updated(): void {
    const video = (part: string) => this.renderRoot.querySelector<HTMLVideoElement & { sinkId?: string }>(`[part=${part}]`)!;
    // Streams are set here, only when they change: a .srcObject binding would set them on every
    // render (Lit sets object values each time), and setting srcObject again, even to the same
    // stream, restarts the video: a blink whenever anything updates.
    for (const [part, stream] of [['remote-video', this.#call.remote], ['local-video', this.#call.local]] as const) {
      if (video(part).srcObject !== stream) video(part).srcObject = stream;
    }
    // The speaker chosen with switchActiveDevice('audiooutput') plays the other person here too.
    const sink = this.cignal?.getActiveDevice('audiooutput');
    const remote = video('remote-video');
    if (sink && remote?.setSinkId && remote.sinkId !== sink) remote.setSinkId(sink).catch((error: unknown) => log.warn('could not use the chosen speaker: %o', error));
    // A button that turned off under the keyboard (Call once calling, Hang up once ended) hands
    // focus to the action that is now available, instead of dropping it on the page.
    if (this.renderRoot.querySelector('button:focus:disabled')) {
      this.renderRoot.querySelector<HTMLElement>('[part=hangup-button]:enabled,[part=call-button]:enabled,[part=retry-button]')?.focus();
    }
  }

  override render() {
    const call = this.#call;
    const cignal = call.cignal;
    const state = this.state;
    const custom = this.labels ?? {};
    const l: CignalLabels = { ...defaultLabels, ...custom, errors: { ...defaultLabels.errors, ...custom.errors } };
    const peer = cignal?.data.remoteDisplayName || l.peer;
    const active = state === 'calling' || state === 'in-call';
    const present = active || state === 'ready';
    const media = cignal && state !== 'ended' && state !== 'error' ? cignal.localMediaState : null;
    const toggle = (kind: 'audio' | 'video', part: string, label: string) =>
      html`<button part=${part} aria-pressed=${!!media?.[kind === 'audio' ? 'microphone' : 'camera']} ?disabled=${!media} @click=${() => call.toggle(kind)}>${label}</button>`;
    const error = call.error;
    const link = cignal?.shareLink;

    return html`
      <div part="stage">
        <video part="remote-video" aria-label=${peer} autoplay playsinline></video>
        <video part="local-video" aria-label=${l.you} .muted=${true} autoplay playsinline></video>
        <p part="status" role="status" aria-live="polite">
          ${(call.starting ? l.starting : call.reconnecting ? l.reconnecting : l[state]).replace('{name}', peer)} ${call.copied ? l.copied : ''}
        </p>
      </div>
      ${error
        ? html`<p part="error" role="alert">
            ${l.errors[error.code] ?? String(error.reason)}
            ${state === 'error' ? html`<button part="retry-button" @click=${() => call.retry()}>${l.retry}</button>` : nothing}
          </p>`
        : nothing}
      ${link && state === 'waiting'
        ? html`<p part="share-link">
            ${l.shareLink} <a href=${link}>${link}</a>
            <button part="copy-link-button" @click=${() => call.copyLink()}>${l.copyLink}</button>
          </p>`
        : nothing}
      <div part="controls">
        ${toggle('audio', 'mic-button', l.microphone)} ${toggle('video', 'camera-button', l.camera)}
        <button part="call-button" ?disabled=${!cignal || (state !== 'ready' && state !== 'ended')} @click=${() => this.call()}>
          ${l.call}
        </button>
        <button part="hangup-button" ?disabled=${!active} @click=${() => this.hangUp()}>${l.hangUp}</button>
        <slot></slot>
      </div>
      <form part="message-form" @submit=${this.#submit}>
        <input part="message-input" name="message" aria-label=${l.message} placeholder=${l.message} autocomplete="off" maxlength="500" ?disabled=${!present} />
        <button part="send-button" ?disabled=${!present}>${l.send}</button>
      </form>
      <ol part="messages" aria-label=${l.messages} aria-live="polite">
        ${call.messages.map((m) => html`<li><b>${m.own ? l.you : m.name || l.peer}:</b> ${m.text}</li>`)}
      </ol>
    `;
  }

  #submit = async (event: SubmitEvent) => {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    if (await this.#call.send(form.message.value)) form.reset();
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'cignal-call': CignalCall;
  }
}
