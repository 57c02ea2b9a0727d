// The connection to the signalling server for one presence in a room: the socket.io socket, the
// join that rides on its handshake, acknowledged requests (a call's signals among them), and every
// listener it added, all removed again on close.
import { io, type ManagerOptions, type Socket, type SocketOptions } from 'socket.io-client';
import { isWireError, ServerErrorCode } from './protocol/errors.js';
import type { AckResponse, ClientToServerEvents, JoinedPayload, JoinRequest, ServerToClientEvents } from './protocol/index.js';
import { CignalError, ClientErrorCode } from './errors.js';
import type { Logger } from './logger.js';
import type { SignalEvent, SignalPayload } from './peer-session.js';
import { socketTarget } from './url.js';

export type CignalSocket = Socket<ServerToClientEvents, ClientToServerEvents>;
export type CreateSocket = (origin: string, options: Partial<ManagerOptions & SocketOptions>) => CignalSocket;

/** What the server says about the partner and the call, handed on as it comes. */
const peerEvents = ['peerJoined', 'peerLeft', 'offer', 'answer', 'candidate', 'restartIce', 'decline', 'information', 'mediaState'] as const;
type PeerEvent = (typeof peerEvents)[number];
type PeerHandlers = { [E in PeerEvent]: ServerToClientEvents[E] };

export interface SignalHandlers extends PeerHandlers {
  /** Every (re)join; `afterDrop` when it ends an outage that `dropped` announced. */
  joined(payload: JoinedPayload, detail: { afterDrop: boolean }): void;
  /** The server refused the join, or could not be reached at first: final, nothing retries. */
  refused(error: CignalError): void;
  /** The server ended this connection (another page took the seat): nothing resumes it. */
  ended(): void;
  /** The connection dropped after the join; socket.io is restoring it. */
  dropped(reason: string): void;
  /** Another session of this peer took the seat; `ended` follows. */
  replaced(message: string): void;
}

export interface SignalClientOptions {
  url: string;
  auth: JoinRequest;
  timeoutMs: number;
  /** How long a dropped connection may take to come back before the server counts as unreachable. */
  maxOutageMs: number;
  createSocket?: CreateSocket;
  logger: Logger;
}

type Request = 'inform' | 'offer' | 'answer' | 'candidate' | 'restartIce' | 'decline' | 'callReport';

/** Requests made while the connection is down wait for it; beyond this many, new ones are refused. */
export const MAX_WAITING_REQUESTS = 500;

/** The longest a server's retry hint is followed: a hint from a misconfigured server does not park a client for hours. */
const MAX_RETRY_AFTER_MS = 60_000;

export class SignalClient {
  readonly socket: CignalSocket;
  readonly #timeoutMs: number;
  readonly #log: Logger;
  #closed = false;
  #joined = false;
  #away = false;
  #giveUp: ReturnType<typeof setTimeout> | undefined;
  #settle: (joined: boolean) => void = () => {};
  /** Requests waiting for the connection to be back, in the order they were made. */
  #waiting: Array<(connected: boolean) => void> = [];
  readonly #maxOutageMs: number;
  /** When the current outage began; null while connected. */
  #downSince: number | null = null;
  /** The server said it is shutting down: its disconnect that follows is not a goodbye. */
  #serverClosing = false;
  readonly #refused: (error: CignalError) => void;
  readonly #origin: string;
  readonly #startedAt = Date.now();
  /** The last refusal that is asked again (`unavailable`, `rate-limited`) since the last join. */
  #unavailable: CignalError | null = null;
  #retry: ReturnType<typeof setTimeout> | undefined;

  constructor(options: SignalClientOptions, handlers: SignalHandlers) {
    const { origin, path } = socketTarget(options.url);
    this.#timeoutMs = options.timeoutMs;
    this.#maxOutageMs = options.maxOutageMs;
    this.#log = options.logger;
    const socketOptions: Partial<ManagerOptions & SocketOptions> = {
      path,
      auth: options.auth,
      // WebSocket first; polling when a proxy or firewall blocks WebSockets. A connection that
      // fell back stays on polling (engine.io drops the failed WebSocket from its transports, so
      // it would never probe it again); each reconnect tries WebSocket first anew.
      transports: ['websocket', 'polling'],
      tryAllTransports: true,
      upgrade: false,
      timeout: options.timeoutMs,
      reconnectionDelayMax: 5_000,
      forceNew: true,
      autoConnect: false,
    };
    const socket = (this.socket = options.createSocket?.(origin, socketOptions) ?? (io(origin, socketOptions) as CignalSocket));
    const refused = (this.#refused = (error: CignalError) => {
      if (this.#closed) return;
      this.close();
      handlers.refused(error);
    });
    this.#origin = origin;

    socket.on('connect_error', (error: Error & { data?: unknown }) => {
      // A coded refusal (room full, bad id, not authorised), at first or on a reconnect after the
      // seat was lost, is final, but for `unavailable` (the server cannot reach its room store
      // just now) and `rate-limited` (too many joins or connections from this address), which are
      // asked again after a while. Anything else is a transport failure that socket.io retries by
      // itself.
      if (!isWireError(error.data)) return this.#log.debug('connect attempt failed: %s', error.message);
      const refusal = new CignalError(error.data.code, error.data.message);
      if (refusal.code !== ServerErrorCode.Unavailable && refusal.code !== ServerErrorCode.RateLimited) return refused(refusal);
      this.#unavailable = refusal;
      const waited = Date.now() - (this.#downSince ?? this.#startedAt);
      if (this.#joined && waited > this.#maxOutageMs) return refused(refusal);
      // socket.io does not retry a refusal by itself: asked again once the server's hint has
      // passed (at least 1 s), then within 2 s more, spread so that the clients of a server (or
      // of an address) do not all come back at once.
      const hint = error.data.retryAfterMs;
      const wait = Math.max(1_000, typeof hint === 'number' && Number.isFinite(hint) ? Math.min(hint, MAX_RETRY_AFTER_MS) : 0);
      this.#log.debug('join %s; retrying in %d ms or so', refusal.code, wait);
      clearTimeout(this.#retry);
      this.#retry = setTimeout(() => !this.#closed && !socket.active && socket.connect(), wait + 2_000 * Math.random());
    });
    socket.on('joined', (payload) => {
      // Every reconnect of this presence sends the seat's secret (socket.io sends this very
      // object again), so that it takes its own seat back.
      if (typeof payload.seatSecret === 'string') options.auth.seatSecret = payload.seatSecret;
      clearTimeout(this.#giveUp);
      clearTimeout(this.#retry);
      this.#unavailable = null;
      this.#settle(true);
      const afterDrop = this.#away;
      this.#joined = true;
      this.#away = false;
      this.#downSince = null;
      try {
        handlers.joined(payload, { afterDrop });
      } finally {
        // What was asked for during the outage goes out now, in order, after the join is handled.
        for (const resume of this.#waiting.splice(0)) resume(true);
      }
    });
    // socket.io retries without end; past the bound the server counts as unreachable. (A socket
    // from `createSocket` may come without socket.io's Manager.)
    (socket as Partial<CignalSocket>).io?.on('reconnect_attempt', () => {
      if (this.#downSince !== null && Date.now() - this.#downSince > this.#maxOutageMs) {
        this.#log.warn('no connection to the server for %d ms; giving up', Date.now() - this.#downSince);
        refused(new CignalError(ClientErrorCode.ServerUnreachable, `Lost the connection to the Cignal server at ${origin} and could not get it back`));
      }
    });
    socket.on('serverClosing', () => (this.#serverClosing = true));
    socket.on('disconnect', (reason) => {
      this.#log.debug('socket disconnected: %s', reason);
      if (this.#closed) return;
      const restarting = reason === 'io server disconnect' && this.#serverClosing;
      this.#serverClosing = false;
      if (reason === 'io server disconnect' && !restarting) {
        this.close();
        handlers.ended();
        return;
      }
      // socket.io retries by itself after a drop, not after the server's goodbye: a server that
      // said it is restarting is asked again here, and socket.io's back-off takes it from there.
      if (restarting) socket.connect();
      if (this.#joined && !this.#away) {
        this.#away = true;
        this.#downSince = Date.now();
        handlers.dropped(restarting ? 'server restarting' : reason);
      }
    });
    socket.on('replaced', ({ message }) => handlers.replaced(message));
    const on = socket.on.bind(socket) as (event: string, listener: (payload: unknown) => void) => void;
    for (const event of peerEvents) on(event, (payload) => (handlers[event] as (payload: unknown) => void)(payload));
  }

  /** Connects; resolves true once joined, false if the client closed first (refused, ended, closed). */
  connect(): Promise<boolean> {
    const joined = new Promise<boolean>((resolve) => (this.#settle = resolve));
    const unreachable = new CignalError(ClientErrorCode.ServerUnreachable, `Could not reach the Cignal server at ${this.#origin}`);
    // A server that kept answering `unavailable` until then is reported as such.
    this.#giveUp = setTimeout(() => this.#refused(this.#unavailable ?? unreachable), this.#timeoutMs);
    this.socket.connect();
    return joined;
  }

  /**
   * The network changed or came back: a connection from before may be dead without knowing it
   * (its TCP waits out retransmission back-off, or its address is gone). A new one is made now,
   * which resumes the seat; what waits for it goes out after the rejoin. One that is already
   * down is tried again now rather than after socket.io's back-off (up to 5 s).
   */
  reconnect(): void {
    if (this.#closed || !this.#joined) return;
    this.#log.debug('reconnecting to the server');
    // This attempt replaces a pending retry after `unavailable`, which would otherwise open a
    // second socket on the same connection (and the server would end the first as replaced).
    clearTimeout(this.#retry);
    if (this.socket.connected) {
      (this.socket as Partial<CignalSocket>).io?.engine?.close();
      return;
    }
    // A socket that is not connected sends no goodbye: this only cancels the pending retry and
    // makes a new attempt at once, with the same auth (the same seat).
    this.socket.disconnect();
    this.socket.connect();
  }

  /** Resolves true at the next join (a reconnect), false if this client closes first. */
  rejoined(): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  get connected(): boolean {
    return !this.#closed && this.socket.connected;
  }

  /**
   * Sends a request and resolves with the server's answer; rejects when none comes in time. Made
   * while the connection is down, it waits for the connection to be back (socket.io's own buffer
   * would drop it once the answer's timeout passed) and the timeout starts then. One answered
   * `unavailable` is sent again (see below) before its answer counts.
   */
  async request<E extends Request>(event: E, payload: Parameters<ClientToServerEvents[E]>[0], since = Date.now()): Promise<AckResponse> {
    if (!this.socket.connected && !this.#closed) {
      if (this.#waiting.length >= MAX_WAITING_REQUESTS) throw new CignalError(ClientErrorCode.NotConnected, 'Too much is waiting for the connection to the server');
      if (!(await new Promise<boolean>((resolve) => this.#waiting.push(resolve)))) {
        throw new CignalError(ClientErrorCode.NotConnected, 'The connection to the server was closed');
      }
    }
    const sender = this.socket.timeout(this.#timeoutMs) as unknown as { emitWithAck(event: E, payload: unknown): Promise<AckResponse> };
    const response = await sender.emitWithAck(event, payload);
    // A server that cannot reach its room store just now (`unavailable`) is asked the same again
    // 1 to 3 s later, for as long as an outage may last.
    if (response.ok || response.error.code !== ServerErrorCode.Unavailable || Date.now() - since > this.#maxOutageMs) return response;
    await new Promise((resolve) => setTimeout(resolve, 1_000 + 2_000 * Math.random()));
    return this.#closed ? response : this.request(event, payload, since);
  }

  /**
   * Sends a call's signal as a request; resolves with the server's refusal (rate limit, size), if
   * any, so that it is reported. `no-peer` is not a failure here: the other side left while we
   * were still sending.
   */
  async signal<E extends SignalEvent>(event: E, payload: SignalPayload<E>): Promise<CignalError | null> {
    const response = await this.request(event, payload).catch((): AckResponse | null => null);
    if (!response) {
      this.#log.warn('no acknowledgement for a %s signal', event);
      return null;
    }
    if (response.ok || response.error.code === ServerErrorCode.NoPeer) return null;
    const what = { offer: 'an offer', answer: 'an answer', candidate: 'a network candidate', restartIce: 'a request for an ICE restart' }[event];
    return new CignalError(response.error.code, `The server refused ${what}: ${response.error.message}`);
  }

  /** Sends without asking for an answer. */
  post(event: 'mediaState', payload: Parameters<ClientToServerEvents['mediaState']>[0]): void {
    this.socket.emit(event, payload);
  }

  /** Says goodbye to the server (the seat is freed at once) and removes every listener. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearTimeout(this.#giveUp);
    clearTimeout(this.#retry);
    this.#settle(false);
    for (const resume of this.#waiting.splice(0)) resume(false);
    (this.socket as Partial<CignalSocket>).io?.off('reconnect_attempt');
    this.socket.off();
    this.socket.disconnect();
  }
}
