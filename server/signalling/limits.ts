// Limits per client address, beside the budget each socket has: open connections, joins per
// minute and messages per second. In this process by default; shared by every server of a
// cluster through Redis, so that opening sockets on several servers gains an address nothing.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { chain, type MaybePromise } from '../maybe-promise.js';
import { describeError, log } from './log.js';

/** The budgets of one client address; 0 turns a limit off. */
export interface IpLimits {
  /** Sockets open at once. */
  connections: number;
  /** Join attempts (admitted or not) per minute. */
  joinsPerMinute: number;
  /** Messages per second over all of the address's sockets. */
  messagesPerSecond: number;
}

/**
 * Sized so that a school or an office behind one NAT does not meet them in normal use: about a
 * hundred people in calls at once, all of whom rejoin within a minute after a network blip, and
 * whose call set-ups (an offer, an answer and a few dozen candidates each) come in bursts.
 */
export const DEFAULT_IP_LIMITS: IpLimits = { connections: 100, joinsPerMinute: 300, messagesPerSecond: 1_000 };

/** The budgets given, with the defaults for those left out; throws a TypeError naming a budget that is not a whole number ≥ 0. */
export function ipLimitsFrom(given: Partial<IpLimits> = {}): IpLimits {
  const limits = { ...DEFAULT_IP_LIMITS };
  for (const name of Object.keys(limits) as Array<keyof IpLimits>) {
    const value = given[name];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 0) throw new TypeError(`ipLimits.${name} must be a whole number of 0 or more (0 turns it off), got ${String(value)}`);
    limits[name] = value;
  }
  return limits;
}

/** What a refused connection is told to wait: a slot frees only when another connection closes. */
const CONNECTION_RETRY_MS = 10_000;
/** How often the messages counted here are added to the cluster's count. */
const FLUSH_MS = 100;
/** How long an address's connection count is kept in Redis without a heartbeat of a server that holds some. */
const COUNT_TTL_S = 600;

const PREFIX = 'cignal:limit';

/**
 * Counts a connection against its address in Redis, across servers: one hash per address, a
 * field per server. Servers whose heartbeat has lapsed no longer count (their fields go at the
 * next connection). An increase beyond the limit is refused and not counted; a decrease stops at 0.
 * KEYS[1] the address's hash; ARGV: server, change, limit, heartbeat key prefix, TTL in seconds.
 */
const CONNECTIONS_LUA = `
local node, change, limit = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
if change > 0 then
  local total = 0
  local fields = redis.call('hgetall', KEYS[1])
  for i = 1, #fields, 2 do
    if fields[i] ~= node and redis.call('exists', ARGV[4] .. fields[i]) == 0 then
      redis.call('hdel', KEYS[1], fields[i])
    else
      total = total + tonumber(fields[i + 1])
    end
  end
  if total + change > limit then return 0 end
end
if redis.call('hincrby', KEYS[1], node, change) <= 0 then redis.call('hdel', KEYS[1], node) end
if redis.call('exists', KEYS[1]) == 1 then redis.call('expire', KEYS[1], ARGV[5]) end
return 1
`;

type ConnectionsCommand = (key: string, node: string, change: number, limit: number, nodePrefix: string, ttl: number) => Promise<number>;

/** A connection counted against its address; given back once, by `release`. */
export interface ConnectionSlot {
  readonly key: string;
  released: boolean;
}

export type Admission = { ok: true; slot: ConnectionSlot | null } | { ok: false; message: string; retryAfterMs: number };

/** One address's message window on this server. */
interface MessageWindow {
  start: number;
  count: number;
  /** Counted here and not yet added to the cluster's count. */
  pending: number;
  blockedUntil: number;
}

export interface AddressLimitsOptions {
  /** Redis to share the counts with the other servers (the store's connection will do). */
  redis?: Redis | null;
  /**
   * How long a server's connection slots count after its last heartbeat in Redis: a crashed
   * server's are given back then. Heartbeats run every third of it. Default 10 000 ms.
   */
  nodeTtlMs?: number;
  now?: () => number;
}

export class AddressLimits {
  readonly #limits: IpLimits;
  readonly #now: () => number;
  readonly #redis: Redis | null;
  readonly #node = randomBytes(9).toString('base64url');
  readonly #nodeTtlMs: number;
  /**
   * This server's open connections per address, exact (whether Redis counted them or not): each
   * heartbeat writes them to Redis as they are, which mends what an outage or a restarted Redis
   * left wrong there.
   */
  readonly #connections = new Map<string, number>();
  /** The addresses the last heartbeat wrote a count for. */
  #written = new Set<string>();
  readonly #joins: RateLimiterAbstract | null;
  readonly #messages = new Map<string, MessageWindow>();
  readonly #sharedMessages: RateLimiterRedis | null;
  #flushing: NodeJS.Timeout | undefined;
  readonly #timers: NodeJS.Timeout[] = [];
  /** Set while Redis is out of reach, so the fall-back is told once per outage. */
  #degraded = false;
  #closed = false;

  constructor(limits: IpLimits, options: AddressLimitsOptions = {}) {
    this.#limits = limits;
    this.#now = options.now ?? Date.now;
    this.#nodeTtlMs = options.nodeTtlMs ?? 10_000;
    const redis = (this.#redis = options.redis ?? null);
    const joins = { keyPrefix: `${PREFIX}:joins`, points: limits.joinsPerMinute, duration: 60 };
    this.#joins =
      limits.joinsPerMinute === 0
        ? null
        : redis
          ? new RateLimiterRedis({
              ...joins,
              storeClient: redis,
              // Fails at once, not after a timeout, while the connection is down...
              rejectIfRedisNotReady: true,
              // ...and then counts in this process: each server applies the limit on its own.
              insuranceLimiter: new RateLimiterMemory(joins),
              // An address over its budget is refused here until its window ends, without asking Redis.
              inMemoryBlockOnConsumed: limits.joinsPerMinute + 1,
            })
          : new RateLimiterMemory(joins);
    this.#sharedMessages =
      redis && limits.messagesPerSecond > 0
        ? new RateLimiterRedis({ keyPrefix: `${PREFIX}:messages`, points: limits.messagesPerSecond, duration: 1, storeClient: redis, rejectIfRedisNotReady: true })
        : null;
    if (redis && limits.connections > 0) {
      redis.defineCommand('cignalAddressConnections', { numberOfKeys: 1, lua: CONNECTIONS_LUA });
      this.#timers.push(setInterval(() => this.#heartbeat(), Math.max(50, Math.floor(this.#nodeTtlMs / 3))).unref());
      this.#heartbeat();
    }
    // Windows of addresses that went quiet are forgotten.
    if (limits.messagesPerSecond > 0) this.#timers.push(setInterval(() => this.#prune(), 10_000).unref());
  }

  /**
   * Takes a connection slot and a join for `key`: at once when every count is in this process, a
   * promise when one is in Redis. A refusal holds nothing; an admission's slot is given back with
   * `release`.
   */
  admit(key: string): MaybePromise<Admission> {
    return chain(this.#connect(key), (slot) => this.#join(key, slot));
  }

  /** Gives a connection slot back; a second call does nothing. */
  release(slot: ConnectionSlot | null): void {
    if (!slot || slot.released) return;
    slot.released = true;
    const left = (this.#connections.get(slot.key) ?? 1) - 1;
    if (left > 0) this.#connections.set(slot.key, left);
    else this.#connections.delete(slot.key);
    if (this.#redis) {
      this.#command()(connectionsKey(slot.key), this.#node, -1, this.#limits.connections, `${PREFIX}:node:`, COUNT_TTL_S).then(undefined, (error: unknown) =>
        // Lost while Redis is away: the next heartbeat writes this server's count as it is.
        log('could not give back a connection slot in Redis: %s', describeError(error)),
      );
    }
  }

  /**
   * Counts a message from `key`; 0 when it may go, else how long the address must wait. Never a
   * promise: with Redis, the messages counted here are added to the cluster's count a little
   * later, and an address the cluster finds over its budget is refused here too for the rest of
   * its window.
   */
  message(key: string): number {
    const limit = this.#limits.messagesPerSecond;
    if (limit === 0) return 0;
    const now = this.#now();
    let window = this.#messages.get(key);
    if (!window) this.#messages.set(key, (window = { start: now, count: 0, pending: 0, blockedUntil: 0 }));
    if (now < window.blockedUntil) return window.blockedUntil - now;
    if (now - window.start >= 1_000) {
      window.start = now;
      window.count = 0;
    }
    window.count++;
    if (this.#sharedMessages && !this.#closed) {
      window.pending++;
      this.#flushing ??= setTimeout(() => void this.flush(), FLUSH_MS).unref();
    }
    if (window.count <= limit) return 0;
    window.blockedUntil = window.start + 1_000;
    return window.blockedUntil - now;
  }

  /** Stops the timers. Slots still open are given back by `release` as their sockets close. */
  close(): void {
    this.#closed = true;
    for (const timer of this.#timers) clearInterval(timer);
    clearTimeout(this.#flushing);
    this.#flushing = undefined;
  }

  #connect(key: string): MaybePromise<ConnectionSlot | null | Admission> {
    const limit = this.#limits.connections;
    if (limit === 0) return null;
    if (!this.#redis) return this.#connectHere(key);
    return this.#command()(connectionsKey(key), this.#node, 1, limit, `${PREFIX}:node:`, COUNT_TTL_S).then(
      (taken) => {
        this.#recovered();
        return taken === 1 ? this.#taken(key) : tooManyConnections(limit);
      },
      (error: unknown) => {
        this.#lost(error);
        return this.#connectHere(key);
      },
    );
  }

  /** A slot counted in this process only. */
  #connectHere(key: string): ConnectionSlot | Admission {
    const limit = this.#limits.connections;
    return (this.#connections.get(key) ?? 0) >= limit ? tooManyConnections(limit) : this.#taken(key);
  }

  #taken(key: string): ConnectionSlot {
    this.#connections.set(key, (this.#connections.get(key) ?? 0) + 1);
    return { key, released: false };
  }

  #join(key: string, slot: ConnectionSlot | null | Admission): MaybePromise<Admission> {
    if (isRefusal(slot)) return slot;
    const taken = slot as ConnectionSlot | null;
    if (!this.#joins) return { ok: true, slot: taken };
    return this.#joins.consume(key).then(
      (): Admission => ({ ok: true, slot: taken }),
      (outcome: unknown): Admission => {
        if (outcome instanceof RateLimiterRes) {
          this.release(taken);
          return { ok: false, message: `Too many joins from this address; at most ${this.#limits.joinsPerMinute} a minute`, retryAfterMs: Math.max(1, Math.ceil(outcome.msBeforeNext)) };
        }
        // Neither Redis nor the insurance answered: a join is not refused for the limiter's own failure.
        log('join limit not checked: %s', describeError(outcome));
        return { ok: true, slot: taken };
      },
    );
  }

  /**
   * Adds what each address sent here since the last time to the cluster's count, and blocks here
   * the addresses found over it; resolves once Redis has answered. Runs by itself a moment after
   * a message; called directly only to know when it is done.
   */
  async flush(): Promise<void> {
    clearTimeout(this.#flushing);
    this.#flushing = undefined;
    const limiter = this.#sharedMessages;
    if (!limiter) return;
    const added: Array<Promise<void>> = [];
    for (const [key, window] of this.#messages) {
      if (window.pending === 0) continue;
      const points = window.pending;
      window.pending = 0;
      added.push(
        limiter.penalty(key, points).then(
          (res) => {
            this.#recovered();
            if (res.consumedPoints > this.#limits.messagesPerSecond) window.blockedUntil = Math.max(window.blockedUntil, this.#now() + res.msBeforeNext);
          },
          (error: unknown) => this.#lost(error),
        ),
      );
    }
    await Promise.all(added);
  }

  #prune(): void {
    const now = this.#now();
    for (const [key, window] of this.#messages) {
      if (window.pending === 0 && now - window.start >= 1_000 && now >= window.blockedUntil) this.#messages.delete(key);
    }
  }

  /** Says this server is alive (its slots count), and writes its count of each address it holds slots for. */
  #heartbeat(): void {
    const redis = this.#redis!;
    const batch = redis.pipeline().set(`${PREFIX}:node:${this.#node}`, '1', 'PX', this.#nodeTtlMs);
    for (const [key, count] of this.#connections) batch.hset(connectionsKey(key), this.#node, count).expire(connectionsKey(key), COUNT_TTL_S);
    for (const key of this.#written) if (!this.#connections.has(key)) batch.hdel(connectionsKey(key), this.#node);
    const writing = new Set(this.#connections.keys());
    batch.exec().then(
      () => {
        this.#written = writing;
        this.#recovered();
      },
      (error: unknown) => {
        // Not written: what the last heartbeat wrote may still be there, to be taken out next time.
        for (const key of writing) this.#written.add(key);
        this.#lost(error);
      },
    );
  }

  #command(): ConnectionsCommand {
    return (this.#redis as unknown as { cignalAddressConnections: ConnectionsCommand }).cignalAddressConnections.bind(this.#redis);
  }

  #lost(error: unknown): void {
    if (this.#degraded) return;
    this.#degraded = true;
    log('address limits: Redis is out of reach (%s); each server counts on its own until it is back', describeError(error));
  }

  #recovered(): void {
    if (!this.#degraded) return;
    this.#degraded = false;
    log('address limits: Redis is back; counting across servers again');
  }
}

function connectionsKey(key: string): string {
  return `${PREFIX}:connections:${key}`;
}

function tooManyConnections(limit: number): Admission {
  return { ok: false, message: `Too many connections from this address; at most ${limit} at once`, retryAfterMs: CONNECTION_RETRY_MS };
}

function isRefusal(value: unknown): value is Admission & { ok: false } {
  return typeof value === 'object' && value !== null && (value as { ok?: unknown }).ok === false;
}
