// Presence: a seated socket's welcome, the replacement of a stale socket, leaving, and the grace
// a dropped peer gets before its seat is freed. The seat's state is the store's; this module only
// keeps the timers that wake it up.
import { PROTOCOL_VERSION, type PeerInfo, type ServerToClientEvents } from '../../sdk/protocol/index.js';
import { iceServersFor } from '../ice.js';
import { attempt, whenKnown } from '../maybe-promise.js';
import { StoreUnavailableError, type Seat, type Settled } from '../rooms/store.js';
import type { Context } from './context.js';
import { deliver, emitTo, tellDeparture } from './delivery.js';
import type { CignalSocket } from './types.js';
import { describeError, log } from './log.js';

/** How soon a departure the store failed to hear is tried again, when the store has no sweep. */
const RETRY_MS = 1_000;

function peerInfo(seat: Pick<Seat, 'peerId' | 'displayName' | 'role'>): PeerInfo {
  return { peerId: seat.peerId, displayName: seat.displayName, role: seat.role };
}

export class Presence {
  /** Wake-ups at the end of a grace period; the deadlines themselves are in the store. */
  readonly #timers = new Set<NodeJS.Timeout>();
  #sweep: NodeJS.Timeout | undefined;
  /** Leaves and drops the store failed to hear, by socket id: tried again at each sweep. */
  readonly #unfinished = new Map<string, Departing>();
  #retry: NodeJS.Timeout | undefined;

  constructor(private readonly ctx: Context) {
    // A store shared by several servers is swept on each of them, which also frees the seats of a
    // server that stopped beating.
    const every = ctx.store.sweepEveryMs;
    if (every) {
      // The sweep alone never keeps a process alive: the sockets and the HTTP server do.
      this.#sweep = setInterval(() => this.expire(), every).unref();
      this.expire();
    }
    ctx.store.onReconnect?.(() => this.#reconcile());
  }

  /**
   * Tells a newly seated socket where it is, hands it what was kept, and tells its partner: at
   * once when the store answers at once. A welcome that fails ends the socket.
   */
  welcome(socket: CignalSocket): void {
    const { roomId, peerId, session, previous } = socket.data;
    socket.data.previous = null;
    // Handed to the client in `joined` and forgotten here: the store keeps only its hash.
    const seatSecret = socket.data.seatSecret!;
    socket.data.seatSecret = null;
    const resumed = previous?.session === session;

    socket.on('disconnect', (reason) => this.#disconnected(socket, reason));

    const welcome: Welcome = { previous, resumed, seatSecret };
    const failed = (error: unknown) => this.#welcomeFailed(socket, error);
    try {
      if (previous && previous.socketId !== socket.id) this.#replace(previous.socketId, { resumed });
      // A welcome that throws after the store answered fails as one the store refused.
      whenKnown(this.ctx.store.settle(roomId, peerId, socket.id), (settled) => this.#welcomed(socket, welcome, settled), failed);
    } catch (error) {
      failed(error);
    }
  }

  #welcomed(socket: CignalSocket, { previous, resumed, seatSecret }: Welcome, settled: Settled | null): void {
    const { ctx } = this;
    const { roomId, peerId } = socket.data;
    if (!settled) {
      // Replaced by a newer connection while this one was being welcomed.
      socket.data.unseated = true;
      return;
    }
    const { partner, kept } = settled;
    const me = peerInfo(socket.data);
    log('%s %s room %s', peerId, resumed ? 'resumed in' : 'joined', roomId);
    ctx.report.joined(roomId, peerId, resumed, previous !== null && !resumed);
    socket.emit('joined', {
      roomId,
      ...me,
      iceServers: iceServersFor(peerId, ctx.iceServers, ctx.turn, ctx.now()),
      peer: partner && peerInfo(partner),
      resumed,
      graceMs: ctx.graceMs,
      protocol: PROTOCOL_VERSION,
      seatSecret,
      callReports: ctx.callReports !== null,
    });
    // What was kept belongs to this presence only when it resumes; a reload starts afresh.
    if (resumed) for (const message of kept) socket.emit(...(message as unknown as [keyof ServerToClientEvents, never]));
    if (partner && !resumed) {
      if (previous) deliver(ctx, roomId, partner, 'peerLeft', { peerId, reason: 'replaced' });
      deliver(ctx, roomId, partner, 'peerJoined', me);
    }
  }

  #welcomeFailed(socket: CignalSocket, error: unknown): void {
    log('welcome failed: %s', describeError(error));
    this.ctx.report.failed('welcoming a peer', error, { roomId: socket.data.roomId, peerId: socket.data.peerId });
    // A store out of reach is a passing failure: closing the transport makes the client take it
    // as a drop and join again (answered `unavailable`, which it asks again) instead of ending.
    if (error instanceof StoreUnavailableError) socket.conn.close();
    else socket.disconnect(true);
  }

  /** Tells the store the departures it failed to hear, frees the seats whose grace has ended, and tells their partners. */
  expire(): void {
    this.#retryDepartures()
      .then(() => this.ctx.store.expire(this.ctx.now(), this.ctx.graceMs))
      .then(
        (freed) => {
          for (const departure of freed) tellDeparture(this.ctx, departure, 'dropped');
        },
        (error: unknown) => {
          log('expiry failed: %s', describeError(error));
          this.ctx.report.failed('freeing the seats whose grace ended', error);
        },
      );
  }

  /** After the store was out of reach: puts back what it lost of this server's seats, then sweeps. */
  #reconcile(): void {
    const { ctx } = this;
    if (ctx.closing || !ctx.store.reconcile) return;
    const seats: Array<{ roomId: string; seat: Seat }> = [];
    for (const socket of ctx.server.sockets.sockets.values()) {
      const data = socket.data as CignalSocket['data'] | undefined;
      if (!data?.roomId || data.unseated) continue;
      const { roomId, peerId, displayName, role, session, joinedAt, secretHash } = data;
      // Its secret went out with its welcome, unless that is still to come.
      const welcomed = data.seatSecret === null;
      seats.push({ roomId, seat: { peerId, displayName, role, session, socketId: socket.id, joinedAt, awayUntil: null, secretHash, welcomed } });
    }
    log('the store is back; reconciling %d seats', seats.length);
    attempt(
      () => ctx.store.reconcile!(ctx.now(), ctx.graceMs, seats), // present: checked above
      () => this.expire(),
      (error) => {
        log('reconciling failed: %s', describeError(error));
        ctx.report.failed('reconciling the room store', error);
      },
    );
  }

  /** Cancels every timer: the server is shutting down. */
  close(): void {
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    clearInterval(this.#sweep);
    clearTimeout(this.#retry);
  }

  /** The old connection of a peer that joined again: told (unless it is the same presence) and closed, wherever it is. */
  #replace(socketId: string, { resumed }: { resumed: boolean }): void {
    const { server } = this.ctx;
    const old = server.sockets.sockets.get(socketId);
    if (old) {
      old.data.unseated = true;
      if (!resumed) old.emit('replaced', { message: 'This peer joined the room again from another connection' });
      old.disconnect(true);
      return;
    }
    if (!resumed) emitTo(this.ctx, socketId, ['replaced', { message: 'This peer joined the room again from another connection' }]);
    server.in(socketId).disconnectSockets(true);
  }

  #disconnected(socket: CignalSocket, reason: string): void {
    const { ctx } = this;
    const { roomId, peerId } = socket.data;
    // Shutting down is not leaving: the clients come back, and their partners must not be told.
    if (socket.data.unseated || ctx.closing) return;
    // A client that says goodbye, or a server that ends the socket, frees the seat at once;
    // a connection that merely drops keeps it for the grace period.
    if (reason === 'client namespace disconnect' || reason === 'server namespace disconnect') {
      void this.#depart({ kind: 'leave', roomId, peerId, socketId: socket.id, until: ctx.now() });
      return;
    }
    log('%s dropped from room %s (%s); holding the seat for %d ms', peerId, roomId, reason, ctx.graceMs);
    void this.#depart({ kind: 'drop', roomId, peerId, socketId: socket.id, until: ctx.now() + ctx.graceMs });
  }

  /**
   * Tells the store that a socket left or dropped. A store that fails to hear it (Redis timed out,
   * or answered READONLY during a fail-over, with the connection still open) would keep the seat
   * present for ever: the departure is kept and tried again at the next sweep, with its first
   * deadline (a drop whose grace has passed meanwhile is freed by that sweep).
   */
  async #depart(departing: Departing): Promise<void> {
    const { ctx } = this;
    const { kind, roomId, peerId, socketId, until } = departing;
    try {
      if (kind === 'leave') {
        const departure = await ctx.store.leave(roomId, peerId, socketId);
        this.#unfinished.delete(socketId);
        if (departure) tellDeparture(ctx, departure, 'left');
        return;
      }
      const held = await ctx.store.drop(roomId, peerId, socketId, until);
      this.#unfinished.delete(socketId);
      if (!held || ctx.closing) return;
      this.#wakeAt(until);
    } catch (error) {
      log('%s failed for %s in room %s, to be tried again: %s', kind, peerId, roomId, describeError(error));
      ctx.report.failed(kind === 'leave' ? 'recording a leave (tried again later)' : 'recording a drop (tried again later)', error, { roomId, peerId });
      if (ctx.closing) return;
      this.#unfinished.set(socketId, departing);
      // A store without a sweep gets a timer of its own for the retry.
      if (!ctx.store.sweepEveryMs && !this.#retry) {
        this.#retry = setTimeout(() => {
          this.#retry = undefined;
          void this.#retryDepartures();
        }, RETRY_MS);
      }
    }
  }

  /**
   * Sweeps once `until` has passed by the server's clock. A timer can fire a little before that
   * (Node counts it from the event loop's cached time), and a sweep then would free nothing, with
   * no other to follow in a store without a sweep of its own: so it waits the rest.
   */
  #wakeAt(until: number): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      if (this.ctx.now() < until) this.#wakeAt(until);
      else this.expire();
    }, Math.max(1, until - this.ctx.now()));
    this.#timers.add(timer);
  }

  /** Tries the departures the store failed to hear again. */
  async #retryDepartures(): Promise<void> {
    if (!this.#unfinished.size || this.ctx.closing) return;
    await Promise.all([...this.#unfinished.values()].map((departing) => this.#depart(departing)));
  }
}

/** What a welcome hands on once the store has settled the seat. */
interface Welcome {
  /** The seat this peer id held before this socket took it, if any. */
  previous: Seat | null;
  /** The same presence came back: what was kept is handed over, and the partner is not told. */
  resumed: boolean;
  /** The seat's secret, for `joined`. */
  seatSecret: string;
}

interface Departing {
  kind: 'leave' | 'drop';
  roomId: string;
  peerId: string;
  socketId: string;
  /** For a drop: when its grace ends. */
  until: number;
}
