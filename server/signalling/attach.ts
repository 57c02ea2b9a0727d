// initSocketServer: attaches signalling to a socket.io server, and the views over every server in
// this process that operators read (totalRoomsRunning, allRooms).
import type { Server } from 'socket.io';
import { DEFAULT_ICE_SERVERS } from '../ice.js';
import { MemoryRoomStore } from '../rooms/memory.js';
import type { RoomSnapshot, RoomStore } from '../rooms/store.js';
import { admission } from './admission.js';
import { batchWrites } from './batching.js';
import { AddressLimits, ipLimitsFrom } from './limits.js';
import { JoinTokens } from './join-token.js';
import type { Context } from './context.js';
import { Presence } from './presence.js';
import { Report } from './report.js';
import { attachRelay } from './relay.js';
import type { CignalServer, Signalling, SignallingOptions } from './types.js';
import { describeError, log } from './log.js';

const running = new Set<Signalling>();

/**
 * Attaches Cignal signalling to a socket.io server.
 * For the recommended server options (buffer size, CORS, timeouts) see `socketServerOptions`.
 */
export function initSocketServer(io: Server, options: SignallingOptions = {}): Signalling {
  const server = io as unknown as CignalServer;
  const { redis, nodeTtlMs, ...ipLimits } = options.ipLimits ?? {};
  const ctx: Context = {
    server,
    store: options.store ?? new MemoryRoomStore(),
    graceMs: options.reconnectGraceMs ?? 10_000,
    rate: options.rateLimit ?? { perSecond: 50, burst: 200 },
    limits: new AddressLimits(ipLimitsFrom(ipLimits), { redis, nodeTtlMs, now: options.now }),
    trustProxy: options.trustProxy ?? false,
    now: options.now ?? Date.now,
    iceServers: options.iceServers ?? DEFAULT_ICE_SERVERS,
    turn: options.turn ?? null,
    authorize: options.authorize,
    joinTokens: options.joinSecret ? new JoinTokens(options.joinSecret) : null,
    report: new Report(options.activityLog ?? null),
    callReports: options.callReports ?? null,
    closing: false,
  };
  const presence = new Presence(ctx);

  server.use(admission(ctx));
  server.on('connection', (socket) => {
    batchWrites(socket);
    attachRelay(ctx, socket);
    presence.welcome(socket);
  });

  const signalling: Signalling = {
    store: ctx.store,
    counts: ctx.report.counts,
    totalRoomsRunning: async () => ctx.store.count(),
    allRooms: async () => ctx.store.list(),
    async close() {
      if (ctx.closing) return;
      // Said before socket.io disconnects everyone, on the same connections, so it arrives first;
      // only to this server's sockets (with an adapter, a plain emit would reach every server's,
      // and only after a round trip to Redis).
      ctx.closing = true;
      server.local.emit('serverClosing', { message: 'The server is restarting; reconnect' });
      presence.close();
      ctx.limits.close();
      running.delete(signalling);
      try {
        await ctx.store.release?.(ctx.now(), ctx.graceMs);
      } catch (error) {
        log('could not hand over the seats of this server: %s', describeError(error));
        ctx.report.failed('handing over the seats of this server', error);
      }
    },
  };
  running.add(signalling);
  return signalling;
}

/** Number of rooms with at least one peer, over every signalling layer in this process. */
export async function totalRoomsRunning(): Promise<number> {
  const counts = await Promise.all(distinctStores().map((store) => store.count()));
  return counts.reduce((sum, n) => sum + n, 0);
}

/** Plain snapshots of every room, over every signalling layer in this process. */
export async function allRooms(): Promise<RoomSnapshot[]> {
  const lists = await Promise.all(distinctStores().map((store) => store.list()));
  return lists.flat();
}

function distinctStores(): RoomStore[] {
  return [...new Set([...running].map((s) => s.store))];
}
