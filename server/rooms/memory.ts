// In-memory room store: the embedded default, nothing to install. One process only.
import { ROOM_CAPACITY, snapshotPeer, type JoinOutcome, type RoomSnapshot, type RoomStore, type Seat } from './store.js';

interface Room {
  createdAt: number;
  seats: Map<string, Seat>;
}

export class MemoryRoomStore implements RoomStore {
  readonly #rooms = new Map<string, Room>();

  async join(roomId: string, seat: Seat): Promise<JoinOutcome> {
    let room = this.#rooms.get(roomId);
    if (!room) {
      room = { createdAt: seat.joinedAt, seats: new Map() };
      this.#rooms.set(roomId, room);
    }
    const previous = room.seats.get(seat.peerId) ?? null;
    if (!previous && room.seats.size >= ROOM_CAPACITY) return { ok: false, reason: 'room-full' };
    // A resumed session keeps its original join time; a new session starts its own.
    const joinedAt = previous && previous.session === seat.session ? previous.joinedAt : seat.joinedAt;
    room.seats.set(seat.peerId, { ...seat, joinedAt });
    return { ok: true, previous: previous && { ...previous }, partner: this.#other(room, seat.peerId) };
  }

  async leave(roomId: string, peerId: string, socketId: string): Promise<Seat | null> {
    const room = this.#rooms.get(roomId);
    const seat = room?.seats.get(peerId);
    if (!room || !seat || seat.socketId !== socketId) return null;
    room.seats.delete(peerId);
    if (room.seats.size === 0) this.#rooms.delete(roomId);
    return { ...seat };
  }

  async partner(roomId: string, peerId: string): Promise<Seat | null> {
    const room = this.#rooms.get(roomId);
    return room ? this.#other(room, peerId) : null;
  }

  async count(): Promise<number> {
    return this.#rooms.size;
  }

  async list(): Promise<RoomSnapshot[]> {
    return [...this.#rooms].map(([id, room]) => ({
      id,
      createdAt: room.createdAt,
      peers: [...room.seats.values()].map(snapshotPeer),
    }));
  }

  #other(room: Room, peerId: string): Seat | null {
    for (const seat of room.seats.values()) if (seat.peerId !== peerId) return { ...seat };
    return null;
  }
}
