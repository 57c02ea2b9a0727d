// One call, from its start until it ends. It outlives the peer connections rebuilt within it (a
// connection whose ICE gathering stalled, or one the other side replaced) and keeps one remote
// stream across them; it owns the current connection's data channel and network monitor, and its
// CallHealth watches whether media arrives and restores the path when it stops. Its signals go
// out through the engine (`CallSignals`), and what happens to it is told as events; it ends when
// the engine aborts its signal, after which it tells nothing more.
import { CallHealth, PATH_CHECK_MS } from './call-health.js';
import { callRecord, watchFirstFrame, type CallEndReason, type CallReport } from './call-report.js';
import { DataChannel, type PeerFrame } from './data-channel.js';
import { Emitter } from './emitter.js';
import { CignalError, ClientErrorCode } from './errors.js';
import type { Logger } from './logger.js';
import type { Messenger } from './messenger.js';
import { PeerSession, ufrag, type SendSignal, type TrackKind, type TrackSource } from './peer-session.js';
import type { RecoveryOptions } from './recovery.js';
import { NetworkMonitor, receivedByPair, type NetworkStatus } from './stats.js';
import { watchTurn } from './turn.js';
import { verificationCode } from './verify.js';

const MAX_REBUILDS = 3;

/** The way a call's signals reach the other side (the engine, over the signalling connection). */
export interface CallSignals {
  send: SendSignal;
  /** Whether signals can reach the other side now (the signalling connection is up). */
  canSignal(): boolean;
}

/** What a call tells its owner. */
export interface CallEvents {
  [event: string]: unknown[];
  /** Once per call, with the stream that carries the other side's audio and video. */
  remoteStream: [stream: MediaStream];
  /** The connection came up, or media stopped or came back (see `flowing`): what the person sees may have changed. */
  media: [];
  /** A call that was connected lost its network path; it is being restored. */
  reconnecting: [];
  /**
   * A new local address appeared: the device moved to another network. The owner makes the
   * signalling connection afresh and calls `networkChanged()`.
   */
  networkChange: [];
  /** The call cannot be made to work; the owner ends it. */
  failed: [error: CignalError];
  error: [error: CignalError];
  networkStatus: [status: NetworkStatus];
  /** The verification code of the connection now (see verify.ts): null while none is negotiated. */
  verificationCode: [code: string | null];
  /** A recording frame from the other side (see recording.ts). */
  recordingFrame: [frame: Extract<PeerFrame, { t: 'recording' }>];
  /** A connection's data channel opened: the call's first, or one of a rebuilt connection. */
  channelOpen: [];
}

export interface CallOptions {
  /** Ends the call when aborted: its connection closes, and it tells nothing more. */
  signal: AbortSignal;
  /** This side starts the negotiation at once (it calls); else it answers the other side's offer. */
  initiator: boolean;
  polite: boolean;
  iceServers(): RTCIceServer[];
  /** `relay`: the call may use relayed candidates only. */
  iceTransportPolicy?: RTCIceTransportPolicy;
  media: TrackSource;
  messenger: Messenger;
  logger: Logger;
  createPeerConnection?: (config: RTCConfiguration) => RTCPeerConnection;
  signals: CallSignals;
  /** Whether the other side says it sends anything (microphone, camera or screen). */
  remoteSends(): boolean;
  recovery?: RecoveryOptions;
}

/** How long `restartIce` pauses, after a ping went unanswered, before it asks again. */
const RETRY_PAUSE_MS = 500;

export class Call extends Emitter<CallEvents> {
  /** One stream for the whole call: a rebuilt connection's tracks are swapped into it. */
  readonly remoteStream = new MediaStream();
  session!: PeerSession;
  readonly #options: CallOptions;
  readonly #log: Logger;
  #channel: DataChannel | null = null;
  #monitor: NetworkMonitor | null = null;
  /** Aborted when the current peer connection is replaced or the call ends: what it still reports is dropped. */
  #connection = new AbortController();
  #announced = false;
  #rebuilds = 0;
  readonly #health: CallHealth;
  /** What the call's report is made of; its setup clock starts now. */
  readonly #record = callRecord();

  constructor(options: CallOptions) {
    super();
    this.release(); // nothing to hold: the owner listens before anything happens
    this.#options = options;
    this.#log = options.logger;
    this.#health = new CallHealth({
      signal: options.signal,
      logger: this.#log,
      recovery: options.recovery,
      restart: (attempt) => {
        this.#log.warn('restarting ICE (attempt %d)', attempt + 1);
        this.session.restart(); // from this side, or asked of the other (see `PeerSession.offers`)
      },
      rebuild: () => {
        this.#log.warn('rebuilding the peer connection: its path carries nothing');
        this.#open({ initiator: true });
      },
      canSignal: () => options.signals.canSignal(),
      pc: () => this.session.pc,
      offers: () => this.session.offers,
      expectsTraffic: () => this.#expectsTraffic(),
      sendKeyFrame: () => void this.session.sendKeyFrame(),
      askForKeyFrame: () => this.#channel?.send({ t: 'refresh' }),
      onMedia: () => {
        // Each loss and return of media passes here: an outage began or ended, for the report.
        this.#record.flowing(this.#health.flowing);
        this.emit('media');
      },
      onReconnecting: () => this.emit('reconnecting'),
      onFailed: (error) => this.emit('failed', error),
    });
    options.signal.addEventListener('abort', () => this.#teardown(), { once: true });
    this.#open({ initiator: options.initiator });
  }

  /** Tells the owner, for as long as the call lasts. */
  protected override emit<E extends keyof CallEvents>(event: E, ...args: CallEvents[E]): void {
    if (!this.#closed) super.emit(event, ...args);
  }

  get #closed(): boolean {
    return this.#options.signal.aborted;
  }

  /** Whether media reaches this side, as far as it can tell (true until a loss is noticed). */
  get flowing(): boolean {
    return this.#health.flowing;
  }

  get pc(): RTCPeerConnection {
    return this.session.pc;
  }

  /** An offer or answer from the other side; an offer from a connection it rebuilt makes us rebuild too. */
  async handleDescription(description: RTCSessionDescriptionInit, connection: string, to?: string): Promise<void> {
    const session = this.session;
    if (session.isStale(to)) return this.#log.debug('dropped a %s for a connection we replaced', description.type);
    if (description.type === 'offer' && session.remoteConnection && session.remoteConnection !== connection && session.pc.remoteDescription) {
      this.#log.debug('remote peer connection was rebuilt; rebuilding ours');
      this.#open({ initiator: false });
    }
    const current = this.session;
    // Aborted if this connection is replaced while its description is applied.
    const replaced = this.#connection.signal;
    const remote = ufrag(current.pc.remoteDescription);
    // The pairs there before a restart, read without holding up the description (and the
    // candidates right behind it): ICE cannot have moved by the time the reading is taken.
    const before = remote ? receivedByPair(current.pc).then((pairs) => new Set(pairs.keys()), () => null) : null;
    await current.handleDescription(description, connection, to);
    this.#health.wake(); // the signalling state may be stable again
    if (!before || replaced.aborted || ufrag(current.pc.remoteDescription) === remote) return;
    // An ICE restart was applied (each side sees it here once: in the offer or in the answer).
    this.#record.iceRestarts++;
    // The other side restarted: its network failed or changed, and it lost what we sent.
    if (description.type === 'offer') this.#health.refreshVideo();
    this.#health.checkNewPath(await before);
  }

  /**
   * The other side asks for an ICE restart offer (this side opened the connection), to replace
   * our ICE credentials it names (`ufrag`). A request from before our latest restart is served.
   */
  handleRestartRequest(connection: string | null, to?: string, wanted?: string): void {
    const session = this.session;
    if (this.#closed || session.isStale(to) || (connection && session.remoteConnection && connection !== session.remoteConnection)) return;
    if (!session.offers) return this.#log.warn('asked for an ICE restart, but the other side makes the offers');
    if (wanted && wanted !== ufrag(session.pc.currentLocalDescription)) return this.#log.debug('asked for an ICE restart made since');
    this.#log.debug('the other side asks for an ICE restart');
    this.session.restart();
  }

  handleCandidate(candidate: RTCIceCandidateInit, connection: string, to?: string): Promise<void> {
    return this.session.handleCandidate(candidate, connection, to);
  }

  replaceTrack(kind: TrackKind, track: MediaStreamTrack | null): Promise<void> {
    return this.session.replaceTrack(kind, track);
  }

  /**
   * Restarts ICE: true once both sides use new ICE credentials (or a new connection the recovery
   * ladder made meanwhile) and the path carries data both ways again (a ping over the call's
   * data channel is answered); false after `timeoutMs`; null when the call ended meanwhile.
   */
  async restartIce(timeoutMs: number): Promise<boolean | null> {
    const deadline = performance.now() + timeoutMs;
    const { session, pc } = this;
    const health = this.#health;
    const before = { session, local: ufrag(pc.localDescription), remote: ufrag(pc.remoteDescription), confirmations: health.confirmations };
    // New credentials on both sides and bytes seen arriving on the new path; or a new connection
    // (the recovery ladder's, or the other side's) on which media arrives.
    const restarted = () => {
      const { session, pc } = this;
      const rebuilt = session !== before.session;
      const renewed = rebuilt || (ufrag(pc.localDescription) !== before.local && ufrag(pc.remoteDescription) !== before.remote);
      const arriving = health.confirmations > before.confirmations || !this.#expectsTraffic() || (rebuilt && health.flowing);
      return renewed && arriving && pc.signalingState === 'stable' && pc.connectionState === 'connected';
    };
    this.session.restart();
    while (await health.until(restarted, deadline)) {
      // No channel open to ask on: what arrives here is all there is to go by.
      if ((await this.#channel?.ping(Math.min(deadline, performance.now() + PATH_CHECK_MS))) !== false) return true;
      // Not answered (or no channel to ask on just now): another try a moment later, within the deadline.
      await new Promise((resolve) => setTimeout(resolve, Math.min(RETRY_PAUSE_MS, Math.max(0, deadline - performance.now()))));
    }
    return this.#closed ? null : false;
  }

  /** The report of this call, ending now for `reason`. */
  report(reason: CallEndReason): CallReport {
    return this.#record.report(reason);
  }

  /** Sends a control frame over the current connection's data channel; false when it is not open. */
  sendFrame(frame: PeerFrame): boolean {
    return !!this.#channel?.send(frame);
  }

  /** The network status now, or null before the connection is up. */
  networkStatus(): Promise<NetworkStatus | null> {
    return this.#monitor?.sample() ?? Promise.resolve(null);
  }

  /** The device changed networks or came back online (see `CallHealth.networkChanged`). */
  networkChanged(): void {
    this.#health.networkChanged();
  }

  /**
   * The device is back online: the path in use gets a moment to come back before an ICE restart
   * (see `Recovery.online`). The other side lost what we sent meanwhile; it asks for a key frame
   * once our media reaches it again (a `refresh`): one sent now, before the path works, is lost
   * or delays its video more.
   */
  online(): void {
    this.#health.online();
  }

  /** The device went offline: nothing gets through until it is back. */
  offline(): void {
    this.#health.lost();
  }

  /**
   * The signalling connection is back: a connection that is not up is restarted at once. (A
   * server that restarted took nothing of the media with it: no key frame is needed for that.)
   */
  resume(): void {
    this.#health.resume();
  }

  /**
   * Whether bytes should arrive all the time: while we send media the other side's feedback on it
   * comes back, and while they send, their media comes. A call where neither side sends anything
   * (data only, everything off) is quiet, and only ICE can tell.
   */
  #expectsTraffic(): boolean {
    return this.#sending() || this.#options.remoteSends();
  }

  /** Whether this side sends media (microphone or camera; a screen share goes as video). */
  #sending(): boolean {
    const { media } = this.#options;
    return !!(media.outgoing('audio') || media.outgoing('video'));
  }

  #teardown() {
    this.#connection.abort();
    // Before the connection closes, as when Call was whole: a restartIce() waiting on it may
    // still see it renewed and connected (tests/firefox/restart.test.ts).
    this.#health.wake();
    this.#monitor?.stop();
    this.#monitor = null;
    if (this.#channel) {
      this.#channel.close();
      this.#options.messenger.detach(this.#channel);
    }
    this.#channel = null;
    this.session?.close();
  }

  /** Gives the call a new peer connection (its first, or one replacing a connection that stalled). */
  #open({ initiator }: { initiator: boolean }) {
    this.#teardown();
    this.#health.replaced();
    for (const track of this.remoteStream.getTracks()) this.remoteStream.removeTrack(track);
    const options = this.#options;
    const messenger = options.messenger;
    // What this connection reports once it was replaced, or the call ended, is dropped.
    const connection = (this.#connection = new AbortController()).signal;
    const current = () => !connection.aborted;
    // A new connection has new certificates: no code until it is negotiated.
    if (this.session) this.emit('verificationCode', null);
    const session: PeerSession = new PeerSession({
      iceServers: options.iceServers(),
      iceTransportPolicy: options.iceTransportPolicy,
      polite: options.polite,
      media: options.media,
      logger: this.#log,
      createPeerConnection: options.createPeerConnection,
      send: (event, payload) => current() && options.signals.send(event, payload),
      onTrack: (track) => current() && this.#onTrack(track),
      onConnectionState: (state) => current() && this.#onConnectionState(state),
      onIceConnectionState: (state) => current() && this.#health.ice(state),
      onNewAddress: () => current() && this.emit('networkChange'),
      requestRestart: () => current() && this.#requestRestart(session),
      onError: (error) => this.emit('error', error),
      onStall: () => {
        if (!current()) return;
        if (++this.#rebuilds > MAX_REBUILDS) return this.emit('failed', new CignalError(ClientErrorCode.ConnectionFailed, 'The browser could not gather network candidates for the call'));
        this.#log.warn('rebuilding the peer connection (attempt %d)', this.#rebuilds);
        this.#open({ initiator: true });
      },
    });
    this.session = session;
    const pc = session.pc;
    watchTurn(pc, options.iceTransportPolicy === 'relay', (error, fatal) => current() && this.emit(fatal ? 'failed' : 'error', error));
    // The descriptions settle in `stable`; an ICE restart keeps the certificates, and so the code.
    pc.addEventListener('signalingstatechange', () => {
      if (pc.signalingState === 'stable') void verificationCode(pc).then((code) => current() && code && this.emit('verificationCode', code));
    });
    const channel: DataChannel = new DataChannel(...session.channels, session.pc, {
      open: () => current() && (messenger.attach(channel), this.emit('channelOpen')),
      close: () => messenger.detach(channel),
      frame: (frame) => current() && this.#onFrame(session, frame),
      payload: (id, data) => current() && messenger.receivePayload(id, data),
    }, this.#log);
    this.#channel = channel;
    if (initiator) session.start();
  }

  /** A control frame from the other side's SDK. */
  #onFrame(session: PeerSession, frame: PeerFrame) {
    if (frame.t === 'refresh') this.#health.refreshVideo();
    else if (frame.t === 'restart-ice') this.handleRestartRequest(session.remoteConnection, undefined, frame.ufrag);
    else if (frame.t === 'recording') this.emit('recordingFrame', frame);
    else this.#options.messenger.receiveFrame(frame);
  }

  /**
   * Asks the other side for an ICE restart offer: through the server when it can be reached (the
   * path is most likely what failed), else over the call's data channel.
   */
  #requestRestart(session: PeerSession) {
    const replace = ufrag(session.pc.currentRemoteDescription);
    const { signals } = this.#options;
    const to = session.remoteConnection;
    if (signals.canSignal()) signals.send('restartIce', { connection: session.id, ...(to ? { to } : {}), ...(replace ? { ufrag: replace } : {}) });
    else if (!this.#channel?.send({ t: 'restart-ice', ufrag: replace })) this.#log.debug('no way to ask for an ICE restart now');
  }

  #onTrack(track: MediaStreamTrack) {
    const stream = this.remoteStream;
    for (const old of stream.getTracks()) if (old.kind === track.kind) stream.removeTrack(old);
    stream.addTrack(track);
    // A connection rebuilt before the first frame brings a new track to watch.
    if (track.kind === 'video' && this.#record.setupMs === null) {
      watchFirstFrame(track, this.#options.signal, () => this.#record.firstFrame());
    }
    if (!this.#announced) {
      this.#announced = true;
      this.emit('remoteStream', stream);
    }
  }

  #onConnectionState(state: RTCPeerConnectionState) {
    this.#log.debug('peer connection %s', state);
    this.#health.wake();
    if (state !== 'connected') return;
    this.#rebuilds = 0;
    this.#record.connected();
    this.#monitor ??= new NetworkMonitor(this.session.pc, (status, video) => {
      this.#record.sample(status, video);
      // Silence means loss only while we send media: the other side's feedback then comes
      // back all the time. A call where neither side sends (data only, everything off) is quiet.
      // ICE disconnected or failed is handled as it happens, and a sample that is `lost` only
      // because ICE still says so (Firefox, for seconds after the path came back) is not silence.
      const ice = this.session.pc.iceConnectionState;
      const silent = status.quality === 'lost' && ice !== 'disconnected' && ice !== 'failed';
      if (silent && this.#sending()) this.#health.lost();
      this.emit('networkStatus', status);
    });
    this.#health.connected();
  }
}
