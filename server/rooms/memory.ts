// In-memory room store: the embedded default, nothing to install. One process only.
import {
  AWAY_SEAT_BYTES,
  AWAY_TOTAL_BYTES,
  ROOM_CAPACITY,
  snapshotPeer,
  type Departure,
  type JoinOutcome,
  type KeepOptions,
  type KeepOutcome,
  type KeptMessage,
  type RoomPage,
  type RoomSnapshot,
  type RoomStore,
  type Route,
  type Seat,
  type SeatClaim,
  type Settled,
} from './store.js';
import { sameSecretHash } from './seat-secret.js';

interface Room {
  /** Seat changes in this room (the route stamp); a room deleted gets one more, so that no route to it holds. */
  changes: number;
  createdAt: number;
  seats: Map<string, Seat>;
  /** The keys of `seats`, kept in step on each change, for the relay's partner lookup. */
  ids: string[];
}

interface Kept {
  messages: KeptMessage[];
  bytes: number;
}

const NOT_SEATED: Route = { seated: false };

/**
 * Every method answers at once, with a value and never a promise: the order of calls is the
 * order of effects, and a join, a welcome and a relayed message go on without waiting.
 */
export class MemoryRoomStore implements RoomStore {
  readonly #rooms = new Map<string, Room>();
  /** What was kept for away seats, by `roomId\npeerId` (ids hold no control characters). */
  readonly #kept = new Map<string, Kept>();
  #keptBytes = 0;
  /** The seats that are away, by `roomId\npeerId` with their room id: what `expire` looks at. */
  readonly #away = new Map<string, string>();

  join(roomId: string, seat: Seat, now: number, claim: SeatClaim): JoinOutcome {
    const freed: Departure[] = [];
    let room = this.#rooms.get(roomId);
    // A held seat is checked before anything changes: a refused join leaves no trace.
    const held = room?.seats.get(seat.peerId);
    let secretKept = false;
    if (held && (held.awayUntil === null || held.awayUntil > now)) {
      // The secret keeps the seat's secret (also beside a token); a token for the peer id alone renews it.
      if (claim.secretHash !== null && sameSecretHash(claim.secretHash, held.secretHash)) secretKept = true;
      else if (!claim.byToken && (held.welcomed || held.session !== seat.session)) return { ok: false, reason: 'seat-taken' };
    }
    if (room) {
      for (const other of room.seats.values()) {
        if (other.peerId === seat.peerId || other.awayUntil === null || other.awayUntil > now) continue;
        this.#free(roomId, room, other.peerId);
        freed.push({ roomId, seat: { ...other }, partner: copy(this.#other(room, other.peerId)) });
      }
      if (room.seats.size === 0) room = undefined;
    }
    if (!room) {
      room = { changes: 0, createdAt: seat.joinedAt, seats: new Map(), ids: [] };
      this.#rooms.set(roomId, room);
    }
    const previous = room.seats.get(seat.peerId) ?? null;
    if (!previous && room.seats.size >= ROOM_CAPACITY) return { ok: false, reason: 'room-full' };
    // A resumed session keeps its original join time; a new session starts its own.
    const joinedAt = previous && previous.session === seat.session ? previous.joinedAt : seat.joinedAt;
    const secretHash = secretKept ? previous!.secretHash : seat.secretHash;
    room.seats.set(seat.peerId, { ...seat, joinedAt, secretHash, welcomed: secretKept });
    room.ids = [...room.seats.keys()];
    this.#track(roomId, room, seat);
    return { ok: true, previous: previous && { ...previous }, partner: copy(this.#other(room, seat.peerId)), freed, secretKept };
  }

  undoJoin(roomId: string, peerId: string, socketId: string, previous: Seat | null): boolean {
    const room = this.#rooms.get(roomId);
    const seat = room?.seats.get(peerId);
    if (!room || !seat || seat.socketId !== socketId) return false;
    if (previous) {
      room.seats.set(peerId, { ...previous });
      this.#track(roomId, room, previous);
    } else this.#free(roomId, room, peerId);
    return true;
  }

  settle(roomId: string, peerId: string, socketId: string): Settled | null {
    const room = this.#rooms.get(roomId);
    const seat = room?.seats.get(peerId);
    if (!room || !seat || seat.socketId !== socketId) return null;
    seat.awayUntil = null;
    seat.welcomed = true;
    this.#track(roomId, room, seat);
    return { partner: copy(this.#other(room, peerId)), kept: this.#forget(roomId, peerId) };
  }

  route(roomId: string, peerId: string, socketId: string): Route {
    const room = this.#rooms.get(roomId);
    if (room?.seats.get(peerId)?.socketId !== socketId) return NOT_SEATED;
    // The hot path of every relay: the live seat, not a copy (the route is read at once).
    return { seated: true, partner: this.#other(room, peerId), stamp: room };
  }

  leave(roomId: string, peerId: string, socketId: string): Departure | null {
    const room = this.#rooms.get(roomId);
    const seat = room?.seats.get(peerId);
    if (!room || !seat || seat.socketId !== socketId) return null;
    this.#free(roomId, room, peerId);
    return { roomId, seat: { ...seat }, partner: copy(this.#other(room, peerId)) };
  }

  drop(roomId: string, peerId: string, socketId: string, until: number): boolean {
    const room = this.#rooms.get(roomId);
    const seat = room?.seats.get(peerId);
    if (!room || !seat || seat.socketId !== socketId) return false;
    seat.awayUntil = until;
    this.#track(roomId, room, seat);
    return true;
  }

  keep(roomId: string, peerId: string, message: KeptMessage, { always = false }: KeepOptions = {}): KeepOutcome {
    const seat = this.#rooms.get(roomId)?.seats.get(peerId);
    if (!seat) return { kept: false, socketId: null };
    if (seat.awayUntil === null) return { kept: false, socketId: seat.socketId };
    const key = `${roomId}\n${peerId}`;
    let kept = this.#kept.get(key);
    if (!kept) this.#kept.set(key, (kept = { messages: [], bytes: 0 }));
    // As the Redis store measures it: the UTF-8 bytes of the whole message in JSON.
    const bytes = Buffer.byteLength(JSON.stringify(message));
    if (!always && (kept.bytes + bytes > AWAY_SEAT_BYTES || this.#keptBytes + bytes > AWAY_TOTAL_BYTES)) return { kept: true, dropped: true };
    kept.messages.push(message);
    kept.bytes += bytes;
    this.#keptBytes += bytes;
    return { kept: true };
  }

  expire(now: number): Departure[] {
    const freed: Departure[] = [];
    for (const [key, roomId] of this.#away) {
      const room = this.#rooms.get(roomId);
      const seat = room?.seats.get(key.slice(roomId.length + 1));
      if (!room || !seat || seat.awayUntil === null || seat.awayUntil > now) continue;
      this.#free(roomId, room, seat.peerId);
      freed.push({ roomId, seat: { ...seat }, partner: copy(this.#other(room, seat.peerId)) });
    }
    return freed;
  }

  partner(roomId: string, peerId: string): Seat | null {
    const room = this.#rooms.get(roomId);
    return room ? copy(this.#other(room, peerId)) : null;
  }

  count(): number {
    return this.#rooms.size;
  }

  list(page?: RoomPage): RoomSnapshot[] {
    const start = page?.offset ?? 0;
    const end = page ? start + page.limit : Infinity;
    const snapshots: RoomSnapshot[] = [];
    let index = 0;
    // Rooms in the order they were made (a Map keeps it); only the page's are copied.
    for (const [id, room] of this.#rooms) {
      if (index >= end) break;
      if (index++ < start) continue;
      snapshots.push({ id, createdAt: room.createdAt, peers: [...room.seats.values()].map(snapshotPeer) });
    }
    return snapshots;
  }

  /** Every seat taken, settled or dropped passes here, every seat freed through #free. */
  #track(roomId: string, room: Room, seat: Seat): void {
    room.changes++;
    const key = `${roomId}\n${seat.peerId}`;
    if (seat.awayUntil === null) this.#away.delete(key);
    else this.#away.set(key, roomId);
  }

  #free(roomId: string, room: Room, peerId: string): void {
    room.changes++;
    room.seats.delete(peerId);
    room.ids = [...room.seats.keys()];
    this.#away.delete(`${roomId}\n${peerId}`);
    if (room.seats.size === 0) this.#rooms.delete(roomId);
    this.#forget(roomId, peerId);
  }

  #forget(roomId: string, peerId: string): KeptMessage[] {
    const key = `${roomId}\n${peerId}`;
    const kept = this.#kept.get(key);
    if (!kept) return [];
    this.#keptBytes -= kept.bytes;
    this.#kept.delete(key);
    return kept.messages;
  }

  #other(room: Room, peerId: string): Seat | null {
    // At most two seats: looked up by id rather than iterated (no iterator on every relay).
    const [first, second] = room.ids;
    const other = first === peerId ? second : first;
    return other === undefined ? null : (room.seats.get(other) ?? null);
  }
}

function copy(seat: Seat | null): Seat | null {
  return seat && { ...seat };
}
