// The Cignal class: one person's presence in a two-person room, and the calls made from it.
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
// Only dependency-free parts of the protocol: the validation library stays on the server.
import { displayNameFor, iceServersProblem, idProblem, informDataProblem, toIceServers } from './protocol/checks.js';
import { ServerErrorCode, isWireError } from './protocol/errors.js';
import { PROTOCOL_VERSION } from './protocol/events.js';
import type {
  AckResponse,
  ClientToServerEvents,
  JoinedPayload,
  JoinRequest,
  LeaveReason,
  PeerInfo,
  ServerToClientEvents,
} from './protocol/index.js';
import { Emitter } from './emitter.js';
import { CignalError, ClientErrorCode, type ErrorDetail } from './errors.js';
import { Logger } from './logger.js';
import { PeerSession, type OutgoingSignal } from './peer-session.js';
import { randomId, socketTarget } from './url.js';

export type CignalSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** Where the call stands, as a person would describe it. */
export type CallState =
  /** In the room (or getting there), alone. */
  | 'waiting'
  /** The other person is in the room; nobody has called yet. */
  | 'ready'
  /** A call is being set up. */
  | 'calling'
  /** Media is flowing between the two. */
  | 'in-call'
  /** This side left the room. */
  | 'ended'
  /** Something stopped this side from taking part (refused, no camera, server unreachable). */
  | 'error';

export interface CreateRoomOptions {
  /** The Cignal server's base URL. Default: the page's origin. */
  url?: string;
  /** This person's id in the room. Default: a random id. */
  peerId?: string;
  /** The room to join. Default: a new random room id (128 bits). */
  roomId?: string | number;
  /** Shown to the other person. Default: `role`, else "Peer". */
  peerName?: string;
  role?: string;
  /** getUserMedia constraints. Default `{ audio: true, video: true }`. */
  mediaConstraints?: MediaStreamConstraints;
  /** How long to wait for the server to answer a request. Default 10 000 ms. */
  timeoutMs?: number;
  /** Collaborators, for tests and unusual environments. */
  createSocket?: (origin: string, options: Partial<ManagerOptions & SocketOptions>) => CignalSocket;
  createPeerConnection?: (config: RTCConfiguration) => RTCPeerConnection;
  getUserMedia?: (constraints: MediaStreamConstraints) => Promise<MediaStream>;
}

export interface CignalData {
  myPeerId: string;
  myDisplayName: string;
  myRole: string | null;
  remotePeerId: string | null;
  remoteDisplayName: string | null;
  remoteRole: string | null;
}

/** Every event and the arguments its listeners receive. */
export interface CignalEvents {
  [event: string]: unknown[];
  localStream: [stream: MediaStream];
  /** Once per call, with one stream that carries the remote audio and video. */
  remoteStream: [stream: MediaStream];
  /** The other person entered the room; their display name. */
  peerJoined: [displayName: string];
  /** The other person started a call with us. */
  offerReceived: [];
  /** The other person hung up, left, or dropped for good. */
  peerHangUp: [detail: { peerId: string; reason: LeaveReason }];
  /** What the other person sent with `inform`. */
  information: [data: unknown];
  clientError: [detail: ErrorDetail];
  serverError: [detail: ErrorDetail];
  stateChange: [detail: { state: CallState; previous: CallState }];
  /** The connection to the server dropped and is being restored; the call's media goes on. */
  reconnecting: [detail: { reason: string }];
  /** The connection to the server is back, in the same room as the same person. */
  reconnected: [];
}

/** Every event name, in the order a call usually produces them. */
export const cignalEventNames = [
  'localStream',
  'remoteStream',
  'peerJoined',
  'offerReceived',
  'peerHangUp',
  'information',
  'clientError',
  'serverError',
  'stateChange',
  'reconnecting',
  'reconnected',
] as const satisfies readonly (keyof CignalEvents)[];

// Fails to compile when an event is added to CignalEvents but not to the list above.
type NamedEvent = keyof { [K in keyof CignalEvents as string extends K ? never : K]: 0 };
type MustBeEmpty<T extends never> = T;
export type EveryEventListed = MustBeEmpty<Exclude<NamedEvent, (typeof cignalEventNames)[number]>>;

export interface Result {
  success: boolean;
}

const log = new Logger('Room');
const MAX_REBUILDS = 3;

/** One call, from its start until it ends; it outlives the peer connections rebuilt within it. */
interface Call {
  session: PeerSession;
  /** One stream for the whole call: a rebuilt connection's tracks are swapped into it. */
  remoteStream: MediaStream;
  announced: boolean;
  rebuilds: number;
  failedOnce: boolean;
  signalRefused: boolean;
}

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

  readonly #roomId: string;
  readonly #url: string;
  readonly #options: CreateRoomOptions;
  readonly #timeoutMs: number;
  readonly #data: CignalData;
  #state: CallState = 'waiting';
  #closed = false;
  #socket: CignalSocket | null = null;
  #localStream: MediaStream | null = null;
  #serverIceServers: RTCIceServer[] = [];
  #ownIceServers: RTCIceServer[] | null = null;
  #call: Call | null = null;
  /** Between a dropped connection and its return. */
  #reconnecting = false;
  readonly #onPageHide = () => void this.leaveRoom();

  private constructor(options: CreateRoomOptions) {
    super();
    const fail = (message: string): never => {
      throw new CignalError(ClientErrorCode.InvalidArgument, message);
    };
    if (typeof options !== 'object' || options === null) fail('createRoom expects an options object');
    const roomId = options.roomId === undefined || options.roomId === null || options.roomId === '' ? randomId() : String(options.roomId);
    const peerId = options.peerId === undefined || options.peerId === null || options.peerId === '' ? randomId(12) : options.peerId;
    const idError = idProblem('roomId', roomId) ?? idProblem('peerId', peerId);
    if (idError) fail(idError);
    if (options.peerName !== undefined && typeof options.peerName !== 'string') fail('peerName must be a string');
    if (options.role !== undefined && options.role !== null && typeof options.role !== 'string') fail('role must be a string');
    let url = options.url ?? `${globalThis.location?.origin}/`;
    try {
      url = new URL(url, globalThis.location?.href).href;
    } catch {
      fail(`url is not a valid URL: ${String(options.url)}`);
    }
    this.#options = options;
    this.#roomId = roomId;
    this.#url = url;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    const role = options.role || null;
    this.#data = {
      myPeerId: peerId,
      myDisplayName: displayNameFor(options.peerName, role),
      myRole: role,
      remotePeerId: null,
      remoteDisplayName: null,
      remoteRole: null,
    };
  }

  /** The room id. */
  get id(): string {
    return this.#roomId;
  }
  /** The current call's peer connection, or null between calls. */
  get pc(): RTCPeerConnection | null {
    return this.#call?.session.pc ?? null;
  }
  /** True once a call has ended (until the next one starts). */
  get closed(): boolean {
    return this.#closed;
  }
  get socket(): CignalSocket | null {
    return this.#socket;
  }
  get localMedia(): MediaStream | null {
    return this.#localStream;
  }
  /** The stream carrying the other person's audio and video during a call. */
  get remoteMedia(): MediaStream | null {
    return this.#call?.remoteStream ?? null;
  }
  get data(): CignalData {
    return this.#data;
  }
  set data(_value: CignalData) {
    throw new CignalError(ClientErrorCode.InvalidArgument, 'Setting the whole data object is not possible; set its fields');
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
    if (!this.#data.remotePeerId) {
      this.#fail('clientError', new CignalError(ServerErrorCode.NoPeer, 'Nobody else is in the room yet; share the link and wait for them to join'));
      return { success: false };
    }
    if (!this.#call) this.#beginCall(true);
    return { success: true };
  }

  /** Hangs up and leaves the room at once; the other side gets `peerHangUp`. */
  async leaveRoom(): Promise<Result> {
    if (this.#state !== 'ended') this.#release('ended');
    return { success: true };
  }

  /** Sends any JSON-serialisable data to the other person (`information` on their side). */
  async inform(data: unknown): Promise<Result> {
    const problem = informDataProblem(data);
    if (problem) throw new CignalError(ClientErrorCode.InvalidArgument, problem);
    if (!this.#socket?.connected) {
      this.#fail('clientError', new CignalError(ClientErrorCode.NotConnected, 'Not connected to the room'));
      return { success: false };
    }
    if (!this.#data.remotePeerId) {
      this.#fail('clientError', new CignalError(ServerErrorCode.NoPeer, 'Nobody else is in the room to inform'));
      return { success: false };
    }
    return { success: await this.#request(() => this.#socket!.timeout(this.#timeoutMs).emitWithAck('inform', { data })) };
  }

  /**
   * Sets the ICE servers (STUN/TURN) for this client's calls; the server's list is used otherwise.
   * Nobody else's configuration changes.
   */
  async setICEServers(iceServers: RTCIceServer[]): Promise<Result> {
    const problem = iceServersProblem(iceServers);
    if (problem) throw new CignalError(ClientErrorCode.InvalidArgument, problem);
    this.#ownIceServers = toIceServers(iceServers);
    const pc = this.#call?.session.pc;
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

  /** Gets media and joins; false (with an error event) when either fails. */
  async #enter(): Promise<boolean> {
    this.#setState('waiting');
    if (!(await this.#acquireMedia())) return false;
    globalThis.addEventListener?.('pagehide', this.#onPageHide);
    return this.#connect();
  }

  async #acquireMedia(): Promise<boolean> {
    if (this.#localStream?.getTracks().some((track) => track.readyState === 'live')) return true;
    const constraints = this.#options.mediaConstraints ?? { audio: true, video: true };
    const getUserMedia =
      this.#options.getUserMedia ??
      (typeof navigator !== 'undefined' && navigator.mediaDevices && 'getUserMedia' in navigator.mediaDevices
        ? (c: MediaStreamConstraints) => navigator.mediaDevices.getUserMedia(c)
        : null);
    if (!getUserMedia) {
      this.#fail('clientError', new CignalError(ClientErrorCode.MediaUnavailable, 'This browser cannot use a camera here; the page must be served over HTTPS or from localhost'));
      this.#setState('error');
      return false;
    }
    try {
      this.#localStream = await getUserMedia(constraints);
    } catch (error) {
      const denied = (error as Error)?.name === 'NotAllowedError' || (error as Error)?.name === 'SecurityError';
      this.#fail(
        'clientError',
        denied
          ? new CignalError(ClientErrorCode.MediaDenied, 'Camera or microphone access was denied', { cause: error })
          : new CignalError(ClientErrorCode.MediaUnavailable, 'No usable camera or microphone was found', { cause: error }),
      );
      this.#setState('error');
      return false;
    }
    this.emit('localStream', this.#localStream);
    return true;
  }

  #connect(): Promise<boolean> {
    const { origin, path } = socketTarget(this.#url);
    const auth: JoinRequest = {
      roomId: this.#roomId,
      peerId: this.#data.myPeerId,
      session: randomId(12),
      protocol: PROTOCOL_VERSION,
      displayName: this.#data.myDisplayName,
      ...(this.#data.myRole ? { role: this.#data.myRole } : {}),
    };
    const options: Partial<ManagerOptions & SocketOptions> = {
      path,
      auth,
      // WebSocket first; polling when a proxy or firewall blocks WebSockets.
      transports: ['websocket', 'polling'],
      tryAllTransports: true,
      timeout: this.#timeoutMs,
      reconnectionDelayMax: 5_000,
      forceNew: true,
    };
    const socket = this.#options.createSocket?.(origin, options) ?? (io(origin, options) as CignalSocket);
    this.#socket = socket;

    return new Promise<boolean>((resolve) => {
      let settled = false;
      const settle = (ok: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(giveUp);
        resolve(ok);
      };
      const unreachable = (cause?: unknown) => {
        this.#fail('serverError', new CignalError(ClientErrorCode.ServerUnreachable, `Could not reach the Cignal server at ${origin}`, { cause }));
        this.#release('error');
        settle(false);
      };
      const giveUp = setTimeout(() => unreachable(), this.#timeoutMs);

      socket.on('connect_error', (error: Error & { data?: unknown }) => {
        if (isWireError(error.data)) {
          // The server refused the join (room full, bad id, not authorised), at first or on a
          // reconnect after the seat was lost: final, no retry; joinRoom() tries again.
          this.#fail('serverError', new CignalError(error.data.code, error.data.message));
          this.#release('error');
          settle(false);
        } else if (!settled) {
          log.debug('connect attempt failed: %s', error.message);
        }
      });
      socket.on('joined', (payload) => {
        this.#onJoined(payload);
        settle(true);
        if (this.#reconnecting) {
          this.#reconnecting = false;
          this.emit('reconnected');
        }
      });
      socket.on('disconnect', (reason) => {
        log.debug('socket disconnected: %s', reason);
        // The server ended this connection (another page took the seat): nothing resumes it.
        if (reason === 'io server disconnect' && this.#state !== 'ended') this.#release('ended');
        // socket.io retries by itself after a drop (not after a goodbye from either side).
        else if (socket.active && settled && !this.#reconnecting) {
          this.#reconnecting = true;
          this.emit('reconnecting', { reason });
        }
      });
      socket.on('replaced', ({ message }) => this.#fail('serverError', new CignalError(ClientErrorCode.Replaced, message)));
      socket.on('peerJoined', (peer) => {
        // A resume can announce the same partner twice: in `joined` and in what was kept for us.
        if (peer.peerId !== this.#data.remotePeerId) this.#peerArrived(peer);
      });
      socket.on('peerLeft', ({ peerId, reason }) => {
        if (peerId === this.#data.remotePeerId) this.#peerGone(reason);
      });
      socket.on('offer', ({ from, description, connection }) => void this.#onOffer(from, description, connection));
      socket.on('answer', ({ from, description, connection }) => {
        if (from === this.#data.remotePeerId) void this.#call?.session.handleDescription(description, connection);
      });
      socket.on('candidate', ({ from, candidate, connection }) => {
        if (from === this.#data.remotePeerId) void this.#call?.session.handleCandidate(candidate, connection);
      });
      socket.on('information', ({ from, data }) => {
        if (from === this.#data.remotePeerId) this.emit('information', data);
      });
    });
  }

  /** Every (re)connection: learn who we are and who else is here, and reconcile. */
  #onJoined(joined: JoinedPayload) {
    this.#serverIceServers = joined.iceServers;
    this.#data.myDisplayName = joined.displayName;
    this.#data.myRole = joined.role;
    const current = this.#data.remotePeerId;
    if (current && joined.peer?.peerId !== current) this.#peerGone('left');
    if (joined.peer && joined.peer.peerId !== this.#data.remotePeerId) this.#peerArrived(joined.peer);
    if (!joined.peer && !this.#call) this.#setState('waiting');
  }

  #peerArrived(peer: PeerInfo) {
    this.#setRemote(peer);
    this.emit('peerJoined', peer.displayName);
    if (!this.#call) this.#setState('ready');
  }

  #peerGone(reason: LeaveReason) {
    const peerId = this.#data.remotePeerId;
    if (!peerId) return;
    this.#endCall();
    this.#setRemote(null);
    this.emit('peerHangUp', { peerId, reason });
    if (this.#state !== 'ended' && this.#state !== 'error') this.#setState('waiting');
  }

  #setRemote(peer: PeerInfo | null) {
    this.#data.remotePeerId = peer?.peerId ?? null;
    this.#data.remoteDisplayName = peer?.displayName ?? null;
    this.#data.remoteRole = peer?.role ?? null;
  }

  // --- the call ------------------------------------------------------------------------------

  async #onOffer(from: string, description: RTCSessionDescriptionInit, connection: string) {
    if (from !== this.#data.remotePeerId || this.#state === 'ended' || this.#state === 'error') return;
    let call = this.#call;
    if (!call) {
      call = this.#beginCall(false);
      this.emit('offerReceived');
    } else if (call.session.remoteConnection && call.session.remoteConnection !== connection && call.session.pc.remoteDescription) {
      // The other side replaced its peer connection: start afresh to match.
      log.debug('remote peer connection was rebuilt; rebuilding ours');
      this.#openSession(call, false);
    }
    await call.session.handleDescription(description, connection);
  }

  #beginCall(initiator: boolean): Call {
    this.#closed = false;
    const call = { remoteStream: new MediaStream(), announced: false, rebuilds: 0, failedOnce: false, signalRefused: false } as Call;
    this.#call = call;
    this.#setState('calling');
    this.#openSession(call, initiator);
    return call;
  }

  /** Gives the call a new peer connection (its first, or one replacing a connection that stalled). */
  #openSession(call: Call, initiator: boolean) {
    call.session?.close();
    for (const track of call.remoteStream.getTracks()) call.remoteStream.removeTrack(track);
    const current = () => this.#call === call && call.session === session;
    const session: PeerSession = new PeerSession({
      iceServers: this.#ownIceServers ?? this.#serverIceServers,
      // Both sides agree without asking anyone: the larger peer id yields on collision.
      polite: this.#data.myPeerId > (this.#data.remotePeerId ?? ''),
      localStream: this.#localStream,
      logger: log,
      createPeerConnection: this.#options.createPeerConnection,
      send: (signal) => this.#sendSignal(call, signal, session.id),
      onTrack: (track) => current() && this.#onRemoteTrack(call, track),
      onConnectionState: (state) => current() && this.#onConnectionState(call, state),
      onError: (error) => this.#fail('clientError', error),
      onStall: () => {
        if (!current()) return;
        if (++call.rebuilds > MAX_REBUILDS) return this.#callFailed('The browser could not gather network candidates for the call');
        log.warn('rebuilding the peer connection (attempt %d)', call.rebuilds);
        this.#openSession(call, true);
      },
    });
    call.session = session;
    if (initiator) session.start();
  }

  #sendSignal(call: Call, signal: OutgoingSignal, connection: string) {
    const socket = this.#socket;
    if (!socket) return;
    // Signals are acknowledged so that a refusal (rate limit, size) is reported, once per call.
    // `no-peer` is not a failure here: the other side left while we were still sending.
    const onAck = (error: Error | null, response?: AckResponse) => {
      if (call !== this.#call || call.signalRefused) return;
      if (error) return log.warn('no acknowledgement for a %s signal', signal.kind);
      if (response && !response.ok && response.error.code !== ServerErrorCode.NoPeer) {
        call.signalRefused = true;
        const what = { offer: 'an offer', answer: 'an answer', candidate: 'a network candidate' }[signal.kind];
        this.#fail('serverError', new CignalError(response.error.code, `The server refused ${what}: ${response.error.message}`));
      }
    };
    const sender = socket.timeout(this.#timeoutMs);
    const sent =
      signal.kind === 'candidate'
        ? sender.emitWithAck('candidate', { candidate: signal.candidate as never, connection })
        : signal.kind === 'offer'
          ? sender.emitWithAck('offer', { description: signal.description, connection })
          : sender.emitWithAck('answer', { description: signal.description, connection });
    sent.then((response: AckResponse) => onAck(null, response), (error: Error) => onAck(error));
  }

  #onRemoteTrack(call: Call, track: MediaStreamTrack) {
    const stream = call.remoteStream;
    for (const old of stream.getTracks()) if (old.kind === track.kind) stream.removeTrack(old);
    stream.addTrack(track);
    if (!call.announced) {
      call.announced = true;
      this.emit('remoteStream', stream);
    }
  }

  #onConnectionState(call: Call, state: RTCPeerConnectionState) {
    log.debug('peer connection %s', state);
    if (state === 'connected') this.#setState('in-call');
    if (state === 'failed') {
      // The first failure gets an ICE restart (in PeerSession); a second one ends the call.
      if (call.failedOnce) this.#callFailed('The connection to the other person failed; a TURN server may be needed');
      call.failedOnce = true;
    }
  }

  /** Ends a call that cannot be made to work, once; the room stays, so calling again is possible. */
  #callFailed(message: string) {
    this.#fail('clientError', new CignalError(ClientErrorCode.ConnectionFailed, message));
    this.#endCall();
    this.#setState(this.#data.remotePeerId ? 'ready' : 'waiting');
  }

  /** Gives up this presence: call, socket, camera and microphone, page listener. */
  #release(state: 'ended' | 'error') {
    this.#reconnecting = false;
    this.#endCall();
    globalThis.removeEventListener?.('pagehide', this.#onPageHide);
    this.#socket?.disconnect();
    for (const track of this.#localStream?.getTracks() ?? []) track.stop();
    this.#setRemote(null);
    this.#setState(state);
  }

  #endCall() {
    if (!this.#call) return;
    this.#call.session.close();
    this.#call = null;
    this.#closed = true;
  }

  // --- plumbing --------------------------------------------------------------------------------

  async #request(send: () => Promise<AckResponse>): Promise<boolean> {
    try {
      const response = await send();
      if (response.ok) return true;
      this.#fail('serverError', new CignalError(response.error.code, response.error.message));
    } catch (error) {
      this.#fail('serverError', new CignalError(ClientErrorCode.Timeout, 'The server did not answer in time', { cause: error }));
    }
    return false;
  }

  #fail(event: 'clientError' | 'serverError', error: CignalError) {
    log.error('%s: %s (%s)', event, error.message, error.code);
    this.emit(event, { code: error.code, reason: error.message, error });
  }

  #setState(next: CallState) {
    const previous = this.#state;
    if (next === previous) return;
    log.debug('state %s -> %s', previous, next);
    this.#state = next;
    this.emit('stateChange', { state: next, previous });
  }
}
