// The Cignal class: one person's presence in a two-person room and the calls made from it. A
// façade over parts with one job each: the signalling connection (SignalClient), this side's
// media (LocalMedia), the call and its peer connections (Call), and the messages the two SDKs
// exchange over the data channel or signalling (Messenger).
import { iceServersProblem, informDataProblem, toIceServers } from './protocol/checks.js';
import { ServerErrorCode } from './protocol/errors.js';
import { PROTOCOL_VERSION } from './protocol/events.js';
import type { AckResponse, DeclineReason, JoinedPayload, LeaveReason, PeerInfo } from './protocol/index.js';
import { Call } from './call.js';
import { outgoing, type Payload } from './data-channel.js';
import { Emitter } from './emitter.js';
import { CignalError, ClientErrorCode, errorDetail, invalid } from './errors.js';
import type { CallState, CignalEvents, Result } from './events.js';
import { canChooseSpeaker, deviceKinds, LocalMedia, mediaError, type DeviceKind, type MediaState } from './local-media.js';
import { Logger } from './logger.js';
import { Messenger } from './messenger.js';
import { resolveOptions, type CignalData, type CreateRoomOptions } from './options.js';
import { MAX_OUTAGE_MS, turnExpired } from './recovery.js';
import type { OutgoingSignal } from './peer-session.js';
import { SignalClient, type CignalSocket } from './signal-client.js';
import type { NetworkStatus } from './stats.js';
import { randomId } from './url.js';

export type { CallState, CignalEvents, Result } from './events.js';
export { cignalEventNames } from './events.js';
export type { CignalSocket } from './signal-client.js';
export type { CignalData, CreateRoomOptions } from './options.js';

const log = new Logger('Room');

const nothingOn = (): MediaState => ({ microphone: false, camera: false, screenShare: false });
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

  /** Whether calls can be made here: WebRTC in the browser, or a peer-connection factory given in the options. */
  #canCall(): boolean {
    return !!this.#options.createPeerConnection || Cignal.isSupported();
  }

  /** The cameras, microphones and speakers of this device (names only once media access was granted). */
  static async getLocalDevices(kind?: DeviceKind): Promise<MediaDeviceInfo[]> {
    if (kind !== undefined) checkKind(kind);
    const devices = (await globalThis.navigator?.mediaDevices?.enumerateDevices?.()) ?? [];
    return kind ? devices.filter((device) => device.kind === kind) : devices;
  }

  readonly #roomId: string;
  readonly #url: string;
  readonly #options: CreateRoomOptions;
  readonly #timeoutMs: number;
  readonly #data: CignalData;
  readonly #media: LocalMedia;
  readonly #messenger: Messenger;
  #state: CallState = 'waiting';
  #closed = false;
  #signal: SignalClient | null = null;
  /** The secret of this peer id's seat, as the server last gave it; sent with every join. */
  #seatSecret: string | null = null;
  #serverIceServers: RTCIceServer[] = [];
  #ownIceServers: RTCIceServer[] | null = null;
  #call: Call | null = null;
  #code: string | null = null;
  #localMedia: MediaState | null = null;
  #remoteMedia: MediaState = nothingOn();
  /** Set while waiting, after a server restart, for the partner to come back. */
  #partnerWait: ReturnType<typeof setTimeout> | undefined;
  /** Counts presences: work begun for one that has ended since (leaveRoom during a join) is dropped. */
  #presence = 0;
  readonly #onPageHide = () => void this.leaveRoom();
  /** The device is back on a network (the server connection may be dead without knowing it). */
  readonly #onOnline = () => {
    this.#signal?.reconnect();
    this.#call?.online();
  };
  readonly #onOffline = () => this.#call?.offline();

  /**
   * The device came back online or moved to another network: the server connection is made
   * afresh first, so that the call's ICE restart goes out on it after the rejoin.
   */
  #networkChanged() {
    this.#signal?.reconnect();
    this.#call?.networkChanged();
  }

  private constructor(options: CreateRoomOptions) {
    super();
    const resolved = resolveOptions(options);
    this.#options = options;
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
        this.#call?.replaceTrack(kind, track).catch((error) => this.#fail('clientError', new CignalError(ClientErrorCode.NegotiationFailed, 'Could not send the new track', { cause: error }))),
      onStateChange: () => this.#mediaChanged(),
      onActiveDevice: (change) => this.emit('activeDeviceChanged', change),
      onDevices: (devices) => this.emit('devicesChanged', devices),
      onError: (error) => this.#fail('clientError', error),
    });
    this.#messenger = new Messenger({
      signal: () => this.#signal,
      maxWaitMs: this.#options.recovery?.maxOutageMs ?? MAX_OUTAGE_MS,
      onInformation: (data) => this.emit('information', data),
      onMediaState: (state) => {
        this.#remoteMedia = state;
        this.emit('remoteMediaChanged', { ...state });
      },
      onData: (data) => this.emit('dataReceived', data),
      fail: (event, error) => this.#fail(event, error),
    });
  }

  /**
   * The secret of this person's seat in the room, from the server; null before joining. Taking the
   * seat again while it is held (a reload, another tab) needs it: keep it where a reload finds it
   * (e.g. sessionStorage) and pass it back as the `seatSecret` option. Never show it to the other person.
   */
  get seatSecret(): string | null {
    return this.#seatSecret;
  }
  /** The room id. */
  get id(): string {
    return this.#roomId;
  }
  /** The current call's peer connection, or null between calls. */
  get pc(): RTCPeerConnection | null {
    return this.#call?.pc ?? null;
  }
  /** True once a call has ended (until the next one starts). */
  get closed(): boolean {
    return this.#closed;
  }
  get socket(): CignalSocket | null {
    return this.#signal?.socket ?? null;
  }
  get localMedia(): MediaStream | null {
    return this.#media.stream;
  }
  /** The stream carrying the other person's audio and video during a call. */
  get remoteMedia(): MediaStream | null {
    return this.#call?.remoteStream ?? null;
  }
  /** What this side sends: microphone, camera, screen share. */
  get localMediaState(): MediaState {
    return this.#media.state;
  }
  /** What the other person sends, as they last said; all off when nobody is there. */
  get remoteMediaState(): MediaState {
    return { ...this.#remoteMedia };
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
    if (!this.#canCall()) {
      this.#fail('clientError', unsupported());
      return { success: false };
    }
    if (!this.#data.remotePeerId) {
      this.#fail('clientError', new CignalError(ServerErrorCode.NoPeer, 'Nobody else is in the room yet; share the link and wait for them to join'));
      return { success: false };
    }
    if (!this.#call && !this.#beginCall(true)) return { success: false };
    return { success: true };
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
    return { success: await this.#messenger.inform(data) };
  }

  /**
   * Sends a string or binary data (up to 64 MiB) over the call's data channel (`dataReceived` on
   * their side); resolves once they have all of it. Called while the call is being set up, it
   * waits (up to `timeoutMs`) for the channel to open.
   */
  async sendData(payload: Payload): Promise<Result> {
    const data = outgoing(payload);
    if (typeof data === 'string') invalid(data);
    if (this.#call) await this.#messenger.whenOpen(this.#timeoutMs);
    return { success: await this.#messenger.sendData(data as Exclude<typeof data, string>) };
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
    if (kind === 'audiooutput' && canChooseSpeaker()) this.#applySpeaker(deviceId);
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

  /** The call's network status now; null when there is no connected call. */
  async getNetworkStatus(): Promise<NetworkStatus | null> {
    return (await this.#call?.networkStatus()) ?? null;
  }

  /**
   * The call's verification code, "1234 5678": both people see the same one unless someone in
   * the signalling path substituted the browsers' keys. Null while no connection is negotiated.
   */
  getVerificationCode(): string | null {
    return this.#code;
  }

  /** Restarts ICE (new network paths) within the same call; resolves once it is connected again. */
  async restartIce(): Promise<Result> {
    const call = this.#call;
    if (!call) return this.#notConnected('There is no call to restart');
    const outcome = await call.restartIce(this.#timeoutMs);
    // A call that was rebuilt or ended meanwhile has not failed to restart: it moved on.
    if (outcome === false && this.#call === call) this.#fail('clientError', new CignalError(ClientErrorCode.ConnectionFailed, 'ICE could not be restarted'));
    return { success: outcome === true };
  }

  /**
   * Sets the ICE servers (STUN/TURN) for this client's calls; the server's list is used otherwise.
   * Nobody else's configuration changes.
   */
  async setICEServers(iceServers: RTCIceServer[]): Promise<Result> {
    const problem = iceServersProblem(iceServers);
    if (problem) invalid(problem);
    this.#ownIceServers = toIceServers(iceServers);
    const pc = this.pc;
    pc?.setConfiguration({ ...pc.getConfiguration(), iceServers: this.#ownIceServers });
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

  // --- entering the room -------------------------------------------------------------------

  /** Gets media and joins; false (with an error event) when either fails or the presence was given up meanwhile. */
  async #enter(): Promise<boolean> {
    const presence = ++this.#presence;
    this.#setState('waiting');
    // Without WebRTC no call can be made: the camera is not opened for nothing, and the person is
    // told at once (and the other person when they call).
    if (!this.#canCall()) {
      this.#fail('clientError', unsupported());
      this.#listen();
      return this.#connect();
    }
    const before = this.#media.stream;
    let stream: MediaStream;
    try {
      stream = await this.#media.acquire();
    } catch (error) {
      if (presence !== this.#presence) return false;
      this.#fail('clientError', mediaError(error));
      this.#setState('error');
      return false;
    }
    if (presence !== this.#presence) {
      this.#media.release(); // left while the camera was opening: do not leave it on
      return false;
    }
    if (stream !== before) this.emit('localStream', stream);
    this.#mediaChanged();
    this.#listen();
    return this.#connect();
  }

  /** The page's events a presence follows (removed in `#release`). */
  #listen() {
    globalThis.addEventListener?.('pagehide', this.#onPageHide);
    globalThis.addEventListener?.('online', this.#onOnline);
    globalThis.addEventListener?.('offline', this.#onOffline);
  }

  #connect(): Promise<boolean> {
    const remote = (from: string) => from === this.#data.remotePeerId;
    const seatSecret = this.#seatSecret ?? this.#options.seatSecret;
    const signal: SignalClient = new SignalClient(
      {
        url: this.#url,
        auth: {
          roomId: this.#roomId,
          peerId: this.#data.myPeerId,
          session: randomId(12),
          protocol: PROTOCOL_VERSION,
          displayName: this.#data.myDisplayName,
          ...(this.#data.myRole ? { role: this.#data.myRole } : {}),
          ...(this.#options.token ? { token: this.#options.token } : {}),
          ...(seatSecret ? { seatSecret } : {}),
        },
        timeoutMs: this.#timeoutMs,
        // Twice the call's bound: a call given up on (connection-lost) leaves its person in the
        // room, free to call again, as long as the server can be reached.
        maxOutageMs: 2 * (this.#options.recovery?.maxOutageMs ?? MAX_OUTAGE_MS),
        createSocket: this.#options.createSocket,
        logger: log,
      },
      {
        joined: (payload, afterDrop) => {
          this.#onJoined(payload);
          if (afterDrop) {
            this.#messenger.resume();
            this.emit('reconnected');
          }
        },
        refused: (error) => {
          this.#fail('serverError', error);
          this.#release('error');
        },
        ended: () => this.#state !== 'ended' && this.#release('ended'),
        dropped: (reason) => this.emit('reconnecting', { reason }),
        replaced: (message) => this.#fail('serverError', new CignalError(ClientErrorCode.Replaced, message)),
        // A resume can announce the same partner twice: in `joined` and in what was kept for us;
        // after a server restart, the partner we waited for comes back this way.
        peerJoined: (peer) => {
          if (peer.peerId !== this.#data.remotePeerId) return this.#peerArrived(peer);
          this.#stopWaitingForPartner();
        },
        peerLeft: ({ peerId, reason }) => remote(peerId) && this.#peerGone(reason),
        offer: ({ from, description, connection, to }) => void this.#onOffer(from, description, connection, to),
        answer: ({ from, description, connection, to }) => remote(from) && void this.#call?.handleDescription(description, connection, to),
        candidate: ({ from, candidate, connection, to }) => remote(from) && void this.#call?.handleCandidate(candidate, connection, to),
        restartIce: ({ from, connection, to, ufrag }) => remote(from) && this.#call?.handleRestartRequest(connection, to, ufrag),
        decline: ({ from, reason, to }) => remote(from) && this.#onDecline(reason, to),
        information: ({ from, data, id }) => remote(from) && this.#messenger.receiveInformation(data, id),
        mediaState: ({ from, ...state }) => remote(from) && this.#messenger.receiveMediaState(state),
      },
    );
    this.#signal = signal;
    return signal.connect();
  }

  /** Every (re)connection: learn who we are and who else is here, and reconcile. */
  #onJoined(joined: JoinedPayload) {
    if (typeof joined.seatSecret === 'string') this.#seatSecret = joined.seatSecret;
    const current = this.#data.remotePeerId;
    const call = this.#call;
    this.#serverIceServers = joined.iceServers;
    // Every join brings fresh TURN credentials: the call's next ICE restart uses them.
    const pc = call?.pc;
    if (pc && pc.signalingState !== 'closed' && !this.#ownIceServers) pc.setConfiguration({ ...pc.getConfiguration(), iceServers: joined.iceServers });
    this.#data.myDisplayName = joined.displayName;
    this.#data.myRole = joined.role;
    if (current && !joined.peer && !joined.resumed) {
      // A server without our seat and without our partner: most likely it restarted and lost its
      // rooms, while the call goes on between the two browsers. The partner is waited for (it is
      // reconnecting too) for as long as a seat would be held, before they count as gone.
      log.debug('back in the room without the other person; waiting %d ms for them', joined.graceMs);
      this.#stopWaitingForPartner();
      this.#partnerWait = setTimeout(() => this.#peerGone('dropped'), joined.graceMs ?? 10_000);
      call?.resume();
      return;
    }
    this.#stopWaitingForPartner();
    if (current && joined.peer?.peerId !== current) this.#peerGone('left');
    if (joined.peer && joined.peer.peerId !== this.#data.remotePeerId) this.#peerArrived(joined.peer);
    else if (joined.peer) this.#messenger.announce(); // back with the same partner: make sure they know our state
    if (!joined.peer && !this.#call) this.#setState('waiting');
    // From here on, only a call that goes on with the same partner.
    if (!call || this.#call !== call || joined.peer?.peerId !== current) return;
    if (joined.resumed || call.pc.connectionState === 'connected') return call.resume();
    // Our seat expired while we were away, so the partner was told we left and ended its side of
    // the call: this one cannot come back. A new call with the same person starts now.
    log.debug('the seat was lost while away; starting a new call');
    this.#endCall();
    this.#beginCall(true);
  }

  #stopWaitingForPartner() {
    clearTimeout(this.#partnerWait);
    this.#partnerWait = undefined;
  }

  #peerArrived(peer: PeerInfo) {
    this.#setRemote(peer);
    this.emit('peerJoined', peer.displayName);
    this.#messenger.announce();
    if (!this.#call) this.#setState('ready');
  }

  #peerGone(reason: LeaveReason) {
    this.#stopWaitingForPartner();
    const peerId = this.#data.remotePeerId;
    if (!peerId) return;
    this.#messenger.close(new CignalError(ServerErrorCode.NoPeer, 'The other person left before receiving everything that was sent'));
    this.#endCall();
    this.#setRemote(null);
    this.emit('peerHangUp', { peerId, reason });
    if (this.#state !== 'ended' && this.#state !== 'error') this.#setState('waiting');
  }

  #setRemote(peer: PeerInfo | null) {
    this.#data.remotePeerId = peer?.peerId ?? null;
    this.#data.remoteDisplayName = peer?.displayName ?? null;
    this.#data.remoteRole = peer?.role ?? null;
    this.#messenger.resetPartner();
    const before = this.#remoteMedia;
    this.#remoteMedia = nothingOn();
    if (before.microphone || before.camera || before.screenShare) this.emit('remoteMediaChanged', nothingOn());
  }

  // --- the call ------------------------------------------------------------------------------

  async #onOffer(from: string, description: RTCSessionDescriptionInit, connection: string, to?: string) {
    if (from !== this.#data.remotePeerId || this.#state === 'ended' || this.#state === 'error') return;
    if (!this.#canCall()) {
      this.#fail('clientError', new CignalError(ClientErrorCode.Unsupported, `${this.#data.remoteDisplayName ?? 'The other person'} is calling, but this browser cannot make video calls`));
      void this.#signal?.request('decline', { reason: 'unsupported', to: connection });
      return;
    }
    let call = this.#call;
    if (!call) {
      // A renegotiation for a call that has ended here starts nothing.
      if (to) return log.debug('dropped an offer for a call that has ended');
      call = this.#beginCall(false);
      if (!call) return;
      this.emit('offerReceived');
    }
    await call.handleDescription(description, connection, to);
  }

  /** The other person's browser cannot take the call we offered. */
  #onDecline(reason: DeclineReason, to?: string) {
    const call = this.#call;
    if (!call || (to && call.session.id !== to)) return;
    log.debug('the call was declined: %s', reason);
    this.#callFailed(new CignalError(ClientErrorCode.PeerUnsupported, `${this.#data.remoteDisplayName ?? 'The other person'}'s browser cannot make video calls`));
  }

  /** Starts a call; null (with `relay-unavailable`) when it is to be relay-only and there is no TURN server to relay it. */
  #beginCall(initiator: boolean): Call | null {
    const { iceTransportPolicy } = this.#options;
    const iceServers = () => this.#ownIceServers ?? this.#serverIceServers;
    // `urls` is a URL or a list of them: as a string, a list is joined with commas.
    if (iceTransportPolicy === 'relay' && !iceServers().some(({ urls }) => /(^|,)turns?:/.test(String(urls)))) {
      this.#fail('clientError', new CignalError(ClientErrorCode.RelayUnavailable, 'Relay-only calls need a TURN server; this server offers none'));
      return null;
    }
    this.#closed = false;
    const call: Call = new Call(
      {
        // Both sides agree without asking anyone: the larger peer id yields on collision.
        polite: this.#data.myPeerId > (this.#data.remotePeerId ?? ''),
        iceServers,
        iceTransportPolicy,
        media: this.#media,
        messenger: this.#messenger,
        logger: log,
        createPeerConnection: this.#options.createPeerConnection,
        send: (signal, connection) => this.#sendSignal(call, signal, connection),
        canSignal: () => this.#readyToRestart(),
        remoteSends: () => this.#remoteMedia.microphone || this.#remoteMedia.camera || this.#remoteMedia.screenShare,
        recovery: this.#options.recovery,
        onRemoteStream: (stream) => this.emit('remoteStream', stream),
        onConnected: () => this.#callStateChanged(call),
        onNetworkChange: () => this.#call === call && this.#networkChanged(),
        onMediaFlowing: () => this.#callStateChanged(call),
        onReconnecting: () => {
          if (this.#call !== call) return;
          this.#callStateChanged(call);
          // The path the call lost may have taken the server connection with it, without it
          // knowing yet (a moved address, a dead TCP connection): a fresh one carries the restart.
          this.#signal?.reconnect();
        },
        onFailed: (error) => this.#call === call && this.#callFailed(error),
        onError: (error) => this.#fail('clientError', error),
        onNetworkStatus: (status) => this.#call === call && this.emit('networkStatus', status),
        onVerificationCode: (code) => this.#call === call && this.#setCode(code),
      },
      initiator,
    );
    this.#call = call;
    this.#setState('calling');
    return call;
  }

  /**
   * The state says whether the other person can be seen and heard: `in-call` once the connection
   * is up and while media arrives, `reconnecting` from a loss of media (whether or not ICE has
   * noticed yet) until it arrives again on a connected path. An ICE restart while media still
   * flows changes nothing the user sees.
   */
  #callStateChanged(call: Call) {
    if (this.#call !== call) return;
    // Back from `reconnecting` as soon as media arrives: Firefox's connection state can lag seconds behind.
    const connection = call.pc.connectionState;
    const live = call.flowing && (connection === 'connected' || (this.#state === 'reconnecting' && connection === 'disconnected'));
    if (live && (this.#state === 'calling' || this.#state === 'reconnecting')) this.#setState('in-call');
    else if (!call.flowing && this.#state === 'in-call') this.#setState('reconnecting');
  }

  /**
   * Whether an ICE restart can go ahead: the server connection is up, and the TURN credentials
   * have not expired (coturn checks them only when a relay is allocated, and a long call outlives
   * them). Expired ones are renewed by a rejoin, whose `joined` brings fresh ones and then makes
   * the restart.
   */
  #readyToRestart(): boolean {
    const signal = this.#signal;
    if (!signal?.connected) return false;
    if (this.#ownIceServers || !turnExpired(this.#serverIceServers, Date.now())) return true;
    log.debug('the TURN credentials have expired; renewing them before the ICE restart');
    signal.reconnect();
    return false;
  }

  #sendSignal(call: Call, signal: OutgoingSignal, connection: string) {
    const client = this.#signal;
    if (!client) return;
    const to = signal.to ? { to: signal.to } : {};
    // Signals are acknowledged so that a refusal (rate limit, size) is reported, once per call.
    // `no-peer` is not a failure here: the other side left while we were still sending.
    const onAck = (response: AckResponse | null) => {
      if (call !== this.#call || call.signalRefused) return;
      if (!response) return log.warn('no acknowledgement for a %s signal', signal.kind);
      if (!response.ok && response.error.code !== ServerErrorCode.NoPeer) {
        call.signalRefused = true;
        const what = { offer: 'an offer', answer: 'an answer', candidate: 'a network candidate', restartIce: 'a request for an ICE restart' }[signal.kind];
        this.#fail('serverError', new CignalError(response.error.code, `The server refused ${what}: ${response.error.message}`));
      }
    };
    const sent =
      signal.kind === 'candidate' ? client.request('candidate', { candidate: signal.candidate as never, connection, ...to })
      : signal.kind === 'restartIce' ? client.request('restartIce', { connection, ...to, ...(signal.ufrag ? { ufrag: signal.ufrag } : {}) })
      : client.request(signal.kind, { description: signal.description as never, connection, ...to });
    sent.then(onAck, () => onAck(null));
  }

  /** Ends a call that cannot be made to work, once; the room stays, so calling again is possible. */
  #callFailed(error: CignalError) {
    this.#endCall();
    this.#setState(this.#data.remotePeerId ? 'ready' : 'waiting');
    // After the state: a page (the element) that shows errors until the state moves on shows this one.
    this.#fail('clientError', error);
  }

  #endCall() {
    if (!this.#call) return;
    this.#call.close();
    this.#call = null;
    this.#closed = true;
    this.#setCode(null);
  }

  #setCode(code: string | null) {
    if (code === this.#code) return;
    this.#code = code;
    this.emit('verificationCode', { code });
  }

  /** Gives up this presence: call, socket, camera and microphone, page listener. */
  #release(state: 'ended' | 'error') {
    this.#presence++;
    this.#stopWaitingForPartner();
    // First, so that closing the call's channel sends nothing it had pending through the server.
    this.#messenger.close();
    this.#endCall();
    globalThis.removeEventListener?.('pagehide', this.#onPageHide);
    globalThis.removeEventListener?.('online', this.#onOnline);
    globalThis.removeEventListener?.('offline', this.#onOffline);
    this.#signal?.close();
    this.#media.release();
    this.#localMedia = null;
    this.#setRemote(null);
    this.#setState(state);
  }

  // --- media ---------------------------------------------------------------------------------

  async #changeMedia(method: string, enabled: unknown, change: (on: boolean) => Promise<void>): Promise<Result> {
    if (typeof enabled !== 'boolean') invalid(`${method} expects true or false`);
    if (this.#state === 'ended' || this.#state === 'error') return this.#notConnected('Not in the room');
    const presence = this.#presence;
    try {
      await change(enabled as boolean);
      return { success: true };
    } catch (error) {
      // Left while the device was opening: nothing to report, the device is closed again.
      if (presence === this.#presence) this.#fail('clientError', mediaError(error));
      return { success: false };
    } finally {
      if (presence === this.#presence) this.#mediaChanged();
    }
  }

  /** Tells the page and the other side when what this side sends has changed. */
  #mediaChanged() {
    const state = this.#media.state;
    const before = this.#localMedia;
    if (before && before.microphone === state.microphone && before.camera === state.camera && before.screenShare === state.screenShare) return;
    this.#localMedia = state;
    this.#messenger.sendMediaState(state);
    this.emit('localMediaChanged', { ...state });
  }

  /** Plays the other person through `deviceId` on the page's elements that show them. */
  #applySpeaker(deviceId: string) {
    const remote = this.remoteMedia;
    for (const element of globalThis.document?.querySelectorAll<HTMLMediaElement>('audio, video') ?? []) {
      if (remote && element.srcObject === remote) void element.setSinkId?.(deviceId).catch((error: unknown) => log.warn('setSinkId: %o', error));
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
    this.emit('stateChange', { state: next, previous });
  }
}
