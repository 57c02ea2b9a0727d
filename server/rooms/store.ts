// The room store: who sits in which room, which socket speaks for each seat, the grace of a
// dropped seat and what is kept for it meanwhile. Everything that must hold across nodes lives
// here; implementations make each method atomic.
import type { MaybePromise } from '../maybe-promise.js';

export type { MaybePromise } from '../maybe-promise.js';

/** One peer's place in a room. */
export interface Seat {
  peerId: string;
  displayName: string;
  role: string | null;
  /** The presence that holds the seat; a reconnect repeats it, a reload brings a new one. */
  session: string;
  /** The socket that currently speaks for the seat. */
  socketId: string;
  /** Milliseconds since the epoch. */
  joinedAt: number;
  /**
   * While the seat's peer is away (its connection dropped, or its join is not yet settled): when
   * its grace ends, in milliseconds since the epoch. Messages for it are kept meanwhile. Null
   * while its socket is connected.
   */
  awayUntil: number | null;
  /** In a store shared by several servers: the server whose socket speaks for the seat. */
  node?: string;
  /** The hash of the seat's secret (see seat-secret.ts); never the secret itself. */
  secretHash: string;
  /**
   * Set by the store: the seat's secret has reached its peer (the seat was settled with it, or
   * taken with it). Until then the same session may take the seat again without it: a connection
   * lost between the join and its welcome never learnt the secret.
   */
  welcomed?: boolean;
}

/**
 * What a join brings to take a seat that is held (its peer present, or away within its grace):
 * the seat's secret, or a join token for its peer id. A free seat needs neither.
 */
export interface SeatClaim {
  /** The hash of the seat secret the joiner sent; null when it sent none. */
  secretHash: string | null;
  /** The joiner's join token names this peer id (`sub`). */
  byToken: boolean;
}

/** A plain, copyable view of a room for operators: never an internal object. */
export interface RoomSnapshot {
  id: string;
  createdAt: number;
  peers: Array<{ peerId: string; displayName: string; role: string | null; joinedAt: number }>;
}

/** A slice of the rooms, oldest first: `limit` rooms after the first `offset`. */
export interface RoomPage {
  offset: number;
  limit: number;
}

export type JoinOutcome =
  /**
   * `previous` is the seat this peer id held before (a reconnect or a reload), if any. `freed` are
   * the room's other seats whose grace had ended by the join's `now` but that no sweep had freed
   * yet: the join frees them (they do not count against the capacity), and their partners are to be told.
   */
  | {
      ok: true;
      previous: Seat | null;
      partner: Seat | null;
      freed: Departure[];
      /**
       * True when the joiner took a held seat with its secret: the seat keeps that secret (its
       * hash). Otherwise the seat has the new one the join brought (`seat.secretHash`).
       */
      secretKept: boolean;
    }
  /** `seat-taken`: the seat is held and the claim does not prove it; nothing changed. */
  | { ok: false; reason: 'room-full' | 'seat-taken' };

/** Where a socket's messages go: nowhere when it no longer speaks for its seat. */
export type Route = { seated: false } | { seated: true; partner: Readonly<Seat> | null; stamp?: RouteStamp };

/**
 * Stores in this process only: a room's count of seat changes. What `route` answered for the
 * room holds while `changes` stays what it was then, so the relay may keep the route that long.
 */
export interface RouteStamp {
  readonly changes: number;
}

/** A message kept for an away peer: an event name and its payload, as sent to a client. */
export type KeptMessage = readonly [event: string, payload: unknown];

export type KeepOutcome =
  /** Kept for the away peer; `dropped` when it was not, because the bounds were reached. */
  | { kept: true; dropped?: true }
  /** The peer is not away (any more): send to `socketId`; null when the seat is gone. */
  | { kept: false; socketId: string | null };

/** A seat freed by `leave` or at the end of its grace, with the partner to tell. */
export interface Departure {
  roomId: string;
  seat: Seat;
  partner: Seat | null;
}

/** What `settle` hands a newly seated socket. */
export interface Settled {
  partner: Seat | null;
  /** What was kept for the seat while it was away, oldest first. */
  kept: KeptMessage[];
}

/**
 * What is kept for an away peer, measured as the UTF-8 bytes of `[event, payload]` in JSON, is bounded per seat (a call's offer, answer and candidates need
 * a few tens of KB) and for the whole store, so that dropping one end of many rooms cannot be
 * turned into a memory flood. Who is in the room (peerJoined, peerLeft) is always kept.
 */
export const AWAY_SEAT_BYTES = 256 * 1024;
export const AWAY_TOTAL_BYTES = 32 * 1024 * 1024;

export const ROOM_CAPACITY = 2;

/** Options of `RoomStore.keep`. */
export interface KeepOptions {
  /** Kept beyond the bounds: for who-is-in-the-room events (peerJoined, peerLeft), which must never be lost. */
  always?: boolean;
}

/** Thrown by a store that cannot reach its backing service: the request may succeed later. */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}

/**
 * Each method answers with a value or a promise of it (`MaybePromise`): a store in this process
 * answers at once, so that a join, a welcome and a relayed message wait on no promise; a
 * networked store answers with promises. A failure is thrown or rejected accordingly; callers
 * handle both.
 */
export interface RoomStore {
  /**
   * Seats the peer, replacing a seat with the same peer id; refuses a third peer. A seat that is
   * held (its grace not ended by `now`) is taken only with the `claim` of its secret or of a token
   * for its peer id (or by its own session while not `welcomed`), else the join is refused
   * `seat-taken` before anything changes; checked in the
   * same atomic step as the join. Callers seat it away (`seat.awayUntil` set) until `settle`, so
   * that nothing relayed before its welcome overtakes it; what was kept for the seat it replaces
   * stays kept. Other seats of the room whose grace ended by `now` are freed first.
   */
  join(roomId: string, seat: Seat, now: number, claim: SeatClaim): MaybePromise<JoinOutcome>;
  /**
   * Undoes a join whose connection closed before it completed: if `socketId` still speaks for the
   * seat, puts `previous` back (or frees the seat when there was none). Compare-and-set: a later
   * join is never undone. True when something was undone.
   */
  undoJoin(roomId: string, peerId: string, socketId: string, previous: Seat | null): MaybePromise<boolean>;
  /**
   * Ends a join: the seat is no longer away, and what was kept for it is handed over (and no
   * longer kept). Null when `socketId` no longer speaks for the seat.
   */
  settle(roomId: string, peerId: string, socketId: string): MaybePromise<Settled | null>;
  /**
   * Where messages from `socketId`, speaking for `peerId`, go: the partner, if it still holds the
   * seat. Every message's hot path. A store in this process may answer with the live seat: the
   * relay reads it at once and never keeps it. With a `stamp` (answered at once, never in a
   * promise), the route holds while the stamp's count stays the same.
   */
  route(roomId: string, peerId: string, socketId: string): MaybePromise<Route>;
  /**
   * Frees the peer's seat if `socketId` still speaks for it, deleting the room when empty, and
   * forgets what was kept for it. Null when the seat had moved on (a stale socket cannot evict
   * its successor).
   */
  leave(roomId: string, peerId: string, socketId: string): MaybePromise<Departure | null>;
  /** Marks the seat away until `until` if `socketId` still speaks for it; messages for it are kept from now on. */
  drop(roomId: string, peerId: string, socketId: string, until: number): MaybePromise<boolean>;
  /** Keeps a message for an away peer, within the bounds (beyond them with `always`). */
  keep(roomId: string, peerId: string, message: KeptMessage, options?: KeepOptions): MaybePromise<KeepOutcome>;
  /**
   * Frees the seats whose grace has ended by `now`, and returns them with their partners to tell.
   * A store shared by several servers also starts the grace (of `graceMs`) of the seats held by
   * servers that stopped beating, and records that this one is alive.
   */
  expire(now: number, graceMs: number): MaybePromise<Departure[]>;
  /** The other seat in the room. */
  partner(roomId: string, peerId: string): MaybePromise<Seat | null>;
  count(): MaybePromise<number>;
  /** Snapshots of the rooms, oldest first; with `page`, only that slice of them. */
  list(page?: RoomPage): MaybePromise<RoomSnapshot[]>;
  /** Shared stores: how often `expire` should run on every server (it is also the heartbeat). */
  readonly sweepEveryMs?: number;
  /**
   * Shared stores: this server stops. The seats its sockets speak for start their grace (their
   * peers come back through another server) and its own entries are removed.
   */
  release?(now: number, graceMs: number): MaybePromise<void>;
  /**
   * Shared stores: after the store was out of reach, makes it agree with this server's sockets
   * again. `seats` are the ones this server's connected sockets speak for: each is put back when
   * the store lost it (a Redis restarted without its data) and its room has room for it. Seats
   * the store has for this server but no socket here speaks for any more (they dropped during
   * the outage) start their grace.
   */
  reconcile?(now: number, graceMs: number, seats: Array<{ roomId: string; seat: Seat }>): MaybePromise<void>;
  /** Shared stores: `listener` runs each time the store is reachable again after an outage. */
  onReconnect?(listener: () => void): void;
}

export function snapshotPeer(seat: Seat): RoomSnapshot['peers'][number] {
  return { peerId: seat.peerId, displayName: seat.displayName, role: seat.role, joinedAt: seat.joinedAt };
}
