// The one policy for restoring a call whose network paths failed: ICE `disconnected` gets a short
// grace before an ICE restart, `failed` gets one at once, further restarts back off with jitter
// until a bound, and every recovery starts the count afresh. And a ladder for a path that ICE
// calls connected while nothing arrives on it (seen after ICE restarts between Firefox and
// Chromium): another ICE restart, then a new peer connection, in turn, until media is back or the
// bound ends the call.

/** Decides when to try again. */
export interface RecoveryPolicy {
  /**
   * How long to wait, after restart number `attempt` (0 for the first) was made `elapsedMs` into
   * the outage, before the next one; null to give up now.
   */
  nextDelayMs(attempt: number, elapsedMs: number): number | null;
}

export interface RecoveryOptions {
  /** How long ICE may stay `disconnected` before a restart (it often comes back by itself). Default 1500 ms. */
  disconnectedGraceMs?: number;
  /**
   * How long the path in use gets, once the network is back, to carry media again by itself
   * before an ICE restart moves the call to a new one. Default 1000 ms.
   */
  pathGraceMs?: number;
  /** After how long without a connection the call is given up (and twice that, an unreachable server). Default 60 000 ms. */
  maxOutageMs?: number;
  /**
   * How long media may stay away while ICE says the path is connected before the ladder's next
   * step: an ICE restart, then a new peer connection, in turn. Default 3000 ms.
   */
  silentGraceMs?: number;
  /** Replaces the default back-off entirely. */
  policy?: RecoveryPolicy;
}

export const DISCONNECTED_GRACE_MS = 1_500;
export const PATH_GRACE_MS = 1_000;
/**
 * After this long without an answer to its consent checks a browser stops using a path (RFC 7675):
 * an outage that long leaves no old path to come back.
 */
const CONSENT_TIMEOUT_MS = 30_000;
export const MAX_OUTAGE_MS = 60_000;
export const SILENT_GRACE_MS = 3_000;
/** Waits after the first restarts; every later one waits the last of them. */
const BACKOFF_MS = [1_000, 2_000, 4_000, 5_000];
const JITTER = 0.2;

/** Back-off with ±20 % jitter (so both sides do not retry in step), giving up after `maxOutageMs`. */
export function backoffPolicy(maxOutageMs = MAX_OUTAGE_MS, random = Math.random): RecoveryPolicy {
  return {
    nextDelayMs(attempt, elapsedMs) {
      if (elapsedMs >= maxOutageMs) return null;
      const base = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)]!;
      const delay = base * (1 + JITTER * (2 * random() - 1));
      return Math.max(0, Math.min(delay, maxOutageMs - elapsedMs));
    },
  };
}

export interface RecoveryHooks {
  /** Restarts ICE (the attempt itself). */
  restart(attempt: number): void;
  /** Gives the call a new peer connection (the ladder's step after an ICE restart that did not help). */
  rebuild(): void;
  /**
   * Whether a restart's offer can reach the other side now. While it cannot (the signalling
   * connection is down too), no restart is made, the time still counts, and `check()` on the
   * connection's return makes one at once.
   */
  canSignal(): boolean;
  /** The call is being restored (first restart of an outage). */
  onReconnecting(): void;
  /** Connected again after an outage. */
  onRecovered(attempts: number): void;
  /** The bound was reached without a connection. */
  onGiveUp(): void;
  now?: () => number;
}

/** Watches one call's ICE connection state and drives restarts through `hooks`. */
export class Recovery {
  readonly #hooks: RecoveryHooks;
  readonly #policy: RecoveryPolicy;
  readonly #graceMs: number;
  readonly #pathGraceMs: number;
  readonly #now: () => number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** When the outage began; null while connected (or before the first connection). */
  #since: number | null = null;
  #attempt = 0;
  #recovering = false;
  #connected = false;
  /** A network change asked for a restart while signals could not get through. */
  #restartPending = false;
  /** The device came back online: the restart that follows unless media arrives first. */
  #onlineCheck: ReturnType<typeof setTimeout> | undefined;
  #stopped = false;
  readonly #silentGraceMs: number;
  readonly #maxOutageMs: number;
  /** Since when media has not arrived (known by its bytes, not by ICE); null while it does. */
  #silentSince: number | null = null;
  /** Steps of the ladder made since then. */
  #silentSteps = 0;
  #silentTimer: ReturnType<typeof setTimeout> | undefined;
  /** When bytes were last seen arriving again (`confirmed`). */
  #arrivedAt: number | null = null;
  /** When the scheduled step is due (`now()` time); null when none is. */
  #stepAt: number | null = null;

  constructor(hooks: RecoveryHooks, options: RecoveryOptions = {}) {
    this.#hooks = hooks;
    this.#policy = options.policy ?? backoffPolicy(options.maxOutageMs);
    this.#graceMs = options.disconnectedGraceMs ?? DISCONNECTED_GRACE_MS;
    this.#pathGraceMs = options.pathGraceMs ?? PATH_GRACE_MS;
    this.#silentGraceMs = options.silentGraceMs ?? SILENT_GRACE_MS;
    this.#maxOutageMs = options.maxOutageMs ?? MAX_OUTAGE_MS;
    this.#now = hooks.now ?? Date.now;
  }

  /** True while restarts are being made. */
  get recovering(): boolean {
    return this.#recovering;
  }

  /** Feeds the peer connection's `iceConnectionState`. */
  observe(state: RTCIceConnectionState): void {
    if (this.#stopped) return;
    if (state === 'connected' || state === 'completed') {
      this.#connected = true;
      const attempts = this.#attempt;
      const was = this.#recovering;
      this.#reset();
      if (was) this.#hooks.onRecovered(attempts);
      // ICE says the path is back; whether media is, only its bytes tell.
      if (this.#silentSince !== null) this.#scheduleStep();
      return;
    }
    if (state !== 'disconnected' && state !== 'failed') return;
    // A path ICE has lost is the restarts' to restore; the ladder waits for ICE to say connected.
    // The bound still counts from when media stopped, if that was earlier.
    this.#cancelStep();
    this.#connected = false;
    if (state === 'disconnected') {
      if (!this.#recovering && this.#since === null) {
        this.#since = this.#silentSince ?? this.#now();
        this.#schedule(this.#graceMs);
      }
    } else {
      this.#since ??= this.#silentSince ?? this.#now();
      // Waiting out the disconnected grace or a back-off is pointless now: the path is gone.
      if (!this.#recovering || this.#attempt === 0) this.#schedule(0);
    }
  }

  /**
   * Something suggests the path may be gone although ICE has not said so yet (the signalling
   * connection came back after a drop): a restart unless connected. A connection that is only
   * `disconnected`, and not restarted yet in this outage, gets the path grace first: the network
   * that came back often brings the old path back with it (see `online`).
   */
  check(state: RTCIceConnectionState): void {
    if (this.#stopped) return;
    const pending = this.#restartPending;
    this.#restartPending = false;
    if (state === 'connected' || state === 'completed') {
      if (pending && !this.#recovering && this.#hooks.canSignal()) this.#hooks.restart(this.#attempt);
      return;
    }
    this.#since ??= this.#now();
    this.#schedule(state === 'disconnected' && this.#attempt === 0 && !pending && this.#pathMayReturn() ? this.#pathGraceMs : 0);
  }

  /**
   * The device is back online after it was offline. The same address usually comes back with it,
   * and the path in use with that: ICE resumes on it within a few hundred ms. A restart would
   * move the call to a new path, which makes the browser start its bandwidth estimate again from
   * low, so that the other side's video stalls for a second or more after the outage. So the path
   * gets the path grace to carry media again (`flowing`), and only then is the restart of a
   * network change made.
   */
  online({ flowing }: { flowing: boolean }): void {
    if (this.#stopped || this.#recovering || flowing) return;
    clearTimeout(this.#onlineCheck);
    this.#onlineCheck = setTimeout(() => {
      this.#onlineCheck = undefined;
      this.networkChanged();
    }, this.#pathGraceMs);
  }

  /** Media arrives again on the path in use: the restart `online` held back is not needed. */
  flowing(): void {
    clearTimeout(this.#onlineCheck);
    this.#onlineCheck = undefined;
  }

  /**
   * Media stopped arriving (no bytes on the path in use for a while, or none on a new path soon
   * after an ICE restart), whatever ICE says. While ICE calls the path connected, the ladder's
   * next step follows the silent grace; `now` makes it at once (the path was watched already).
   */
  silent({ now = false } = {}): void {
    if (this.#stopped) return;
    this.#silentSince ??= this.#now();
    // A step due sooner is not put off.
    const delay = now ? 0 : this.#silentGraceMs;
    if (this.#connected && (this.#stepAt === null || this.#now() + delay < this.#stepAt)) this.#scheduleStep(delay);
  }

  /** Bytes arrive again on the path in use: the ladder ends. */
  confirmed(): void {
    this.#arrivedAt = this.#now();
    if (this.#silentSince === null) return;
    if (this.#silentSteps > 0) this.#hooks.onRecovered(this.#silentSteps);
    this.#silentSince = null;
    this.#silentSteps = 0;
    this.#cancelStep();
  }

  /**
   * The device moved to another network, or came back online: the path in use may be gone,
   * whatever ICE says yet (it notices only after seconds of silence), and the other side may
   * have lost what we sent. One restart now, or, while signals cannot get through, at the next
   * `check()`; should the path fail anyway, the ICE states that follow start the usual recovery.
   */
  networkChanged(): void {
    if (this.#stopped || this.#recovering) return;
    if (this.#hooks.canSignal()) this.#hooks.restart(this.#attempt);
    else this.#restartPending = true;
  }

  /** False once the outage has outlasted the consent checks of the path in use. */
  #pathMayReturn(): boolean {
    return this.#since === null || this.#now() - this.#since < CONSENT_TIMEOUT_MS;
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#onlineCheck);
    this.#cancelStep();
  }

  #scheduleStep(delayMs = this.#silentGraceMs) {
    clearTimeout(this.#silentTimer);
    const left = this.#maxOutageMs - (this.#now() - (this.#silentSince ?? this.#now()));
    const delay = Math.max(0, Math.min(delayMs, left));
    this.#stepAt = this.#now() + delay;
    this.#silentTimer = setTimeout(() => {
      this.#stepAt = null;
      this.#step();
    }, delay);
  }

  #cancelStep() {
    clearTimeout(this.#silentTimer);
    this.#stepAt = null;
  }

  /** The ladder: ICE restarts and new peer connections in turn, a silent grace apart, until the bound. */
  #step() {
    if (this.#stopped || !this.#connected || this.#silentSince === null) return;
    if (this.#now() - this.#silentSince >= this.#maxOutageMs) {
      this.stop();
      this.#hooks.onGiveUp();
      return;
    }
    // Without signalling neither step can reach the other side: the time counts, and it is tried again.
    if (this.#hooks.canSignal()) {
      if (this.#silentSteps++ % 2 === 0) this.#hooks.restart(this.#attempt);
      else this.#hooks.rebuild();
    }
    this.#scheduleStep();
  }

  #reset() {
    clearTimeout(this.#timer);
    this.#since = null;
    this.#attempt = 0;
    this.#recovering = false;
  }

  #schedule(delayMs: number) {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#try(), delayMs);
  }

  #try() {
    if (this.#stopped || this.#connected) return;
    // Bytes arrive again on the path in use although ICE has yet to say so (Firefox can stay
    // `disconnected` for seconds after the network returns): a restart would only move the call.
    if (this.#silentSince === null && this.#since !== null && this.#arrivedAt !== null && this.#arrivedAt >= this.#since) {
      const attempts = this.#attempt;
      const was = this.#recovering;
      this.#reset();
      if (was) this.#hooks.onRecovered(attempts);
      return;
    }
    const elapsed = this.#now() - (this.#since ?? this.#now());
    if (!this.#recovering) {
      this.#recovering = true;
      this.#hooks.onReconnecting();
    }
    const next = this.#policy.nextDelayMs(this.#attempt, elapsed);
    if (next === null) {
      this.stop();
      this.#hooks.onGiveUp();
      return;
    }
    if (this.#hooks.canSignal()) {
      this.#restartPending = false;
      this.#hooks.restart(this.#attempt++);
    }
    this.#schedule(next);
  }
}

/** TURN REST credentials (`<expiry>:<peer>`, expiry in Unix seconds) that expire within a minute. */
export const turnExpired = (servers: readonly RTCIceServer[], now: number): boolean =>
  servers.some((server) => {
    const expiry = /^(\d+):/.exec(server.username ?? '')?.[1];
    return expiry !== undefined && Number(expiry) * 1000 < now + 60_000;
  });
