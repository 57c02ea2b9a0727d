// One RTCPeerConnection for one call, negotiated with the W3C "perfect negotiation" pattern:
// the polite peer yields (rolls back) when both sides offer at once, the impolite one ignores
// the colliding offer. Remote ICE candidates wait until the remote description is set. It keeps
// one sender per kind (audio, video) for its whole life, so tracks change by replaceTrack, and
// opens the call's data channels before the first offer.
import type { ClientToServerEvents } from './protocol/index.js';
import { CignalError, ClientErrorCode } from './errors.js';
import { watchGathering } from './gathering-watch.js';
import { keyFrames, type KeyFrames } from './key-frames.js';
import type { Logger } from './logger.js';
import { randomId } from './url.js';

/** The ICE username fragment of a description: new credentials mean an ICE restart. */
export const ufrag = (description: RTCSessionDescription | null) => /a=ice-ufrag:(\S+)/.exec(description?.sdp ?? '')?.[1];

/**
 * True when `b` is a copy of description `a`. The SDP of a description grows with the candidates
 * gathered (ours) or added (theirs) after it was set, so copies sent at different moments differ;
 * its origin line (session id and version, new with every description made) does not.
 */
const isCopy = (a: RTCSessionDescriptionInit, b: RTCSessionDescriptionInit | null | undefined) => {
  const o = origin(a);
  return !!o && a.type === b?.type && o === origin(b);
};
const origin = (description: RTCSessionDescriptionInit) => /^o=.*/m.exec(description.sdp!)?.[0];

/** The signals of a peer connection, with their payloads as the protocol defines them. */
export type SignalEvent = 'offer' | 'answer' | 'candidate' | 'restartIce';
export type SignalPayload<E extends SignalEvent> = Parameters<ClientToServerEvents[E]>[0];
export type SendSignal = <E extends SignalEvent>(event: E, payload: SignalPayload<E>) => void;

export type TrackKind = 'audio' | 'video';

/** Where the tracks to send come from (LocalMedia). */
export interface TrackSource {
  stream: MediaStream | null;
  outgoing(kind: TrackKind): MediaStreamTrack | null;
}

export interface PeerSessionOptions {
  iceServers: RTCIceServer[];
  /** `relay`: only candidates through a TURN server, so that the other side never learns our address. */
  iceTransportPolicy?: RTCIceTransportPolicy;
  polite: boolean;
  media: TrackSource;
  /** Sends a signal of this connection to the other side. */
  send: SendSignal;
  onTrack: (track: MediaStreamTrack) => void;
  onConnectionState: (state: RTCPeerConnectionState) => void;
  onIceConnectionState: (state: RTCIceConnectionState) => void;
  onError: (error: CignalError) => void;
  /** Local ICE gathering started but produced no candidate in time: the owner should rebuild. */
  onStall: () => void;
  /**
   * This side answered the connection's first offer, so it never offers again (see `restart`):
   * the other side is to be asked for an ICE restart offer instead.
   */
  requestRestart: () => void;
  /**
   * Once connected, a local candidate appeared on an address this connection had not used: the
   * device moved to another network (Wi-Fi to cellular), which the current path does not survive.
   */
  onNewAddress?: () => void;
  logger: Logger;
  createPeerConnection?: (config: RTCConfiguration) => RTCPeerConnection;
  /** How long gathering may go without a single local candidate. */
  stallTimeoutMs?: number;
}

export class PeerSession {
  /** Names this peer connection to the other side (`connection` in signals), so stale signals can be told apart. */
  readonly id = randomId(9);
  readonly pc: RTCPeerConnection;
  readonly polite: boolean;
  /** The other side's connection id, learned from its first description. */
  remoteConnection: string | null = null;
  /** The call's data channels on this connection: control (negotiated id 0) and bulk data (id 1). */
  readonly channels: readonly [control: RTCDataChannel, bulk: RTCDataChannel];

  readonly #options: PeerSessionOptions;
  readonly #log: Logger;
  #makingOffer = false;
  #ignoreOffer = false;
  /** The remote description being applied (and answered, for an offer). */
  #applying: RTCSessionDescriptionInit | undefined;
  /** Whether this side's offer opened the connection; null until the first offer was answered. */
  #opener: boolean | null = null;
  #tracksAdded = false;
  readonly #senders: Partial<Record<TrackKind, RTCRtpSender>> = {};
  #closed = false;
  #pendingCandidates: Array<{ candidate: RTCIceCandidateInit; connection: string }> = [];
  #wasConnected = false;
  /** Stops watching the ICE gathering (gathering-watch.ts). */
  readonly #stopWatching: () => void;
  readonly #keyFrames: KeyFrames;

  constructor(options: PeerSessionOptions) {
    this.#options = options;
    this.#log = options.logger;
    this.polite = options.polite;
    const create = options.createPeerConnection ?? ((config) => new RTCPeerConnection(config));
    const pc = (this.pc = create({ iceServers: options.iceServers, iceTransportPolicy: options.iceTransportPolicy }));
    // Both sides create it with the same id, so neither has to wait for the other to announce it.
    this.channels = [pc.createDataChannel('cignal', { negotiated: true, id: 0 }), pc.createDataChannel('cignal-data', { negotiated: true, id: 1 })];
    const { stallTimeoutMs: timeoutMs, onStall, onNewAddress, logger } = options;
    this.#stopWatching = watchGathering(pc, { timeoutMs, onStall, onNewAddress, connected: () => this.#wasConnected, logger });
    this.#keyFrames = keyFrames(() => this.#senders.video, () => this.#closed, logger);

    pc.onnegotiationneeded = () => void this.#offer();
    pc.onicecandidate = ({ candidate }) => {
      if (!candidate || !candidate.candidate) return;
      this.#send('candidate', { ...this.#route(), candidate: { ...candidate.toJSON(), candidate: candidate.candidate } });
    };
    pc.ontrack = ({ track }) => this.#options.onTrack(track);
    pc.onconnectionstatechange = () => {
      if (pc.connectionState === 'connected' && !this.#wasConnected) {
        this.#wasConnected = true;
        this.#keyFrames.followPath(pc);
      }
      this.#options.onConnectionState(pc.connectionState);
    };
    pc.oniceconnectionstatechange = () => this.#options.onIceConnectionState(pc.iceConnectionState);
    pc.onsignalingstatechange = () => {
      if (this.#opener === null && pc.signalingState === 'stable' && pc.currentLocalDescription) this.#opener = pc.currentLocalDescription.type === 'offer';
    };
  }

  /**
   * Whether this side makes the connection's offers: the side whose offer opened it, or either
   * side before the first offer was answered. The DTLS roles are settled by that first exchange
   * (the answerer chose `active` or `passive`), and an offer from the other side lets the
   * browsers settle them again: Firefox answers such an offer from Chromium with `a=setup:active`
   * where Chromium is active already, and Chromium refuses the answer.
   */
  get offers(): boolean {
    return this.#opener !== false;
  }

  /** Starts the call from this side: adding the local tracks makes the connection offer. */
  start(): void {
    this.#attachMedia();
  }

  /** Sends `track` (or nothing) on this kind's sender, without renegotiating. */
  async replaceTrack(kind: TrackKind, track: MediaStreamTrack | null): Promise<void> {
    const sender = this.#senders[kind];
    if (!sender || this.#closed || sender.track === track) return;
    try {
      await sender.replaceTrack(track);
    } catch (error) {
      if (!this.#closed) throw error; // a connection closed meanwhile needs no new track
    }
  }

  /**
   * Restarts ICE (new credentials, new candidates). An offer of ours still unanswered (it may have
   * been lost in the outage) is sent again as it is: the other side answers it whether or not it
   * saw it before, and the restart follows once the connection is stable. On the side that
   * answered the connection's first offer, the other side is asked for the restart offer instead.
   */
  restart(): void {
    if (this.#closed) return;
    if (!this.offers) {
      this.#log.debug('asking the other side for an ICE restart');
      return this.#options.requestRestart();
    }
    const pc = this.pc;
    this.#offerAgain();
    // An offer that restarts ICE already (new credentials) is the restart; asking again would
    // make one more the moment it is answered, and the answers to its copies would then find
    // that new offer waiting.
    if (pc.signalingState !== 'have-local-offer' || ufrag(pc.pendingLocalDescription) === ufrag(pc.currentLocalDescription)) pc.restartIce();
  }

  /** Sends our offer that is waiting for an answer again, if there is one. */
  #offerAgain() {
    const pending = this.pc.localDescription;
    if (this.#makingOffer || this.pc.signalingState !== 'have-local-offer' || pending?.type !== 'offer') return;
    this.#log.debug('offer sent again');
    this.#send('offer', { ...this.#route(), description: { type: 'offer', sdp: pending.sdp } });
  }

  /** Makes the video encoder start again from a key frame (see key-frames.ts). */
  sendKeyFrame(): Promise<void> {
    return this.#keyFrames.send();
  }

  /** True when a signal names a connection of ours other than this one: it is stale. */
  isStale(to: string | undefined): boolean {
    return to !== undefined && to !== this.id;
  }

  async handleDescription(description: RTCSessionDescriptionInit, remoteConnection: string, to?: string): Promise<void> {
    if (this.#closed) return;
    const drop = (why: string) => this.#log.debug('dropped the %s: %s', description.type, why);
    if (this.isStale(to)) return drop('stale');
    const pc = this.pc;
    this.#log.debug('%s received in %s', description.type, pc.signalingState);
    this.remoteConnection = remoteConnection;
    // An offer sent again (see `#offerAgain`) may come while its first copy is being answered, or
    // after: the first is answered once, a later one with the answer already made. The answers to
    // both copies come back: one being applied or in use already, or with no offer of ours
    // waiting, is dropped.
    if (isCopy(description, this.#applying)) return drop('a copy, being applied');
    if (isCopy(description, pc.currentRemoteDescription)) {
      if (description.type === 'answer') return drop('a copy, in use');
      // Our answer may have been lost; unless we have moved on to an offer of our own since.
      const local = pc.currentLocalDescription;
      if (pc.signalingState !== 'stable' || this.#makingOffer || local?.type !== 'answer') return drop('a copy, answered');
      this.#log.debug('answering a copy again');
      return this.#send('answer', { ...this.#route(), description: { type: 'answer', sdp: local.sdp } });
    }
    if (pc.signalingState === 'stable' && description.type === 'answer') return drop('no offer waiting');
    try {
      const readyForOffer = !this.#makingOffer && (pc.signalingState === 'stable' || this.#applying?.type === 'answer');
      const collision = description.type === 'offer' && !readyForOffer;
      this.#ignoreOffer = !this.polite && collision;
      if (this.#ignoreOffer) {
        this.#log.debug('offer collision: ignoring the remote offer (impolite side)');
        // The other side yields to our offer, which it may never have received: one sent while its
        // connection to the server was dead and not yet known to be (a long outage) is lost. (At
        // the start of a call both offers went over live connections.)
        if (this.#wasConnected) this.#offerAgain();
        return;
      }
      if (collision) {
        // An explicit rollback of our own offer before applying theirs: with the implicit one,
        // Chromium's ICE gathering on this side occasionally never starts.
        this.#log.debug('offer collision: rolling back our offer (polite side)');
        await pc.setLocalDescription({ type: 'rollback' }).catch((error) => this.#log.debug('rollback: %o', error));
      }
      this.#applying = description;
      await pc.setRemoteDescription(description);
      await this.#flushCandidates();
      if (description.type === 'offer') {
        if (this.#tracksAdded) this.#adoptOffered();
        this.#attachMedia();
        await pc.setLocalDescription();
        const local = pc.localDescription;
        if (local?.type === 'answer') this.#send('answer', { ...this.#route(), description: { type: 'answer', sdp: local.sdp } });
      }
    } catch (error) {
      if (this.#closed) return;
      this.#options.onError(new CignalError(ClientErrorCode.NegotiationFailed, `Could not apply the remote ${description.type}`, { cause: error }));
    } finally {
      if (this.#applying === description) this.#applying = undefined;
    }
  }

  async handleCandidate(candidate: RTCIceCandidateInit, remoteConnection: string, to?: string): Promise<void> {
    if (this.#closed || this.isStale(to)) return;
    if (this.remoteConnection !== null && remoteConnection !== this.remoteConnection) return; // for a connection we no longer have
    if (!this.pc.remoteDescription) {
      this.#pendingCandidates.push({ candidate, connection: remoteConnection });
      return;
    }
    await this.#addCandidate(candidate);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#stopWatching();
    const pc = this.pc;
    pc.onnegotiationneeded = pc.onicecandidate = null;
    pc.ontrack = pc.onconnectionstatechange = pc.oniceconnectionstatechange = pc.onsignalingstatechange = null;
    this.#keyFrames.followPath(pc, false);
    for (const receiver of pc.getReceivers()) receiver.track?.stop();
    pc.close();
    this.#pendingCandidates = [];
  }

  async #offer() {
    // Creating the data channel asks for negotiation at once. On the answering side that request
    // can run after the remote offer was applied, and its setLocalDescription() would then make
    // the answer before our tracks are added. Only a side that has started the call offers, and
    // once the first offer was answered, only the side that made it (see `offers`).
    if (this.#closed || !this.#tracksAdded) return;
    if (!this.offers) return this.#log.debug('negotiation needed on the answering side: left to the other side');
    try {
      this.#makingOffer = true;
      await this.pc.setLocalDescription();
      const local = this.pc.localDescription;
      // A polite rollback may have undone this offer before we got here.
      if (!this.#closed && local?.type === 'offer' && this.pc.signalingState === 'have-local-offer') {
        this.#send('offer', { ...this.#route(), description: { type: 'offer', sdp: local.sdp } });
      }
    } catch (error) {
      if (!this.#closed) this.#options.onError(new CignalError(ClientErrorCode.NegotiationFailed, 'Could not create an offer', { cause: error }));
    } finally {
      this.#makingOffer = false;
    }
  }

  readonly #send: SendSignal = (event, payload) => {
    if (event !== 'candidate') this.#log.debug('%s sent', event);
    this.#options.send(event, payload);
  };

  /** Where a signal goes: from this connection, to the other side's once it is known. */
  #route() {
    return { connection: this.id, ...(this.remoteConnection ? { to: this.remoteConnection } : {}) };
  }

  /**
   * Gives each kind a sender that lives as long as the connection. A kind with nothing to send
   * yet (camera off) still gets one, so turning it on later is a replaceTrack, not a new offer.
   * On the answering side, addTrack takes over the transceivers the offer created.
   */
  #attachMedia() {
    if (this.#tracksAdded) return;
    this.#tracksAdded = true;
    const { media } = this.#options;
    const streams = media.stream ? [media.stream] : [];
    for (const kind of ['audio', 'video'] as const) {
      const track = media.outgoing(kind);
      if (track) {
        this.#senders[kind] = this.pc.addTrack(track, ...streams);
        continue;
      }
      const offered = this.pc.getTransceivers().find((t) => t.receiver.track.kind === kind && !t.sender.track && t.direction === 'recvonly');
      if (offered) offered.direction = 'sendrecv';
      else if (this.pc.signalingState !== 'stable') continue; // the offer has no such kind: nothing to add
      this.#senders[kind] = (offered ?? this.pc.addTransceiver(kind, { direction: 'sendrecv', streams })).sender;
    }
  }

  /**
   * A sender made for a kind with nothing to send yet (`addTransceiver`) and not negotiated yet
   * (our offer was rolled back in a collision) is not taken over by the remote offer, as one made
   * by `addTrack` is: the offer's own transceiver of that kind takes its place, so that this
   * answer negotiates it. (Negotiating it by an offer of ours afterwards is not open to the side
   * that answers the first offer; see `offers`.)
   */
  #adoptOffered() {
    const transceivers = this.pc.getTransceivers();
    for (const kind of ['audio', 'video'] as const) {
      const mine = transceivers.find((t) => t.sender === this.#senders[kind]);
      if (!mine || mine.mid !== null) continue;
      const offered = transceivers.find((t) => t !== mine && t.mid !== null && t.receiver.track.kind === kind && !t.sender.track && t.direction === 'recvonly');
      if (!offered) continue;
      this.#log.debug('the offer takes over our %s sender', kind);
      offered.direction = 'sendrecv';
      const streams = this.#options.media.stream;
      if (streams) offered.sender.setStreams?.(streams);
      this.#senders[kind] = offered.sender;
      const track = this.#options.media.outgoing(kind);
      if (track) void offered.sender.replaceTrack(track).catch((error) => this.#log.warn('could not send the %s: %o', kind, error));
      // Ours stays as it is, never negotiated: stopping it here stalls Chromium's ICE gathering.
    }
  }

  async #flushCandidates() {
    const pending = this.#pendingCandidates.filter(({ connection }) => connection === this.remoteConnection);
    this.#pendingCandidates = [];
    for (const { candidate } of pending) await this.#addCandidate(candidate);
  }

  async #addCandidate(candidate: RTCIceCandidateInit) {
    try {
      await this.pc.addIceCandidate(candidate);
    } catch (error) {
      // Candidates for an offer we ignored are expected to fail.
      if (!this.#ignoreOffer && !this.#closed) this.#log.warn('could not add a remote ICE candidate: %o', error);
    }
  }
}
