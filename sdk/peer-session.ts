// One RTCPeerConnection for one call, negotiated with the W3C "perfect negotiation" pattern:
// the polite peer yields (rolls back) when both sides offer at once, the impolite one ignores
// the colliding offer. Remote ICE candidates wait until the remote description is set.
import { CignalError, ClientErrorCode } from './errors.js';
import type { Logger } from './logger.js';
import { randomId } from './url.js';

export type OutgoingSignal =
  | { kind: 'offer'; description: { type: 'offer'; sdp: string } }
  | { kind: 'answer'; description: { type: 'answer'; sdp: string } }
  | { kind: 'candidate'; candidate: RTCIceCandidateInit };

export interface PeerSessionOptions {
  iceServers: RTCIceServer[];
  polite: boolean;
  localStream: MediaStream | null;
  send: (signal: OutgoingSignal) => void;
  onTrack: (track: MediaStreamTrack) => void;
  onConnectionState: (state: RTCPeerConnectionState) => void;
  onError: (error: CignalError) => void;
  /** Local ICE gathering started but produced no candidate in time: the owner should rebuild. */
  onStall: () => void;
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

  readonly #options: PeerSessionOptions;
  readonly #log: Logger;
  #makingOffer = false;
  #ignoreOffer = false;
  #answerPending = false;
  #tracksAdded = false;
  #closed = false;
  #pendingCandidates: Array<{ candidate: RTCIceCandidateInit; connection: string }> = [];
  #sawLocalCandidate = false;
  #stallTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: PeerSessionOptions) {
    this.#options = options;
    this.#log = options.logger;
    this.polite = options.polite;
    const create = options.createPeerConnection ?? ((config) => new RTCPeerConnection(config));
    const pc = (this.pc = create({ iceServers: options.iceServers }));

    pc.onnegotiationneeded = () => void this.#offer();
    pc.onicecandidate = ({ candidate }) => {
      if (!candidate || !candidate.candidate) return;
      this.#sawLocalCandidate = true;
      clearTimeout(this.#stallTimer);
      this.#options.send({ kind: 'candidate', candidate: candidate.toJSON() });
    };
    pc.onicegatheringstatechange = () => {
      if (pc.iceGatheringState === 'gathering' && !this.#sawLocalCandidate) this.#armStallWatchdog();
    };
    pc.ontrack = ({ track }) => this.#options.onTrack(track);
    pc.onconnectionstatechange = () => this.#options.onConnectionState(pc.connectionState);
    pc.oniceconnectionstatechange = () => {
      if (pc.iceConnectionState === 'failed') {
        this.#log.warn('ICE failed; restarting ICE');
        pc.restartIce();
      }
    };
  }

  /** Starts the call from this side: adding the local tracks makes the connection offer. */
  start(): void {
    this.#addLocalTracks();
  }

  async handleDescription(description: RTCSessionDescriptionInit, remoteConnection: string): Promise<void> {
    if (this.#closed) return;
    const pc = this.pc;
    this.remoteConnection = remoteConnection;
    try {
      const readyForOffer = !this.#makingOffer && (pc.signalingState === 'stable' || this.#answerPending);
      const collision = description.type === 'offer' && !readyForOffer;
      this.#ignoreOffer = !this.polite && collision;
      if (this.#ignoreOffer) {
        this.#log.debug('offer collision: ignoring the remote offer (impolite side)');
        return;
      }
      if (collision) {
        // An explicit rollback of our own offer before applying theirs: with the implicit one,
        // Chromium's ICE gathering on this side occasionally never starts.
        this.#log.debug('offer collision: rolling back our offer (polite side)');
        await pc.setLocalDescription({ type: 'rollback' }).catch((error) => this.#log.debug('rollback: %o', error));
      }
      this.#answerPending = description.type === 'answer';
      await pc.setRemoteDescription(description);
      this.#answerPending = false;
      await this.#flushCandidates();
      if (description.type === 'offer') {
        this.#addLocalTracks();
        await pc.setLocalDescription();
        const local = pc.localDescription;
        if (local?.type === 'answer') this.#options.send({ kind: 'answer', description: { type: 'answer', sdp: local.sdp } });
      }
    } catch (error) {
      this.#answerPending = false;
      if (this.#closed) return;
      this.#options.onError(new CignalError(ClientErrorCode.NegotiationFailed, `Could not apply the remote ${description.type}`, { cause: error }));
    }
  }

  async handleCandidate(candidate: RTCIceCandidateInit, remoteConnection: string): Promise<void> {
    if (this.#closed) return;
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
    clearTimeout(this.#stallTimer);
    const pc = this.pc;
    pc.onnegotiationneeded = pc.onicecandidate = pc.onicegatheringstatechange = null;
    pc.ontrack = pc.onconnectionstatechange = pc.oniceconnectionstatechange = null;
    for (const receiver of pc.getReceivers()) receiver.track?.stop();
    pc.close();
    this.#pendingCandidates = [];
  }

  async #offer() {
    if (this.#closed) return;
    try {
      this.#makingOffer = true;
      await this.pc.setLocalDescription();
      const local = this.pc.localDescription;
      // A polite rollback may have undone this offer before we got here.
      if (!this.#closed && local?.type === 'offer' && this.pc.signalingState === 'have-local-offer') {
        this.#options.send({ kind: 'offer', description: { type: 'offer', sdp: local.sdp } });
      }
    } catch (error) {
      if (!this.#closed) this.#options.onError(new CignalError(ClientErrorCode.NegotiationFailed, 'Could not create an offer', { cause: error }));
    } finally {
      this.#makingOffer = false;
    }
  }

  #addLocalTracks() {
    if (this.#tracksAdded) return;
    this.#tracksAdded = true;
    const stream = this.#options.localStream;
    for (const track of stream?.getTracks() ?? []) this.pc.addTrack(track, stream!);
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

  #armStallWatchdog() {
    clearTimeout(this.#stallTimer);
    this.#stallTimer = setTimeout(() => {
      if (this.#closed || this.#sawLocalCandidate) return;
      this.#log.warn('ICE gathering produced no candidate in %d ms', this.#options.stallTimeoutMs ?? 3000);
      this.#options.onStall();
    }, this.#options.stallTimeoutMs ?? 3000);
  }
}
