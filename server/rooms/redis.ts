// Redis room store: seats shared by every server of a cluster. Each change is one Lua script, so
// it is atomic across servers: two peers racing on two servers can never make a room of three.
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
  type KeepOutcome,
  type KeptMessage,
  type RoomSnapshot,
  type RoomStore,
  type Route,
  type Seat,
  type Settled,
} from './store.js';

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

/*
 * Keys (P is the prefix; ids hold no control characters, so "\n" separates them):
 *   P rooms            sorted set: room id, scored by its creation time
 *   P room:<room>      hash: peer id -> the seat as JSON (with `node` and `kept`, the bytes kept for it)
 *   P kept:<room>\n<peer>  list: messages kept while the seat is away, as JSON
 *   P kept-bytes       the bytes kept over every seat
 *   P deadlines        sorted set: "<room>\n<peer>", scored by when the seat's grace ends
 *   P nodes            hash: server id -> until when it counts as alive
 *   P node:<id>        set: "<room>\n<peer>" of the seats whose socket is on that server
 */
const COMMON = `
local P = ARGV[1]
local function roomKey(r) return P .. 'room:' .. r end
local function keptKey(r, p) return P .. 'kept:' .. r .. '\\n' .. p end
local function isnull(v) return v == nil or v == cjson.null end
local function split(m)
  local nl = string.find(m, '\\n', 1, true)
  return string.sub(m, 1, nl - 1), string.sub(m, nl + 1)
end
local function other(r, p)
  local all = redis.call('HGETALL', roomKey(r))
  for i = 1, #all, 2 do
    if all[i] ~= p then return all[i + 1] end
  end
  return false
end
local function forget(r, p, seat)
  redis.call('DEL', keptKey(r, p))
  if seat.kept and seat.kept > 0 then redis.call('DECRBY', P .. 'kept-bytes', seat.kept) end
end
local function free(r, p, seat)
  local member = r .. '\\n' .. p
  redis.call('HDEL', roomKey(r), p)
  redis.call('ZREM', P .. 'deadlines', member)
  if not isnull(seat.node) then redis.call('SREM', P .. 'node:' .. seat.node, member) end
  forget(r, p, seat)
  if redis.call('EXISTS', roomKey(r)) == 0 then redis.call('ZREM', P .. 'rooms', r) end
end
local function deadline(member, seat)
  if isnull(seat.awayUntil) then
    redis.call('ZREM', P .. 'deadlines', member)
  else
    redis.call('ZADD', P .. 'deadlines', seat.awayUntil, member)
  end
end
-- The seat of peer p in room r, if socket s speaks for it.
local function held(r, p, s)
  local raw = redis.call('HGET', roomKey(r), p)
  if not raw then return nil end
  local seat = cjson.decode(raw)
  if seat.socketId ~= s then return nil end
  return seat, raw
end
`;

const SCRIPTS = {
  // ARGV: P, room, seat JSON, capacity. Returns {0} when full, else {1, previous, partner}.
  join: `
local r, seat = ARGV[2], cjson.decode(ARGV[3])
local p, rk = seat.peerId, roomKey(ARGV[2])
local member = r .. '\\n' .. p
local prevRaw = redis.call('HGET', rk, p)
if not prevRaw and redis.call('HLEN', rk) >= tonumber(ARGV[4]) then return {0} end
seat.kept = 0
if prevRaw then
  local prev = cjson.decode(prevRaw)
  if prev.session == seat.session then seat.joinedAt = prev.joinedAt end
  seat.kept = prev.kept or 0
  if not isnull(prev.node) and prev.node ~= seat.node then redis.call('SREM', P .. 'node:' .. prev.node, member) end
end
redis.call('HSET', rk, p, cjson.encode(seat))
redis.call('ZADD', P .. 'rooms', 'NX', seat.joinedAt, r)
redis.call('SADD', P .. 'node:' .. seat.node, member)
deadline(member, seat)
return {1, prevRaw, other(r, p)}
`,
  // ARGV: P, room, peer, socket, previous seat JSON or ''. Returns 1 when undone.
  undoJoin: `
local r, p = ARGV[2], ARGV[3]
local seat = held(r, p, ARGV[4])
if not seat then return 0 end
local member = r .. '\\n' .. p
if ARGV[5] == '' then
  free(r, p, seat)
  return 1
end
local prev = cjson.decode(ARGV[5])
prev.kept = seat.kept
redis.call('HSET', roomKey(r), p, cjson.encode(prev))
if not isnull(seat.node) then redis.call('SREM', P .. 'node:' .. seat.node, member) end
if not isnull(prev.node) then redis.call('SADD', P .. 'node:' .. prev.node, member) end
deadline(member, prev)
return 1
`,
  // ARGV: P, room, peer, socket. Returns nil when the socket no longer holds the seat, else {partner, {kept...}}.
  settle: `
local r, p = ARGV[2], ARGV[3]
local seat = held(r, p, ARGV[4])
if not seat then return false end
local kept = redis.call('LRANGE', keptKey(r, p), 0, -1)
forget(r, p, seat)
seat.kept = 0
seat.awayUntil = cjson.null
redis.call('HSET', roomKey(r), p, cjson.encode(seat))
redis.call('ZREM', P .. 'deadlines', r .. '\\n' .. p)
return {other(r, p), kept}
`,
  // ARGV: P, room, peer, socket. Returns nil, or {seat, partner}.
  leave: `
local r, p = ARGV[2], ARGV[3]
local seat, raw = held(r, p, ARGV[4])
if not seat then return false end
free(r, p, seat)
return {raw, other(r, p)}
`,
  // ARGV: P, room, peer, socket, until. Returns 1 when the seat is now away.
  drop: `
local r, p = ARGV[2], ARGV[3]
local seat = held(r, p, ARGV[4])
if not seat then return 0 end
seat.awayUntil = tonumber(ARGV[5])
redis.call('HSET', roomKey(r), p, cjson.encode(seat))
deadline(r .. '\\n' .. p, seat)
return 1
`,
  // ARGV: P, room, peer, message JSON, always (1/0), bytes per seat, bytes in all.
  // Returns {1} when kept (or over the bounds), {0, socket} when the peer is there, {0} when the seat is gone.
  keep: `
local r, p, message = ARGV[2], ARGV[3], ARGV[4]
local raw = redis.call('HGET', roomKey(r), p)
if not raw then return {0} end
local seat = cjson.decode(raw)
if isnull(seat.awayUntil) then return {0, seat.socketId} end
local bytes = #message
local kept = seat.kept or 0
if ARGV[5] ~= '1' then
  local total = tonumber(redis.call('GET', P .. 'kept-bytes') or '0')
  if kept + bytes > tonumber(ARGV[6]) or total + bytes > tonumber(ARGV[7]) then return {1} end
end
redis.call('RPUSH', keptKey(r, p), message)
redis.call('INCRBY', P .. 'kept-bytes', bytes)
seat.kept = kept + bytes
redis.call('HSET', roomKey(r), p, cjson.encode(seat))
return {1}
`,
  // ARGV: P, now, grace, this node, node ttl, limit. Returns {{room, seat, partner}...} for the seats freed.
  expire: `
local now, grace = tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('HSET', P .. 'nodes', ARGV[4], now + tonumber(ARGV[5]))
local nodes = redis.call('HGETALL', P .. 'nodes')
for i = 1, #nodes, 2 do
  local n = nodes[i]
  if tonumber(nodes[i + 1]) < now then
    for _, m in ipairs(redis.call('SMEMBERS', P .. 'node:' .. n)) do
      local r, p = split(m)
      local raw = redis.call('HGET', roomKey(r), p)
      if raw then
        local seat = cjson.decode(raw)
        if seat.node == n and isnull(seat.awayUntil) then
          seat.awayUntil = now + grace
          redis.call('HSET', roomKey(r), p, cjson.encode(seat))
          deadline(m, seat)
        end
      end
    end
    redis.call('DEL', P .. 'node:' .. n)
    redis.call('HDEL', P .. 'nodes', n)
  end
end
local freed = {}
for _, m in ipairs(redis.call('ZRANGEBYSCORE', P .. 'deadlines', '-inf', now, 'LIMIT', 0, tonumber(ARGV[6]))) do
  local r, p = split(m)
  local raw = redis.call('HGET', roomKey(r), p)
  local seat = raw and cjson.decode(raw)
  if not seat or isnull(seat.awayUntil) then
    redis.call('ZREM', P .. 'deadlines', m)
  elseif seat.awayUntil > now then
    redis.call('ZADD', P .. 'deadlines', seat.awayUntil, m)
  else
    free(r, p, seat)
    table.insert(freed, {r, raw, other(r, p)})
  end
end
return freed
`,
  // ARGV: P, this node, now, grace. The seats this server's sockets speak for start their grace.
  release: `
local n, now, grace = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
for _, m in ipairs(redis.call('SMEMBERS', P .. 'node:' .. n)) do
  local r, p = split(m)
  local raw = redis.call('HGET', roomKey(r), p)
  if raw then
    local seat = cjson.decode(raw)
    if seat.node == n and isnull(seat.awayUntil) then
      seat.awayUntil = now + grace
      redis.call('HSET', roomKey(r), p, cjson.encode(seat))
      deadline(m, seat)
    end
  end
end
redis.call('DEL', P .. 'node:' .. n)
redis.call('HDEL', P .. 'nodes', n)
return 1
`,
  // ARGV: P, this node, now, grace, capacity, [[room, seat]...] as JSON, node ttl.
  reconcile: `
local n, now, grace = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('HSET', P .. 'nodes', n, now + tonumber(ARGV[7]))
local here = {}
for _, entry in ipairs(cjson.decode(ARGV[6])) do
  local r, seat = entry[1], entry[2]
  local member = r .. '\\n' .. seat.peerId
  here[member] = true
  local raw = redis.call('HGET', roomKey(r), seat.peerId)
  if not raw then
    if redis.call('HLEN', roomKey(r)) < tonumber(ARGV[5]) then
      seat.node = n
      seat.kept = 0
      redis.call('HSET', roomKey(r), seat.peerId, cjson.encode(seat))
      redis.call('ZADD', P .. 'rooms', 'NX', seat.joinedAt, r)
      redis.call('SADD', P .. 'node:' .. n, member)
    end
  else
    -- Still this socket's seat, but counted out while this server could not beat (the outage
    -- outlasted the server expiry): it is connected, so it is not away.
    local stored = cjson.decode(raw)
    if stored.socketId == seat.socketId and not isnull(stored.awayUntil) then
      stored.awayUntil = cjson.null
      stored.node = n
      redis.call('HSET', roomKey(r), seat.peerId, cjson.encode(stored))
      redis.call('ZREM', P .. 'deadlines', member)
      redis.call('SADD', P .. 'node:' .. n, member)
    end
  end
end
for _, m in ipairs(redis.call('SMEMBERS', P .. 'node:' .. n)) do
  if not here[m] then
    local r, p = split(m)
    local raw = redis.call('HGET', roomKey(r), p)
    if raw then
      local seat = cjson.decode(raw)
      if seat.node == n and isnull(seat.awayUntil) then
        seat.awayUntil = now + grace
        redis.call('HSET', roomKey(r), p, cjson.encode(seat))
        deadline(m, seat)
      end
    end
  end
end
return 1
`,
} as const;

type ScriptName = keyof typeof SCRIPTS;

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

  async join(roomId: string, seat: Seat): Promise<JoinOutcome> {
    const reply = (await this.#run('join', roomId, JSON.stringify({ ...seat, node: this.node }), ROOM_CAPACITY)) as [number, string | null, string | null];
    if (reply[0] === 0) return { ok: false, reason: 'room-full' };
    return { ok: true, previous: parseSeat(reply[1]), partner: parseSeat(reply[2]) };
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

  async keep(roomId: string, peerId: string, message: KeptMessage, always: boolean): Promise<KeepOutcome> {
    const reply = (await this.#run('keep', roomId, peerId, JSON.stringify(message), always ? 1 : 0, AWAY_SEAT_BYTES, AWAY_TOTAL_BYTES)) as [number, string?];
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

  async list(): Promise<RoomSnapshot[]> {
    const flat = await this.#call(() => this.#redis.zrange(`${this.#prefix}rooms`, '0', '-1', 'WITHSCORES'));
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
      if (this.#redis.status !== 'ready' || isConnectionError(error)) {
        throw new StoreUnavailableError(`Redis is not reachable: ${(error as Error).message}`, { cause: error });
      }
      throw error;
    }
  }
}

function isConnectionError(error: unknown): boolean {
  const { name, message, code } = error as { name?: string; message?: string; code?: string };
  return (
    name === 'MaxRetriesPerRequestError' ||
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    /Connection is closed|Command timed out|Stream isn't writeable|LOADING/i.test(message ?? '')
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
  };
}

function otherSeat(seats: Record<string, string>, peerId: string): Seat | null {
  for (const [id, raw] of Object.entries(seats)) if (id !== peerId) return parseSeat(raw);
  return null;
}
