// Whether media reaches this side of a call, and what is done when it stops. A loss is known by
// ICE (`disconnected` that lasts, `failed`), by a network-status interval without a byte, or by
// the device going offline; it ends only when bytes arrive again. Losses and the paths that ICE
// restarts move to drive the recovery ladder (Recovery); the call's owner is told whenever what
// the person sees may have changed. One per call: it outlives the peer connections rebuilt in it.
import { CignalError, ClientErrorCode } from './errors.js';
import type { Logger } from './logger.js';
import { watchFlow, type FlowWatch } from './media-flow.js';
import { Recovery, type RecoveryHooks, type RecoveryOptions } from './recovery.js';

/** How long ICE must stay `disconnected` to count as a loss of media. */
const ICE_BLIP_MS = 250;
/**
 * How long the path an ICE restart moved to gets to carry bytes, from the restart's answer, before
 * the recovery ladder's next step is made at once.
 */
export const PATH_CHECK_MS = 2_000;
/** How many such windows the browser gets to move to the new path while the old one still carries the call. */
const PATH_CHECK_WINDOWS = 5;

export interface HealthOptions extends Pick<RecoveryHooks, 'restart' | 'rebuild' | 'canSignal'> {
  /** Aborted when the call ends: nothing more is watched or told. */
  signal: AbortSignal;
  logger: Logger;
  recovery?: RecoveryOptions;
  /** The call's peer connection now (it may be rebuilt). */
  pc(): RTCPeerConnection;
  /** Whether this side makes the offers of the current connection (and so steps first). */
  offers(): boolean;
  /**
   * Whether bytes should arrive all the time: while we send media the other side's feedback on it
   * comes back, and while they send, their media comes. A call where neither side sends anything
   * (data only, everything off) is quiet, and only ICE can tell.
   */
  expectsTraffic(): boolean;
  /** Sends a key frame of our video at once. */
  sendKeyFrame(): void;
  /** Media arrives again after a loss: the other side is asked to start its video from a key frame. */
  askForKeyFrame(): void;
  /** What the person sees may have changed: connected, a loss, media back (every change of `flowing` is told here). */
  onMedia(): void;
  /** A call that was connected lost its path; it is being restored. */
  onReconnecting(): void;
  /** The call cannot be restored. */
  onFailed(error: CignalError): void;
}

export class CallHealth {
  readonly #options: HealthOptions;
  readonly #log: Logger;
  readonly #recovery: Recovery;
  /** True once the call has been connected: a later outage is "connection lost", not "failed". */
  #wasConnected = false;
  /** ICE lost its path since it was last connected: video frames were lost on the way. */
  #interrupted = false;
  #flowing = true;
  /** Watches for bytes after a loss, until they arrive (ICE saying connected is not enough). */
  #lossWatch: FlowWatch | null = null;
  /** Watches the path an ICE restart moved to. */
  #pathWatch: FlowWatch | null = null;
  #blip: ReturnType<typeof setTimeout> | undefined;
  /** Woken when the connection changes, a path is confirmed, or the call ends (see `until`). */
  readonly #waiters = new Set<() => void>();
  #confirmations = 0;

  constructor(options: HealthOptions) {
    this.#options = options;
    this.#log = options.logger;
    this.#recovery = new Recovery(
      {
        restart: options.restart,
        rebuild: options.rebuild,
        canSignal: options.canSignal,
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
    options.signal.addEventListener(
      'abort',
      () => {
        this.#recovery.stop();
        this.#lossWatch?.stop();
        this.#pathWatch?.stop();
        clearTimeout(this.#blip);
        this.wake();
      },
      { once: true },
    );
  }

  get #ended(): boolean {
    return this.#options.signal.aborted;
  }

  /** Whether media reaches this side, as far as it can tell; false from a loss until anything arrives again. */
  get flowing(): boolean {
    return this.#flowing;
  }

  /**
   * How often bytes were seen arriving on a new path (after an ICE restart, a rebuild, a loss), or,
   * after an ICE restart, still arriving on the pairs from before it for a whole check: either way
   * the call's media gets through.
   */
  get confirmations(): number {
    return this.#confirmations;
  }

  /** The call has a new peer connection: what watched the old one has nothing to say of it. */
  replaced(): void {
    this.#pathWatch?.stop();
    this.#pathWatch = null;
    clearTimeout(this.#blip);
    this.#interrupted = false;
  }

  /** Resolves true once `test()` holds (checked whenever the health wakes its waiters), false at `deadline` or at the end of the call. */
  until(test: () => boolean, deadline: number): Promise<boolean> {
    return new Promise((resolve) => {
      const finish = (outcome: boolean) => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(outcome);
      };
      const check = () => (this.#ended || performance.now() >= deadline ? finish(false) : test() && finish(true));
      const timer = setTimeout(() => finish(false), Math.max(0, deadline - performance.now()));
      this.#waiters.add(check);
      check();
    });
  }

  /** Checks the waiters of `until` again (the connection's state or its descriptions changed). */
  wake(): void {
    for (const wake of [...this.#waiters]) wake();
  }

  /**
   * After an ICE restart, the new path must carry bytes within PATH_CHECK_MS (on a pair other than
   * those there before it, `before`), or the recovery ladder's next step is made at once.
   */
  checkNewPath(before: ReadonlySet<string> | null, windows = 1): void {
    if (!this.#options.expectsTraffic()) return;
    this.#pathWatch?.stop();
    const watch = (this.#pathWatch = watchFlow(this.#options.pc, { timeoutMs: PATH_CHECK_MS, notOn: before }));
    void watch.result.then((flow) => {
      if (this.#pathWatch !== watch || this.#ended) return;
      this.#pathWatch = null;
      if (flow === 'arrived') return this.#confirm();
      // The old path still carries the call (a busy browser may take its time to move; Chromium on
      // loopback was seen counting a restarted call's bytes on the old pairs for over 10 s): not
      // silent, and `restartIce` may know at once that the media gets through.
      if (flow === 'stayed' && windows < PATH_CHECK_WINDOWS) {
        this.#confirmations++;
        this.wake();
        return this.checkNewPath(before, windows + 1);
      }
      if (flow === 'stayed') return this.#confirm();
      this.#log.warn('the path of the ICE restart carried nothing in %d ms', PATH_CHECK_MS);
      this.lost();
      // The side that makes the offers steps at once; the other gives it the silent grace first,
      // so that the two do not both restart (or rebuild) for the same fault.
      this.#recovery.silent({ now: this.#options.offers() });
    });
  }

  /** Bytes arrive on the path in use: the recovery ladder ends, and `restartIce` may learn of it. */
  #confirm() {
    this.#confirmations++;
    this.#recovery.confirmed();
    this.wake();
  }

  /**
   * The device changed networks or came back online (see `Recovery.networkChanged`); what we
   * sent meanwhile was lost, so our video starts again from a key frame. Before the first
   * connection there is no path to restore; the negotiation goes on.
   */
  networkChanged(): void {
    if (this.#ended || !this.#wasConnected) return;
    this.#recovery.networkChanged();
    this.refreshVideo();
  }

  /** The device is back online: the path in use gets a moment to come back before an ICE restart (see `Recovery.online`). */
  online(): void {
    if (!this.#ended && this.#wasConnected) this.#recovery.online({ flowing: this.#flowing });
  }

  /** The signalling connection is back: a connection that is not up is restarted at once. */
  resume(): void {
    if (!this.#ended) this.#recovery.check(this.#options.pc().iceConnectionState);
  }

  /**
   * Our network may have lost what we sent, although ICE may not have noticed: the other side's
   * decoder then waits for a key frame. One is sent now if the connection is up, else as soon as it is.
   */
  refreshVideo(): void {
    if (this.#ended) return;
    const state = this.#options.pc().iceConnectionState;
    if (state === 'connected' || state === 'completed') this.#options.sendKeyFrame();
    else this.#interrupted = true;
  }

  /**
   * Media stopped arriving: ICE disconnected or failed, an interval of the network monitor went
   * by without a byte, or the device went offline (ICE may take seconds to notice, or not notice
   * a short outage at all). Until something arrives again, the received bytes are read often, so
   * that the call counts as back the moment it is.
   */
  lost(): void {
    if (!this.#flowing || !this.#wasConnected || this.#ended) return;
    this.#log.debug('media lost');
    this.#flowing = false;
    this.#options.onMedia();
    // Whatever ICE says next, only bytes arriving end the loss for the recovery ladder.
    if (this.#options.expectsTraffic()) this.#recovery.silent();
    this.#lossWatch?.stop();
    const watch = (this.#lossWatch = watchFlow(this.#options.pc));
    void watch.result.then((flow) => {
      if (flow !== 'arrived' || this.#lossWatch !== watch || this.#ended) return;
      this.#lossWatch = null;
      this.#confirm();
      this.#back();
    });
  }

  #back() {
    if (this.#flowing || this.#ended) return;
    this.#log.debug('media back');
    this.#flowing = true;
    this.#recovery.flowing();
    // What the other side sent while nothing got through is lost, and its frames that follow
    // cannot be decoded without a key frame; our browser asks for one only after seconds. The
    // request may wait behind what the data channel still retransmits from the outage, so our
    // own video, most likely cut by the same outage, restarts from a key frame without asking.
    this.#options.askForKeyFrame();
    this.refreshVideo();
    this.#options.onMedia();
  }

  /** The current connection's ICE state changed. */
  ice(state: RTCIceConnectionState): void {
    this.#log.debug('ICE %s', state);
    this.wake();
    clearTimeout(this.#blip);
    if (state === 'connected' || state === 'completed') {
      // Back after an interruption: what the other side receives next is undecodable without a
      // key frame. Media that was lost and is back sends one already (`#back`).
      if (this.#interrupted && this.#flowing) this.#options.sendKeyFrame();
      this.#interrupted = false;
      // Shown as back at once; the bytes watch of the loss goes on, and the ladder with it, until
      // something arrives. Without traffic to watch for, ICE's word is all there is.
      this.#back();
      if (!this.#options.expectsTraffic()) this.#recovery.confirmed();
    } else if (state === 'disconnected') {
      // Chromium reports a few ms of `disconnected` now and then on a path that works (seen about
      // a second after an outage): only one that lasts counts as a loss.
      this.#blip = setTimeout(() => {
        this.#interrupted = true;
        this.lost();
      }, ICE_BLIP_MS);
    } else if (state === 'failed' || (state === 'checking' && this.#wasConnected)) {
      this.#interrupted = true;
      if (state === 'failed') this.lost();
    }
    this.#recovery.observe(state);
  }

  /** The current connection is connected. */
  connected(): void {
    this.#wasConnected = true;
    this.#options.onMedia();
  }
}
