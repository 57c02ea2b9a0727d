// One call, from its start until it ends. It outlives the peer connections rebuilt within it (a
// connection whose ICE gathering stalled, or one the other side replaced) and keeps one remote
// stream across them; it owns the current connection's data channel and network monitor.
import { DataChannel } from './data-channel.js';
import { CignalError, ClientErrorCode } from './errors.js';
import type { Logger } from './logger.js';
import type { Messenger } from './messenger.js';
import { PeerSession, ufrag, type OutgoingSignal, type TrackKind, type TrackSource } from './peer-session.js';
import { Recovery, type RecoveryOptions } from './recovery.js';
import { NetworkMonitor, receivedBytes, type NetworkStatus } from './stats.js';

const MAX_REBUILDS = 3;

export interface CallOptions {
  polite: boolean;
  iceServers(): RTCIceServer[];
  media: TrackSource;
  messenger: Messenger;
  logger: Logger;
  createPeerConnection?: (config: RTCConfiguration) => RTCPeerConnection;
  send(signal: OutgoingSignal, connection: string): void;
  /** Whether signals can reach the other side now (the signalling connection is up). */
  canSignal(): boolean;
  recovery?: RecoveryOptions;
  onRemoteStream(stream: MediaStream): void;
  /** The peer connection is connected (the first time, or again). */
  onConnected(): void;
  /**
   * A new local address appeared: the device moved to another network. The owner makes the
   * signalling connection afresh and calls `networkChanged()`.
   */
  onNetworkChange(): void;
  /** A call that was connected lost its network path; it is being restored. */
  onReconnecting(): void;
  /** Media stopped arriving, or arrives again, in a call that was connected (see `flowing`). */
  onMediaFlowing(): void;
  /** The call cannot be made to work; the owner ends it. */
  onFailed(error: CignalError): void;
  onError(error: CignalError): void;
  onNetworkStatus(status: NetworkStatus): void;
}

/** How often the received bytes are read while media is not arriving. */
const FLOW_CHECK_MS = 250;
/** How long ICE must stay `disconnected` to count as a loss of media. */
const ICE_BLIP_MS = 250;

export class Call {
  /** One stream for the whole call: a rebuilt connection's tracks are swapped into it. */
  readonly remoteStream = new MediaStream();
  session!: PeerSession;
  /** Set once the server refused a signal of this call, so that it is reported once. */
  signalRefused = false;
  readonly #options: CallOptions;
  readonly #log: Logger;
  #channel: DataChannel | null = null;
  #monitor: NetworkMonitor | null = null;
  #announced = false;
  #rebuilds = 0;
  /** True once this call has been connected: a later outage is "connection lost", not "failed". */
  #wasConnected = false;
  #closed = false;
  /** ICE lost its path since it was last connected: video frames were lost on the way. */
  #interrupted = false;
  /** Whether media reaches this side, as far as it can tell; false from a loss until anything arrives again. */
  #flowing = true;
  #flowCheck: ReturnType<typeof setInterval> | undefined;
  #blip: ReturnType<typeof setTimeout> | undefined;
  #losses = 0;
  readonly #recovery: Recovery;
  /** `restartIce` calls waiting for their outcome; a rebuild or the end of the call settles them with null. */
  readonly #restarts = new Set<(outcome: boolean | null) => void>();

  constructor(options: CallOptions, initiator: boolean) {
    this.#options = options;
    this.#log = options.logger;
    this.#recovery = new Recovery(
      {
        restart: (attempt) => {
          this.#log.warn('restarting ICE (attempt %d)', attempt + 1);
          this.session.restart();
        },
        canSignal: () => options.canSignal(),
        onReconnecting: () => this.#wasConnected && options.onReconnecting(),
        onRecovered: (attempts) => this.#log.debug('connection restored after %d ICE restart(s)', attempts),
        onGiveUp: () =>
          options.onFailed(
            this.#wasConnected
              ? new CignalError(ClientErrorCode.ConnectionLost, 'The connection to the other person was lost and could not be restored')
              : new CignalError(ClientErrorCode.ConnectionFailed, 'The connection to the other person failed; a TURN server may be needed'),
          ),
      },
      options.recovery,
    );
    this.#open(initiator);
  }

  /** Whether media reaches this side, as far as it can tell (true until a loss is noticed). */
  get flowing(): boolean {
    return this.#flowing;
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
      this.#open(false);
    }
    const remote = ufrag(this.session.pc.remoteDescription);
    await this.session.handleDescription(description, connection, to);
    // The other side restarted ICE: its network failed or changed, and it lost what we sent.
    if (description.type === 'offer' && remote && ufrag(this.session.pc.remoteDescription) !== remote) this.refreshVideo();
  }

  handleCandidate(candidate: RTCIceCandidateInit, connection: string, to?: string): Promise<void> {
    return this.session.handleCandidate(candidate, connection, to);
  }

  replaceTrack(kind: TrackKind, track: MediaStreamTrack | null): Promise<void> {
    return this.session.replaceTrack(kind, track);
  }

  /**
   * Restarts ICE: true once both sides use new ICE credentials and the connection is up again,
   * false after `timeoutMs`, null when the connection was rebuilt or the call ended meanwhile.
   */
  restartIce(timeoutMs: number): Promise<boolean | null> {
    const pc = this.session.pc;
    const local = ufrag(pc.localDescription);
    const remote = ufrag(pc.remoteDescription);
    return new Promise((resolve) => {
      const events = ['signalingstatechange', 'iceconnectionstatechange', 'connectionstatechange'];
      const done = (outcome: boolean | null) => {
        clearTimeout(timer);
        for (const event of events) pc.removeEventListener(event, check);
        this.#restarts.delete(done);
        resolve(outcome);
      };
      const check = () => {
        const restarted = ufrag(pc.localDescription) !== local && ufrag(pc.remoteDescription) !== remote;
        if (restarted && pc.signalingState === 'stable' && pc.connectionState === 'connected') done(true);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      this.#restarts.add(done);
      for (const event of events) pc.addEventListener(event, check);
      pc.restartIce();
    });
  }

  /** The network status now, or null before the connection is up. */
  networkStatus(): Promise<NetworkStatus | null> {
    return this.#monitor?.sample() ?? Promise.resolve(null);
  }

  /**
   * The device changed networks or came back online (see `Recovery.networkChanged`); what we
   * sent meanwhile was lost, so our video starts again from a key frame.
   */
  networkChanged(): void {
    // Before the first connection there is no path to restore; the negotiation goes on.
    if (this.#closed || !this.#wasConnected) return;
    this.#recovery.networkChanged();
    this.refreshVideo();
  }

  /**
   * The device is back online: the path in use gets a moment to come back before an ICE restart
   * (see `Recovery.online`). The other side lost what we sent meanwhile; it asks for a key frame
   * once our media reaches it again (a `refresh`): one sent now, before the path works, is lost
   * or delays its video more.
   */
  online(): void {
    if (this.#closed || !this.#wasConnected) return;
    this.#recovery.online(this.#flowing);
  }

  /** The device went offline: nothing gets through until it is back. */
  offline(): void {
    this.#mediaLost();
  }

  /**
   * The signalling connection is back: a connection that is not up is restarted at once. (A
   * server that restarted took nothing of the media with it: no key frame is needed for that.)
   */
  resume(): void {
    if (!this.#closed) this.#recovery.check(this.session.pc.iceConnectionState);
  }

  /**
   * Our network may have lost what we sent (the device went offline or changed networks, or the
   * other side restarted ICE after its own outage), although ICE may not have noticed: the other
   * side's decoder then waits for a key frame. One is sent now if the connection is up, else as
   * soon as it is.
   */
  refreshVideo(): void {
    if (this.#closed) return;
    const state = this.session.pc.iceConnectionState;
    if (state === 'connected' || state === 'completed') void this.session.sendKeyFrame();
    else this.#interrupted = true;
  }

  close(): void {
    this.#closed = true;
    this.#recovery.stop();
    clearInterval(this.#flowCheck);
    clearTimeout(this.#blip);
    this.#teardown();
  }

  /**
   * Media stopped arriving: ICE disconnected or failed, an interval of the network monitor went
   * by without a byte, or the device went offline (ICE may take seconds to notice, or not notice
   * a short outage at all). Until something arrives again, the received bytes are read often, so
   * that the call counts as back the moment it is.
   */
  #mediaLost() {
    if (!this.#flowing || !this.#wasConnected || this.#closed) return;
    this.#log.debug('media lost');
    this.#flowing = false;
    this.#options.onMediaFlowing();
    // Readings of an earlier loss that resolve late must not end this one.
    const loss = ++this.#losses;
    let baseline: number | null = null;
    let reading = false;
    clearInterval(this.#flowCheck);
    this.#flowCheck = setInterval(() => {
      if (reading) return;
      reading = true;
      void receivedBytes(this.session.pc)
        .then((received) => {
          if (loss !== this.#losses) return;
          if (baseline === null || received < baseline) baseline = received; // a rebuilt connection counts from 0
          else if (received > baseline) this.#mediaBack();
        })
        .catch(() => {})
        .finally(() => (reading = false));
    }, FLOW_CHECK_MS);
  }

  #mediaBack() {
    clearInterval(this.#flowCheck);
    if (this.#flowing || this.#closed) return;
    this.#log.debug('media back');
    this.#flowing = true;
    this.#recovery.flowing();
    // What the other side sent while nothing got through is lost, and its frames that follow
    // cannot be decoded without a key frame; our browser asks for one only after seconds. The
    // request may wait behind what the data channel still retransmits from the outage, so our
    // own video, most likely cut by the same outage, restarts from a key frame without asking.
    this.#channel?.send({ t: 'refresh' });
    this.refreshVideo();
    this.#options.onMediaFlowing();
  }

  #teardown() {
    for (const settle of [...this.#restarts]) settle(null);
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
  #open(initiator: boolean) {
    this.#teardown();
    this.#interrupted = false;
    for (const track of this.remoteStream.getTracks()) this.remoteStream.removeTrack(track);
    const options = this.#options;
    const messenger = options.messenger;
    const current = () => !this.#closed && this.session === session;
    const session: PeerSession = new PeerSession({
      iceServers: options.iceServers(),
      polite: options.polite,
      media: options.media,
      logger: this.#log,
      createPeerConnection: options.createPeerConnection,
      send: (signal) => current() && options.send(signal, session.id),
      onTrack: (track) => current() && this.#onTrack(track),
      onConnectionState: (state) => current() && this.#onConnectionState(state),
      onIceConnectionState: (state) => current() && this.#onIceConnectionState(session, state),
      onNewAddress: () => current() && options.onNetworkChange(),
      onError: (error) => options.onError(error),
      onStall: () => {
        if (!current()) return;
        if (++this.#rebuilds > MAX_REBUILDS) return options.onFailed(new CignalError(ClientErrorCode.ConnectionFailed, 'The browser could not gather network candidates for the call'));
        this.#log.warn('rebuilding the peer connection (attempt %d)', this.#rebuilds);
        this.#open(true);
      },
    });
    this.session = session;
    const channel: DataChannel = new DataChannel(...session.channels, session.pc, {
      open: () => current() && messenger.attach(channel),
      close: () => messenger.detach(channel),
      frame: (frame) => current() && (frame.t === 'refresh' ? this.refreshVideo() : messenger.receiveFrame(frame)),
      payload: (id, data) => current() && messenger.receivePayload(id, data),
    }, this.#log);
    this.#channel = channel;
    if (initiator) session.start();
  }

  #onTrack(track: MediaStreamTrack) {
    const stream = this.remoteStream;
    for (const old of stream.getTracks()) if (old.kind === track.kind) stream.removeTrack(old);
    stream.addTrack(track);
    if (!this.#announced) {
      this.#announced = true;
      this.#options.onRemoteStream(stream);
    }
  }

  #onIceConnectionState(session: PeerSession, state: RTCIceConnectionState) {
    const up = state === 'connected' || state === 'completed';
    this.#log.debug('ICE %s', state);
    clearTimeout(this.#blip);
    if (up) {
      // Back after an interruption: what the other side receives next is undecodable without a
      // key frame. Media that was lost and is back sends one already (`#mediaBack`).
      if (this.#interrupted && this.#flowing) void session.sendKeyFrame();
      this.#interrupted = false;
      this.#mediaBack();
    } else if (state === 'disconnected') {
      // Chromium reports a few ms of `disconnected` now and then on a path that works (seen about
      // a second after an outage): only one that lasts counts as a loss.
      this.#blip = setTimeout(() => {
        this.#interrupted = true;
        this.#mediaLost();
      }, ICE_BLIP_MS);
    } else if (state === 'failed' || (state === 'checking' && this.#wasConnected)) {
      this.#interrupted = true;
      if (state === 'failed') this.#mediaLost();
    }
    this.#recovery.observe(state);
  }

  #onConnectionState(state: RTCPeerConnectionState) {
    this.#log.debug('peer connection %s', state);
    if (state === 'connected') {
      this.#wasConnected = true;
      this.#rebuilds = 0;
      this.#monitor ??= new NetworkMonitor(this.session.pc, (status) => {
        // Silence means loss only while we send media: the other side's feedback then comes
        // back all the time. A call where neither side sends (data only, everything off) is quiet.
        // (ICE disconnected or failed is handled as it happens.)
        if (status.quality === 'lost' && (this.#options.media.outgoing('audio') || this.#options.media.outgoing('video'))) this.#mediaLost();
        this.#options.onNetworkStatus(status);
      });
      this.#options.onConnected();
    }
  }
}
