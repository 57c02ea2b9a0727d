// The call engine: one presence in a room and the calls made from it. It owns the signalling
// connection (SignalClient), the current call (Call) and the messages the two SDKs exchange
// (Messenger); it reconciles what the server says at every (re)join with the call in progress,
// sends the call's signals as acknowledged requests, and tells its owner (Cignal) what happened
// through a few typed events. Work of a presence or a call that has ended is cancelled with it:
// each has an AbortSignal, and nothing of theirs runs or reports after it is aborted.
import { ServerErrorCode } from './protocol/errors.js';
import { PROTOCOL_VERSION } from './protocol/events.js';
import type { JoinedPayload, LeaveReason, PeerInfo } from './protocol/index.js';
import { Call } from './call.js';
import type { CallEndReason, CallReport } from './call-report.js';
import type { PeerFrame } from './data-channel.js';
import { Emitter } from './emitter.js';
import { CignalError, ClientErrorCode } from './errors.js';
import type { CignalEvents } from './events.js';
import type { LocalMedia, MediaState } from './local-media.js';
import type { Logger } from './logger.js';
import { Messenger } from './messenger.js';
import type { CignalData, CreateRoomOptions } from './options.js';
import { MAX_OUTAGE_MS, turnExpired } from './recovery.js';
import { SignalClient } from './signal-client.js';
import { randomId } from './url.js';

/** The public events the engine's owner passes on as they are. */
export const forwardedEvents = [
  'remoteStream',
  'remoteMediaChanged',
  'information',
  'dataReceived',
  'networkStatus',
  'verificationCode',
  'reconnecting',
  'reconnected',
  'callReport',
] as const;
type Forwarded = (typeof forwardedEvents)[number];

/** What the engine tells its owner. */
export type EngineEvents = Pick<CignalEvents, Forwarded> & {
  [event: string]: unknown[];
  /** The other person is in the room. */
  peerJoined: [peer: PeerInfo];
  /** The other person left, or dropped for good. */
  peerLeft: [detail: { peerId: string; reason: LeaveReason }];
  /** In the room without the other person, and without a call. */
  alone: [];
  /** A call began: this side called, or answered an offer (`offerReceived`). */
  callStarted: [detail: { offerReceived: boolean }];
  /** Whether the other person can be seen may have changed: the call's connection state, or whether media arrives (`Call.flowing`). */
  callMedia: [call: Call];
  /** The call ended: with `error` when it could not be made to work (the room stays, calling again is possible). */
  callEnded: [error: CignalError | null];
  /** A recording frame from the other side, over the call's data channel. */
  recordingFrame: [frame: Extract<PeerFrame, { t: 'recording' }>];
  /** The call's data channel opened (its first, or a rebuilt connection's). */
  channelOpen: [];
  /** A failure to report, which ends nothing by itself. */
  failure: [event: 'clientError' | 'serverError', error: CignalError];
  /** The server ended this presence: refused it (`error`), or another page took the seat. */
  closed: [error: CignalError | null];
};

export interface EngineOptions {
  roomId: string;
  url: string;
  timeoutMs: number;
  /** The two people; the engine keeps the other person's fields. */
  data: CignalData;
  media: LocalMedia;
  logger: Logger;
  /** The room's options, for the calls' settings and collaborators. */
  room: CreateRoomOptions;
}

export class CallEngine extends Emitter<EngineEvents> {
  readonly messenger: Messenger;
  readonly #options: EngineOptions;
  readonly #log: Logger;
  readonly #data: CignalData;
  #signal: SignalClient | null = null;
  /** The secret of this peer id's seat, as the server last gave it; sent with every join. */
  #seatSecret: string | null = null;
  #serverIceServers: RTCIceServer[] = [];
  #ownIceServers: RTCIceServer[] | null = null;
  #call: Call | null = null;
  /** Ends the current call. */
  #callLife: AbortController | null = null;
  #closed = false;
  #code: string | null = null;
  /** The report of the last call that ended; null before. */
  lastReport: CallReport | null = null;
  /** The server said at the last join that it takes call reports. */
  #serverTakesReports = false;
  /** Set while waiting, after a server restart, for the partner to come back. */
  #partnerWait: ReturnType<typeof setTimeout> | undefined;

  constructor(options: EngineOptions) {
    super();
    this.release(); // the owner holds events for late listeners; the engine has none
    this.#options = options;
    this.#log = options.logger;
    this.#data = options.data;
    this.messenger = new Messenger({
      signal: () => this.#signal,
      maxWaitMs: options.room.recovery?.maxOutageMs ?? MAX_OUTAGE_MS,
      onInformation: (data) => this.emit('information', data),
      onMediaState: (state) => this.emit('remoteMediaChanged', { ...state }),
      onData: (data) => this.emit('dataReceived', data),
      fail: (event, error) => this.#fail(event, error),
    });
  }

  get call(): Call | null {
    return this.#call;
  }
  get signalClient(): SignalClient | null {
    return this.#signal;
  }
  get seatSecret(): string | null {
    return this.#seatSecret;
  }
  /** True once a call has ended, until the next one starts. */
  get closed(): boolean {
    return this.#closed;
  }
  get remoteMedia(): MediaState {
    return this.messenger.remoteMedia;
  }
  get verificationCode(): string | null {
    return this.#code;
  }

  /** Whether calls can be made here: WebRTC in the browser, or a peer-connection factory given in the options. */
  canCall(): boolean {
    return !!this.#options.room.createPeerConnection || typeof globalThis.RTCPeerConnection === 'function';
  }

  /**
   * Joins the room for the presence that `presence` stands for; resolves true once joined, false
   * when the presence ended first. Aborting it leaves the room: the messages waiting, the call,
   * the socket, and the engine's `online`/`offline` listeners.
   */
  enter(presence: AbortSignal): Promise<boolean> {
    const { roomId, url, timeoutMs, room, logger } = this.#options;
    const data = this.#data;
    const remote = (from: string) => from === data.remotePeerId;
    const seatSecret = this.#seatSecret ?? room.seatSecret;
    const signal: SignalClient = new SignalClient(
      {
        url,
        auth: {
          roomId,
          peerId: data.myPeerId,
          session: randomId(12),
          protocol: PROTOCOL_VERSION,
          displayName: data.myDisplayName,
          ...(data.myRole ? { role: data.myRole } : {}),
          ...(room.token ? { token: room.token } : {}),
          ...(seatSecret ? { seatSecret } : {}),
        },
        timeoutMs,
        // Twice the call's bound: a call given up on (connection-lost) leaves its person in the
        // room, free to call again, as long as the server can be reached.
        maxOutageMs: 2 * (room.recovery?.maxOutageMs ?? MAX_OUTAGE_MS),
        createSocket: room.createSocket,
        logger,
      },
      {
        joined: (payload, { afterDrop }) => {
          this.#onJoined(payload);
          if (afterDrop) {
            this.messenger.resume();
            this.emit('reconnected');
          }
        },
        refused: (error) => this.emit('closed', error),
        ended: () => this.emit('closed', null),
        dropped: (reason) => this.emit('reconnecting', { reason }),
        replaced: (message) => this.#fail('serverError', new CignalError(ClientErrorCode.Replaced, message)),
        // A resume can announce the same partner twice: in `joined` and in what was kept for us;
        // after a server restart, the partner we waited for comes back this way.
        peerJoined: (peer) => {
          if (peer.peerId !== data.remotePeerId) return this.#peerArrived(peer);
          this.#stopWaitingForPartner();
        },
        peerLeft: ({ peerId, reason }) => remote(peerId) && this.#peerGone(reason),
        offer: ({ from, description, connection, to }) => remote(from) && void this.#onOffer(description, connection, to),
        answer: ({ from, description, connection, to }) => remote(from) && void this.#call?.handleDescription(description, connection, to),
        candidate: ({ from, candidate, connection, to }) => remote(from) && void this.#call?.handleCandidate(candidate, connection, to),
        restartIce: ({ from, connection, to, ufrag }) => remote(from) && this.#call?.handleRestartRequest(connection, to, ufrag),
        decline: ({ from, reason, to }) => {
          const call = this.#call;
          if (!remote(from) || !call || (to && call.session.id !== to)) return;
          this.#log.debug('the call was declined: %s', reason);
          this.#endCall(new CignalError(ClientErrorCode.PeerUnsupported, `${data.remoteDisplayName ?? 'The other person'}'s browser cannot make video calls`));
        },
        information: ({ from, data: sent, id }) => remote(from) && this.messenger.receiveInformation(sent, id),
        mediaState: ({ from, ...state }) => remote(from) && this.messenger.receiveMediaState(state),
      },
    );
    this.#signal = signal;
    // The device is back on a network (the server connection may be dead without knowing it).
    const listen = { signal: presence };
    globalThis.addEventListener?.('online', () => (signal.reconnect(), this.#call?.online()), listen);
    globalThis.addEventListener?.('offline', () => this.#call?.offline(), listen);
    presence.addEventListener('abort', () => this.#leave(signal), { once: true });
    return signal.connect();
  }

  /** Starts a call from this side, unless one is on; false (with `relay-unavailable`) when it is to be relay-only and there is no TURN server to relay it. */
  startCall(): boolean {
    return !!(this.#call ?? this.#beginCall({ initiator: true }));
  }

  /** This client's own ICE servers, in place of the server's, from the next connection on (and the current one's next restart). */
  setIceServers(iceServers: RTCIceServer[]): void {
    this.#ownIceServers = iceServers;
    this.#configure(iceServers);
  }

  #configure(iceServers: RTCIceServer[]) {
    const pc = this.#call?.pc;
    if (pc && pc.signalingState !== 'closed') pc.setConfiguration({ ...pc.getConfiguration(), iceServers });
  }

  /** The presence ended: what waits to be sent, the call and the socket go, in that order. */
  #leave(signal: SignalClient) {
    this.#stopWaitingForPartner();
    // First, so that closing the call's channel sends nothing it had pending through the server.
    this.messenger.close();
    this.#endCall();
    signal.close();
    this.#setRemote(null);
  }

  /** Every (re)connection: learn who we are and who else is here, and reconcile. */
  #onJoined(joined: JoinedPayload) {
    const data = this.#data;
    if (typeof joined.seatSecret === 'string') this.#seatSecret = joined.seatSecret;
    const current = data.remotePeerId;
    const call = this.#call;
    this.#serverIceServers = joined.iceServers;
    this.#serverTakesReports = joined.callReports === true;
    // Every join brings fresh TURN credentials: the call's next ICE restart uses them.
    if (!this.#ownIceServers) this.#configure(joined.iceServers);
    data.myDisplayName = joined.displayName;
    data.myRole = joined.role;
    if (current && !joined.peer && !joined.resumed) {
      // A server without our seat and without our partner: most likely it restarted and lost its
      // rooms, while the call goes on between the two browsers. The partner is waited for (it is
      // reconnecting too) for as long as a seat would be held, before they count as gone.
      this.#log.debug('back in the room without the other person; waiting %d ms for them', joined.graceMs);
      this.#stopWaitingForPartner();
      this.#partnerWait = setTimeout(() => this.#peerGone('dropped'), joined.graceMs ?? 10_000);
      call?.resume();
      return;
    }
    this.#stopWaitingForPartner();
    if (current && joined.peer?.peerId !== current) this.#peerGone('left');
    if (joined.peer && joined.peer.peerId !== data.remotePeerId) this.#peerArrived(joined.peer);
    else if (joined.peer) this.messenger.announce(); // back with the same partner: make sure they know our state
    if (!joined.peer && !this.#call) this.emit('alone');
    // From here on, only a call that goes on with the same partner.
    if (!call || joined.peer?.peerId !== current) return;
    if (joined.resumed || call.pc.connectionState === 'connected') return call.resume();
    // Our seat expired while we were away, so the partner was told we left and ended its side of
    // the call: this one cannot come back. A new call with the same person starts now.
    this.#log.debug('the seat was lost while away; starting a new call');
    this.#endCall(null, 'connection-lost');
    this.#beginCall({ initiator: true });
  }

  #stopWaitingForPartner() {
    clearTimeout(this.#partnerWait);
    this.#partnerWait = undefined;
  }

  #peerArrived(peer: PeerInfo) {
    this.#setRemote(peer);
    this.emit('peerJoined', peer);
    this.messenger.announce();
  }

  #peerGone(reason: LeaveReason) {
    this.#stopWaitingForPartner();
    const peerId = this.#data.remotePeerId;
    if (!peerId) return;
    this.messenger.close(new CignalError(ServerErrorCode.NoPeer, 'The other person left before receiving everything that was sent'));
    this.#endCall(null, 'peer-hang-up');
    this.#setRemote(null);
    this.emit('peerLeft', { peerId, reason });
  }

  #setRemote(peer: PeerInfo | null) {
    const data = this.#data;
    data.remotePeerId = peer?.peerId ?? null;
    data.remoteDisplayName = peer?.displayName ?? null;
    data.remoteRole = peer?.role ?? null;
    this.messenger.resetPartner();
  }

  // --- the call ------------------------------------------------------------------------------

  async #onOffer(description: RTCSessionDescriptionInit, connection: string, to?: string) {
    if (!this.canCall()) {
      this.#fail('clientError', new CignalError(ClientErrorCode.Unsupported, `${this.#data.remoteDisplayName ?? 'The other person'} is calling, but this browser cannot make video calls`));
      void this.#signal?.request('decline', { reason: 'unsupported', to: connection });
      return;
    }
    let call = this.#call;
    if (!call) {
      // A renegotiation for a call that has ended here starts nothing.
      if (to) return this.#log.debug('dropped an offer for a call that has ended');
      call = this.#beginCall({ initiator: false });
      if (!call) return;
    }
    await call.handleDescription(description, connection, to);
  }

  /** Starts a call; null (with `relay-unavailable`) when it is to be relay-only and there is no TURN server to relay it. */
  #beginCall({ initiator }: { initiator: boolean }): Call | null {
    const room = this.#options.room;
    const data = this.#data;
    const iceServers = () => this.#ownIceServers ?? this.#serverIceServers;
    // `urls` is a URL or a list of them: as a string, a list is joined with commas.
    if (room.iceTransportPolicy === 'relay' && !iceServers().some(({ urls }) => /(^|,)turns?:/.test(String(urls)))) {
      this.#fail('clientError', new CignalError(ClientErrorCode.RelayUnavailable, 'Relay-only calls need a TURN server; this server offers none'));
      return null;
    }
    this.#closed = false;
    const life = (this.#callLife = new AbortController());
    // Set once the server refused a signal of this call, so that it is reported once.
    let refused = false;
    const call = new Call({
      signal: life.signal,
      initiator,
      // Both sides agree without asking anyone: the larger peer id yields on collision.
      polite: data.myPeerId > (data.remotePeerId ?? ''),
      iceServers,
      iceTransportPolicy: room.iceTransportPolicy,
      media: this.#options.media,
      messenger: this.messenger,
      logger: this.#log,
      createPeerConnection: room.createPeerConnection,
      signals: {
        send: (event, payload) =>
          void this.#signal?.signal(event, payload).then((error) => {
            if (!error || life.signal.aborted || refused) return;
            refused = true;
            this.#fail('serverError', error);
          }),
        canSignal: () => this.#readyToRestart(),
      },
      remoteSends: () => this.messenger.remoteSends,
      recovery: room.recovery,
    });
    const media = () => this.emit('callMedia', call);
    call.on('remoteStream', (stream) => this.emit('remoteStream', stream));
    call.on('media', media);
    call.on('reconnecting', () => {
      media();
      // The path the call lost may have taken the server connection with it, without it
      // knowing yet (a moved address, a dead TCP connection): a fresh one carries the restart.
      this.#signal?.reconnect();
    });
    // The server connection is made afresh first, so that the call's ICE restart goes out on it after the rejoin.
    call.on('networkChange', () => (this.#signal?.reconnect(), call.networkChanged()));
    call.on('failed', (error) => this.#endCall(error));
    call.on('error', (error) => this.#fail('clientError', error));
    call.on('networkStatus', (status) => this.emit('networkStatus', status));
    call.on('verificationCode', (code) => this.#setCode(code));
    call.on('recordingFrame', (frame) => this.emit('recordingFrame', frame));
    call.on('channelOpen', () => this.emit('channelOpen'));
    this.#call = call;
    this.emit('callStarted', { offerReceived: !initiator });
    return call;
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
    this.#log.debug('the TURN credentials have expired; renewing them before the ICE restart');
    signal.reconnect();
    return false;
  }

  /** Ends the call, once, and reports it; `error` says why it could not be made to work (the room stays, so calling again is possible), else `reason` says how it ended. */
  #endCall(error: CignalError | null = null, reason: CallEndReason = 'hang-up') {
    const call = this.#call;
    if (!call) return;
    this.#callLife?.abort();
    this.#call = this.#callLife = null;
    this.#closed = true;
    this.#setCode(null);
    this.emit('callEnded', error);
    if (error) reason = error.code === ClientErrorCode.ConnectionLost ? 'connection-lost' : 'failed';
    const report = (this.lastReport = call.report(reason));
    this.emit('callReport', report);
    // To the server at once: what is sent before leaving the room goes out before the goodbye (but no answer comes back).
    if (this.#serverTakesReports) this.#signal?.request('callReport', report).then((response) => response.ok || this.#log.warn('call report refused: %s', response.error.message), () => {});
  }

  #setCode(code: string | null) {
    if (code === this.#code) return;
    this.#code = code;
    this.emit('verificationCode', { code });
  }

  #fail(event: 'clientError' | 'serverError', error: CignalError) {
    this.emit('failure', event, error);
  }
}
