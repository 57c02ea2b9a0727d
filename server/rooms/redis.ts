// Redis room store: seats shared by every server of a cluster. Each change is one Lua script
// (redis-scripts.ts), so it is atomic across servers: two peers racing on two servers can never
// make a room of three.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import {
  AWAY_SEAT_BYTES,
  AWAY_TOTAL_BYTES,
  ROOM_CAPACITY,
  StoreUnavailableError,
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
import { COMMON, SCRIPTS, type ScriptName } from './redis-scripts.js';

export interface RedisRoomStoreOptions {
  /** Prefix of every key this store writes. Default `cignal:`. */
  prefix?: string;
  /** This server's id in the cluster. Default: random. */
  node?: string;
  /**
   * How long this server counts as alive after its last heartbeat; the seats of a server silent
   * for longer start their grace. Heartbeats (and sweeps) run every third of it. Default 10 000 ms.
   */
  nodeTtlMs?: number;
}


/** How many expired seats one sweep frees at most; the rest wait for the next sweep. */
const EXPIRE_BATCH = 500;

export class RedisRoomStore implements RoomStore {
  readonly node: string;
  readonly sweepEveryMs: number;
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #nodeTtlMs: number;

  constructor(redis: Redis, options: RedisRoomStoreOptions = {}) {
    this.#redis = redis;
    this.#prefix = options.prefix ?? 'cignal:';
    this.node = options.node ?? randomBytes(9).toString('base64url');
    this.#nodeTtlMs = options.nodeTtlMs ?? 10_000;
    this.sweepEveryMs = Math.max(50, Math.floor(this.#nodeTtlMs / 3));
    for (const [name, lua] of Object.entries(SCRIPTS)) {
      redis.defineCommand(`cignal_${name}`, { numberOfKeys: 0, lua: COMMON + lua });
    }
  }

  async join(roomId: string, seat: Seat, now: number, claim: SeatClaim): Promise<JoinOutcome> {
    const seatJson = JSON.stringify({ ...seat, node: this.node });
    const reply = (await this.#run('join', roomId, seatJson, ROOM_CAPACITY, now, claim.secretHash ?? '', claim.byToken ? 1 : 0)) as [
      number,
      string | null,
      string | null,
      Array<[string, string | null]>,
      number,
    ];
    if (reply[0] === 0) return { ok: false, reason: 'room-full' };
    if (reply[0] === 2) return { ok: false, reason: 'seat-taken' };
    const freed = reply[3].map(([raw, partner]) => ({ roomId, seat: parseSeat(raw)!, partner: parseSeat(partner) }));
    return { ok: true, previous: parseSeat(reply[1]), partner: parseSeat(reply[2]), freed, secretKept: reply[4] === 1 };
  }

  async undoJoin(roomId: string, peerId: string, socketId: string, previous: Seat | null): Promise<boolean> {
    return (await this.#run('undoJoin', roomId, peerId, socketId, previous ? JSON.stringify(previous) : '')) === 1;
  }

  async settle(roomId: string, peerId: string, socketId: string): Promise<Settled | null> {
    const reply = (await this.#run('settle', roomId, peerId, socketId)) as [string | null, string[]] | null;
    if (!reply) return null;
    return { partner: parseSeat(reply[0]), kept: reply[1].map((raw) => JSON.parse(raw) as KeptMessage) };
  }

  async route(roomId: string, peerId: string, socketId: string): Promise<Route> {
    const seats = await this.#call(() => this.#redis.hgetall(this.#roomKey(roomId)));
    const mine = seats[peerId];
    if (mine === undefined || parseSeat(mine)!.socketId !== socketId) return { seated: false };
    return { seated: true, partner: otherSeat(seats, peerId) };
  }

  async leave(roomId: string, peerId: string, socketId: string): Promise<Departure | null> {
    const reply = (await this.#run('leave', roomId, peerId, socketId)) as [string, string | null] | null;
    return reply && { roomId, seat: parseSeat(reply[0])!, partner: parseSeat(reply[1]) };
  }

  async drop(roomId: string, peerId: string, socketId: string, until: number): Promise<boolean> {
    return (await this.#run('drop', roomId, peerId, socketId, until)) === 1;
  }

  async keep(roomId: string, peerId: string, message: KeptMessage, { always = false }: KeepOptions = {}): Promise<KeepOutcome> {
    const reply = (await this.#run('keep', roomId, peerId, JSON.stringify(message), always ? 1 : 0, AWAY_SEAT_BYTES, AWAY_TOTAL_BYTES)) as [number, string?];
    if (reply[0] === 2) return { kept: true, dropped: true };
    return reply[0] === 1 ? { kept: true } : { kept: false, socketId: reply[1] ?? null };
  }

  async expire(now: number, graceMs: number): Promise<Departure[]> {
    const reply = (await this.#run('expire', now, graceMs, this.node, this.#nodeTtlMs, EXPIRE_BATCH)) as Array<[string, string, string | null]>;
    return reply.map(([roomId, seat, partner]) => ({ roomId, seat: parseSeat(seat)!, partner: parseSeat(partner) }));
  }

  async release(now: number, graceMs: number): Promise<void> {
    await this.#run('release', this.node, now, graceMs);
  }

  async reconcile(now: number, graceMs: number, seats: Array<{ roomId: string; seat: Seat }>): Promise<void> {
    const entries = seats.map(({ roomId, seat }) => [roomId, seat]);
    await this.#run('reconcile', this.node, now, graceMs, ROOM_CAPACITY, JSON.stringify(entries), this.#nodeTtlMs);
  }

  onReconnect(listener: () => void): void {
    let lost = false;
    this.#redis.on('close', () => (lost = true));
    this.#redis.on('ready', () => {
      if (!lost) return;
      lost = false;
      listener();
    });
  }

  async partner(roomId: string, peerId: string): Promise<Seat | null> {
    return otherSeat(await this.#call(() => this.#redis.hgetall(this.#roomKey(roomId))), peerId);
  }

  async count(): Promise<number> {
    return this.#call(() => this.#redis.zcard(`${this.#prefix}rooms`));
  }

  async list(page?: RoomPage): Promise<RoomSnapshot[]> {
    // By creation time (the score), oldest first.
    if (page && page.limit <= 0) return [];
    const [start, stop] = page ? [page.offset, page.offset + page.limit - 1] : [0, -1];
    const flat = await this.#call(() => this.#redis.zrange(`${this.#prefix}rooms`, String(start), String(stop), 'WITHSCORES'));
    const ids = flat.filter((_, i) => i % 2 === 0);
    const pipeline = this.#redis.pipeline();
    for (const id of ids) pipeline.hgetall(this.#roomKey(id));
    const rooms = ids.length ? ((await this.#call(() => pipeline.exec())) ?? []) : [];
    const snapshots: RoomSnapshot[] = [];
    ids.forEach((id, i) => {
      const seats = Object.values((rooms[i]?.[1] ?? {}) as Record<string, string>).map((raw) => parseSeat(raw)!);
      // A room emptied between the two reads is no longer running.
      if (seats.length) snapshots.push({ id, createdAt: Number(flat[i * 2 + 1]), peers: seats.map(snapshotPeer) });
    });
    return snapshots;
  }

  #roomKey(roomId: string): string {
    return `${this.#prefix}room:${roomId}`;
  }

  #run(name: ScriptName, ...args: Array<string | number>): Promise<unknown> {
    const command = (this.#redis as unknown as Record<string, (...a: Array<string | number>) => Promise<unknown>>)[`cignal_${name}`]!;
    return this.#call(() => command.call(this.#redis, this.#prefix, ...args));
  }

  /** Runs a command, turning "Redis cannot be reached" into a StoreUnavailableError. */
  async #call<T>(command: () => Promise<T>): Promise<T> {
    if (this.#redis.status !== 'ready') throw new StoreUnavailableError(`Redis is not reachable (${this.#redis.status})`);
    try {
      return await command();
    } catch (error) {
      // ioredis puts the command and its arguments on its errors (`command.args`): relayed SDP,
      // resume tokens. Nothing of them leaves this store, not even as a cause.
      const { name, message, code } = error as { name?: string; message?: string; code?: string };
      if (this.#redis.status !== 'ready' || isConnectionError(name, message, code)) {
        throw new StoreUnavailableError(`Redis is not reachable: ${message}`);
      }
      throw Object.assign(new Error(`Redis: ${message}`), code === undefined ? {} : { code });
    }
  }
}

/**
 * Errors after which the same request may succeed later: the connection is gone or stalled, or
 * Redis is failing over, loading, or busy with a script (replies that leave the connection open).
 */
function isConnectionError(name: string | undefined, message: string | undefined, code: string | undefined): boolean {
  return (
    name === 'MaxRetriesPerRequestError' ||
    name === 'AbortError' ||
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    code === 'ETIMEDOUT' ||
    /Connection is closed|Command timed out|Stream isn't writeable/i.test(message ?? '') ||
    // Reply errors, also when a Lua script's call raised them ("ERR ... script: ... READONLY ...").
    /\b(LOADING|READONLY|MASTERDOWN|BUSY|TRYAGAIN|CLUSTERDOWN|NOREPLICAS)\b/.test(message ?? '')
  );
}

function parseSeat(raw: string | null | undefined): Seat | null {
  if (!raw) return null;
  const stored = JSON.parse(raw) as Seat;
  return {
    peerId: stored.peerId,
    displayName: stored.displayName,
    role: stored.role,
    session: stored.session,
    socketId: stored.socketId,
    joinedAt: stored.joinedAt,
    awayUntil: stored.awayUntil,
    node: stored.node,
    secretHash: stored.secretHash,
    welcomed: stored.welcomed === true,
  };
}

function otherSeat(seats: Record<string, string>, peerId: string): Seat | null {
  for (const [id, raw] of Object.entries(seats)) if (id !== peerId) return parseSeat(raw);
  return null;
}
