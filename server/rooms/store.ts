// The room store: who sits in which room. Implementations must make `join` atomic.

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
}

/** A plain, copyable view of a room for operators: never an internal object. */
export interface RoomSnapshot {
  id: string;
  createdAt: number;
  peers: Array<{ peerId: string; displayName: string; role: string | null; joinedAt: number }>;
}

export type JoinOutcome =
  /** `previous` is the seat this peer id held before (a reconnect or a reload), if any. */
  | { ok: true; previous: Seat | null; partner: Seat | null }
  | { ok: false; reason: 'room-full' };

export const ROOM_CAPACITY = 2;

export interface RoomStore {
  /** Seats the peer, replacing a seat with the same peer id; refuses a third peer. Atomic. */
  join(roomId: string, seat: Seat): Promise<JoinOutcome>;
  /**
   * Frees the peer's seat if `socketId` still speaks for it, and deletes the room when empty.
   * Returns the freed seat, or null when the seat had moved on (so a stale socket cannot evict its successor).
   */
  leave(roomId: string, peerId: string, socketId: string): Promise<Seat | null>;
  /** The other seat in the room. */
  partner(roomId: string, peerId: string): Promise<Seat | null>;
  count(): Promise<number>;
  list(): Promise<RoomSnapshot[]>;
}

export function snapshotPeer(seat: Seat): RoomSnapshot['peers'][number] {
  return { peerId: seat.peerId, displayName: seat.displayName, role: seat.role, joinedAt: seat.joinedAt };
}
