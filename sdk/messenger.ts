// What the two SDKs tell each other besides signalling: `inform` data, the media state and
// `sendData` payloads. Messages take the call's data channel when it is open and the signalling
// server otherwise; ids, acks and a memory of ids already seen make each arrive once, whichever
// path it took, also when the channel closes between a message and its ack.
import type { MediaStateMessage } from './protocol/checks.js';
import type { DataChannel, Outgoing, PeerFrame } from './data-channel.js';
import { CignalError, ClientErrorCode } from './errors.js';
import type { MediaState } from './local-media.js';
import type { SignalClient } from './signal-client.js';
import { randomId } from './url.js';

export interface MessengerOptions {
  signal(): SignalClient | null;
  /** How long an `inform` waits for a path (and its ack) before it counts as lost. */
  maxWaitMs: number;
  onInformation(data: unknown): void;
  onMediaState(state: MediaState): void;
  onData(data: string | ArrayBuffer): void;
  fail(event: 'clientError' | 'serverError', error: CignalError): void;
}

/** A message waiting for the other side's ack. */
interface Pending {
  settle(ok: boolean): void;
  /** For `inform`: sends it again by signalling when the channel closed before the ack. */
  reroute?: () => void;
}

const SEEN_IDS = 512;

const nothingOn = (): MediaState => ({ microphone: false, camera: false, screenShare: false, cameraPaused: false });
const anyOn = ({ microphone, camera, screenShare }: MediaState): boolean => microphone || camera || screenShare;

export class Messenger {
  readonly #options: MessengerOptions;
  #channel: DataChannel | null = null;
  readonly #pending = new Map<string, Pending>();
  readonly #seen = new Set<string>();
  #local: MediaState | null = null;
  /** What the other person sends, as they last said; all off when nobody is there. */
  #remote: MediaState = nothingOn();
  #seq = 0;
  #remoteSeq = -1;
  /** Waiting for a channel to open (sendData called while the call is being set up). */
  #waiting = new Set<() => void>();

  constructor(options: MessengerOptions) {
    this.#options = options;
  }

  /** The call's channel opened: messages take it from now on. */
  attach(channel: DataChannel): void {
    this.#channel = channel;
    this.announce();
    for (const wake of this.#waiting) wake();
  }

  /** Resolves true once a channel is open, false after `ms`. */
  whenOpen(ms: number): Promise<boolean> {
    if (this.#channel?.open) return Promise.resolve(true);
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#waiting.delete(wake);
        resolve(!!this.#channel?.open);
      };
      const timer = setTimeout(wake, ms);
      this.#waiting.add(wake);
    });
  }

  /** The channel closed: what it had not delivered goes by signalling; unfinished payloads fail. */
  detach(channel: DataChannel): void {
    if (this.#channel !== channel) return;
    this.#channel = null;
    for (const [id, pending] of [...this.#pending]) {
      if (pending.reroute) pending.reroute();
      else {
        this.#pending.delete(id);
        pending.settle(false);
      }
    }
  }

  /** A new partner (or none): its media state and message ids start afresh. */
  resetPartner(): void {
    this.#remoteSeq = -1;
    this.#seen.clear();
    const before = this.#remote;
    this.#remote = nothingOn();
    if (anyOn(before)) this.#options.onMediaState(nothingOn());
  }

  /** What the other person sends, as they last said (a copy). */
  get remoteMedia(): MediaState {
    return { ...this.#remote };
  }

  /** Whether the other person said they send anything (microphone, camera or screen). */
  get remoteSends(): boolean {
    return anyOn(this.#remote);
  }

  /**
   * Delivers `data` once; true when the other side (over the channel) or the server (by
   * signalling) took it. While both paths are down it waits, up to `maxWaitMs`, and goes by the
   * first one back: an unanswered send over signalling is sent again after the next rejoin, and
   * the other side drops the copies by id.
   */
  inform(data: unknown): Promise<boolean> {
    const id = randomId(9);
    const { fail, maxWaitMs } = this.#options;
    return new Promise((resolve) => {
      let settled = false;
      const timer = setTimeout(() => {
        fail('clientError', new CignalError(ClientErrorCode.Timeout, 'The message could not be delivered in time'));
        settle(false);
      }, maxWaitMs);
      const settle = (ok: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.#pending.delete(id);
        resolve(ok);
      };
      const bySignal = async () => {
        delete pending.reroute;
        for (;;) {
          const signal = this.#options.signal();
          if (!signal || settled) return settle(false);
          try {
            const response = await signal.request('inform', { data, id });
            if (!response.ok) fail('serverError', new CignalError(response.error.code, response.error.message));
            return settle(response.ok);
          } catch (error) {
            // No answer: the connection may be dead without knowing it yet. Again once it is back.
            if (settled || !(await signal.rejoined())) {
              if (!settled) fail('clientError', new CignalError(ClientErrorCode.NotConnected, 'Not connected to the room', { cause: error }));
              return settle(false);
            }
          }
        }
      };
      const pending: Pending = { settle, reroute: () => void bySignal() };
      this.#pending.set(id, pending);
      if (!this.#channel?.send({ t: 'inform', id, data })) void bySignal();
    });
  }

  /** The signalling connection is back after a drop: messages still waiting on the channel go that way too. */
  resume(): void {
    for (const pending of [...this.#pending.values()]) pending.reroute?.();
  }

  /** Tells the other side this side's media state now; `announce` repeats it. */
  sendMediaState(state: MediaState): void {
    this.#local = state;
    this.#seq++;
    this.announce();
  }

  /** Sends the current media state again (a partner arrived, a path opened). */
  announce(): void {
    if (!this.#local) return;
    const { cameraPaused, ...flags } = this.#local;
    // The only pause this side notices is the system's while the page is hidden.
    const message: MediaStateMessage = { ...flags, seq: this.#seq, ...(cameraPaused ? { cameraPaused: 'background' } : {}) };
    if (this.#channel?.send({ t: 'media', ...message })) return;
    const signal = this.#options.signal();
    if (signal?.connected) signal.post('mediaState', message);
  }

  /** Sends a payload over the channel; true once the other side has all of it. */
  async sendData(payload: Outgoing): Promise<boolean> {
    const channel = this.#channel;
    if (!channel?.open) {
      this.#options.fail('clientError', new CignalError(ClientErrorCode.NotConnected, 'sendData needs a call in progress'));
      return false;
    }
    const id = randomId(9);
    const acked = new Promise<boolean>((resolve) => this.#pending.set(id, { settle: resolve }));
    try {
      await channel.sendPayload(id, payload);
    } catch (error) {
      this.#pending.delete(id);
      this.#options.fail('clientError', error instanceof CignalError ? error : new CignalError(ClientErrorCode.NotConnected, 'The data could not be sent', { cause: error }));
      return false;
    }
    const ok = await acked;
    if (!ok) this.#options.fail('clientError', new CignalError(ClientErrorCode.NotConnected, 'The call ended before the other person had all the data'));
    return ok;
  }

  // --- what arrives ----------------------------------------------------------------------------

  receiveFrame(frame: PeerFrame): void {
    if (frame.t === 'ack') {
      const pending = this.#pending.get(frame.id);
      this.#pending.delete(frame.id);
      pending?.settle(true);
    } else if (frame.t === 'inform') {
      this.#channel?.send({ t: 'ack', id: frame.id });
      this.receiveInformation(frame.data, frame.id);
    } else if (frame.t === 'media') {
      this.receiveMediaState(frame);
    }
  }

  receivePayload(id: string, data: string | ArrayBuffer): void {
    this.#channel?.send({ t: 'ack', id });
    this.#options.onData(data);
  }

  receiveInformation(data: unknown, id?: string): void {
    if (id !== undefined) {
      if (this.#seen.has(id)) return;
      this.#seen.add(id);
      if (this.#seen.size > SEEN_IDS) this.#seen.delete(this.#seen.values().next().value!);
    }
    this.#options.onInformation(data);
  }

  receiveMediaState({ microphone, camera, screenShare, seq, cameraPaused }: MediaStateMessage): void {
    if (seq <= this.#remoteSeq) return;
    this.#remoteSeq = seq;
    // Any reason counts, also one that a newer SDK added; a camera that is off is not paused.
    this.#options.onMediaState((this.#remote = { microphone, camera, screenShare, cameraPaused: camera && cameraPaused !== undefined }));
  }

  /**
   * Gives up the current channel and settles what is still waiting as failed, reported with
   * `reason` if given (the partner left) and silently otherwise (this side left).
   */
  close(reason?: CignalError): void {
    this.#channel = null;
    for (const wake of this.#waiting) wake();
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    if (reason && pending.length) this.#options.fail('clientError', reason);
    for (const entry of pending) entry.settle(false);
  }
}
