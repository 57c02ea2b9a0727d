// Signalling on a socket.io server: seats two peers per room and relays their messages.
import createDebug from 'debug';
import type { Server, Socket } from 'socket.io';
import {
  AnswerSchema,
  CandidateSchema,
  displayNameFor,
  ClientEvents,
  InformSchema,
  JoinRequestSchema,
  MediaStateSchema,
  OfferSchema,
  PROTOCOL_VERSION,
  ServerErrorCode,
  describeIssues,
  safeParse,
  type Ack,
  type AckResponse,
  type ClientToServerEvents,
  type IceServer,
  type PeerInfo,
  type ServerToClientEvents,
  type WireError,
} from '../sdk/protocol/index.js';
import { DEFAULT_ICE_SERVERS, iceServersFor, type TurnSecret } from './ice.js';
import { TokenBucket } from './rate-limit.js';
import { MemoryRoomStore } from './rooms/memory.js';
import type { RoomSnapshot, RoomStore, Seat } from './rooms/store.js';
import type * as v from 'valibot';

const log = createDebug('cignal:signalling');

export interface AuthorizeRequest {
  roomId: string;
  peerId: string;
  displayName: string;
  role: string | null;
  /** The socket.io handshake: headers, address, query. */
  handshake: Socket['handshake'];
}

export interface SignallingOptions {
  /** Where seats live. Default: a new in-memory store. */
  store?: RoomStore;
  /** ICE servers given to every peer. Default: one public STUN server. */
  iceServers?: IceServer[];
  /** Adds short-lived TURN credentials for each peer. */
  turn?: TurnSecret | null;
  /** How long a dropped peer keeps its seat, waiting for a reconnect; messages for it are kept meanwhile. Default 10 000 ms. */
  reconnectGraceMs?: number;
  /** Per-socket message budget. Default 50/s with bursts of 200. */
  rateLimit?: { perSecond: number; burst: number };
  /** Decides whether a join may proceed; refusals reach the client as `unauthorized`. */
  authorize?: (request: AuthorizeRequest) => boolean | Promise<boolean>;
  now?: () => number;
}

/** A running signalling layer. */
export interface Signalling {
  readonly store: RoomStore;
  totalRoomsRunning(): Promise<number>;
  allRooms(): Promise<RoomSnapshot[]>;
  /** Cancels pending grace timers and stops counting this server in the module-level views. */
  close(): void;
}

interface SocketData {
  roomId: string;
  peerId: string;
  displayName: string;
  role: string | null;
  session: string;
  /** Set once this socket no longer speaks for a seat (it left or was replaced). */
  unseated: boolean;
  previous: Seat | null;
  bucket: TokenBucket;
}

type CignalServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type CignalSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/** A refusal that carries its code to the client. */
export class SignallingError extends Error {
  constructor(
    readonly code: WireError['code'],
    message: string,
  ) {
    super(message);
  }
  toWire(): WireError {
    return { code: this.code, message: this.message };
  }
}

const running = new Set<Signalling>();

/**
 * Messages kept for a peer whose connection dropped, delivered when it resumes: bounded per seat
 * (a call's offer, answer and candidates need a few tens of KB) and for the whole process, so
 * that dropping one end of many rooms cannot be turned into a memory flood.
 */
const AWAY_SEAT_BYTES = 256 * 1024;
const AWAY_TOTAL_BYTES = 32 * 1024 * 1024;
let awayTotalBytes = 0;
type AwayQueue = { messages: QueuedMessage[]; bytes: number };
type QueuedMessage = { [E in keyof ServerToClientEvents]: [E, ...Parameters<ServerToClientEvents[E]>] }[keyof ServerToClientEvents];

function refusal(code: WireError['code'], message: string): Error & { data: WireError } {
  return Object.assign(new Error(message), { data: { code, message } });
}

function fail(error: WireError): AckResponse {
  return { ok: false, error };
}

function peerInfo(seat: Pick<Seat, 'peerId' | 'displayName' | 'role'>): PeerInfo {
  return { peerId: seat.peerId, displayName: seat.displayName, role: seat.role };
}

/**
 * Attaches Cignal signalling to a socket.io server.
 * For the recommended server options (buffer size, CORS, timeouts) see `socketServerOptions`.
 */
export function initSocketServer(io: Server, options: SignallingOptions = {}): Signalling {
  const server = io as unknown as CignalServer;
  const store = options.store ?? new MemoryRoomStore();
  const graceMs = options.reconnectGraceMs ?? 10_000;
  const rate = options.rateLimit ?? { perSecond: 50, burst: 200 };
  const now = options.now ?? Date.now;
  const graceTimers = new Map<string, NodeJS.Timeout>();
  /** Set once the server is shutting down: from then on a disconnect frees no seat. */
  let closing = false;
  /** Seats whose socket dropped on this node, with what arrived for them since. */
  const away = new Map<string, AwayQueue>();
  const forget = (key: string) => {
    awayTotalBytes -= away.get(key)?.bytes ?? 0;
    away.delete(key);
  };
  const seatKey = (roomId: string, peerId: string) => `${roomId}\n${peerId}`;

  function cancelGrace(roomId: string, peerId: string) {
    const key = seatKey(roomId, peerId);
    clearTimeout(graceTimers.get(key));
    graceTimers.delete(key);
  }

  /** Sends to the seat's socket, or keeps the message while that peer is away. */
  function deliver(roomId: string, seat: Seat, ...message: QueuedMessage) {
    const queue = away.get(seatKey(roomId, seat.peerId));
    if (!queue) {
      server.to(seat.socketId).emit(...(message as [keyof ServerToClientEvents, never]));
      return;
    }
    // Who is in the room is always kept (a resumed peer must not believe in a partner who
    // left); those events are small and come only from joins and leaves.
    const always = message[0] === 'peerJoined' || message[0] === 'peerLeft';
    const bytes = JSON.stringify(message[1]).length;
    if (!always && (queue.bytes + bytes > AWAY_SEAT_BYTES || awayTotalBytes + bytes > AWAY_TOTAL_BYTES)) {
      log('dropped a %s for %s: too much kept while it is away', message[0], seat.peerId);
      return;
    }
    queue.messages.push(message);
    queue.bytes += bytes;
    awayTotalBytes += bytes;
  }

  /** Frees the seat if this socket still holds it, and tells the partner. */
  async function vacate(socket: CignalSocket, reason: 'left' | 'dropped') {
    const { roomId, peerId } = socket.data;
    // Whatever happens to the seat, this node stops keeping messages for this socket's absence
    // (the peer may have resumed on another node).
    if (reason === 'dropped') forget(seatKey(roomId, peerId));
    const seat = await store.leave(roomId, peerId, socket.id);
    if (!seat) return;
    log('%s left room %s (%s)', peerId, roomId, reason);
    const partner = await store.partner(roomId, peerId);
    if (partner) deliver(roomId, partner, 'peerLeft', { peerId, reason });
  }

  server.use(async (socket, next) => {
    try {
      const parsed = safeParse(JoinRequestSchema, socket.handshake.auth);
      if (!parsed.success) {
        return next(refusal(ServerErrorCode.InvalidPayload, `Invalid join request: ${describeIssues(parsed.issues)}`));
      }
      const { roomId, peerId, session, protocol } = parsed.output;
      if (protocol !== undefined && protocol > PROTOCOL_VERSION) {
        return next(refusal(ServerErrorCode.UnsupportedProtocol, `This server speaks protocol ${PROTOCOL_VERSION}; the client needs ${protocol}. Load the SDK from this server.`));
      }
      const role = parsed.output.role || null;
      const displayName = displayNameFor(parsed.output.displayName, role);
      if (options.authorize && !(await options.authorize({ roomId, peerId, displayName, role, handshake: socket.handshake }))) {
        return next(refusal(ServerErrorCode.Unauthorized, 'This server did not allow the join'));
      }
      const outcome = await store.join(roomId, { peerId, displayName, role, session, socketId: socket.id, joinedAt: now() });
      if (!outcome.ok) {
        log('refused %s: room %s is full', peerId, roomId);
        return next(refusal(ServerErrorCode.RoomFull, 'This room already has two people in it'));
      }
      if (socket.conn.readyState !== 'open') {
        // The client went away while the store was seating it. socket.io drops such a socket with
        // neither 'connection' nor 'disconnect', so nothing else would ever give the seat back.
        log('%s closed before its join into room %s completed', peerId, roomId);
        if (outcome.previous) await store.join(roomId, outcome.previous);
        else await store.leave(roomId, peerId, socket.id);
        return next(refusal(ServerErrorCode.Internal, 'The connection closed during the join'));
      }
      socket.data = {
        roomId,
        peerId,
        displayName,
        role,
        session,
        unseated: false,
        previous: outcome.previous,
        bucket: new TokenBucket(rate.perSecond, rate.burst, now),
      };
      next();
    } catch (error) {
      log('join failed: %O', error);
      next(refusal(ServerErrorCode.Internal, 'The server could not complete the join'));
    }
  });

  server.on('connection', (socket) => {
    void welcome(socket).catch((error) => {
      log('welcome failed: %O', error);
      socket.disconnect(true);
    });
  });

  async function welcome(socket: CignalSocket) {
    const { roomId, peerId, session, previous } = socket.data;
    socket.data.previous = null;
    cancelGrace(roomId, peerId);
    const resumed = previous?.session === session;

    socket.use(([event, ...args], next) => {
      const ack = typeof args.at(-1) === 'function' ? (args.at(-1) as Ack) : undefined;
      if (!socket.data.bucket.take()) {
        ack?.(fail({ code: ServerErrorCode.RateLimited, message: 'Too many messages; slow down' }));
        return;
      }
      if (!(ClientEvents as readonly string[]).includes(event)) {
        ack?.(fail({ code: ServerErrorCode.UnknownEvent, message: `Unknown event "${String(event).slice(0, 64)}"` }));
        return;
      }
      next();
    });
    for (const event of ['offer', 'answer', 'candidate', 'mediaState'] as const) {
      const schema = { offer: OfferSchema, answer: AnswerSchema, candidate: CandidateSchema, mediaState: MediaStateSchema }[event];
      socket.on(event, handler(socket, schema, false, async (payload) => {
        deliver(roomId, await seatedPartner(socket), event, { ...payload, from: peerId } as never);
      }));
    }
    socket.on('inform', handler(socket, InformSchema, true, async ({ data, id }) => {
      deliver(roomId, await seatedPartner(socket), 'information', id === undefined ? { data, from: peerId } : { data, id, from: peerId });
    }));

    socket.on('disconnect', (reason) => {
      // Shutting down is not leaving: the clients come back, and their partners must not be told.
      if (socket.data.unseated || closing) return;
      // A client that says goodbye, or a server that ends the socket, frees the seat at once;
      // a connection that merely drops keeps it for the grace period.
      if (reason === 'client namespace disconnect' || reason === 'server namespace disconnect') {
        void vacate(socket, 'left').catch((error) => log('leave failed: %O', error));
        return;
      }
      log('%s dropped from room %s (%s); holding the seat for %d ms', peerId, roomId, reason, graceMs);
      const key = seatKey(roomId, peerId);
      clearTimeout(graceTimers.get(key));
      if (!away.has(key)) away.set(key, { messages: [], bytes: 0 });
      graceTimers.set(key, setTimeout(() => {
        graceTimers.delete(key);
        void vacate(socket, 'dropped').catch((error) => log('leave failed: %O', error));
      }, graceMs));
    });

    if (previous && previous.socketId !== socket.id) {
      const old = server.sockets.sockets.get(previous.socketId);
      if (old) {
        old.data.unseated = true;
        if (!resumed) old.emit('replaced', { message: 'This peer joined the room again from another connection' });
        old.disconnect(true);
      }
    }

    const partner = await store.partner(roomId, peerId);
    const me = peerInfo(socket.data);
    // Taken only now, after the last await, so nothing relayed meanwhile can overtake it.
    const key = seatKey(roomId, peerId);
    const missed = resumed ? (away.get(key)?.messages ?? []) : [];
    forget(key);
    log('%s %s room %s', peerId, resumed ? 'resumed in' : 'joined', roomId);
    socket.emit('joined', {
      roomId,
      ...me,
      iceServers: iceServersFor(peerId, options.iceServers ?? DEFAULT_ICE_SERVERS, options.turn ?? null, now()),
      peer: partner && peerInfo(partner),
      resumed,
      graceMs,
      protocol: PROTOCOL_VERSION,
    });
    for (const message of missed) socket.emit(...(message as [keyof ServerToClientEvents, never]));
    if (partner && !resumed) {
      if (previous) deliver(roomId, partner, 'peerLeft', { peerId, reason: 'replaced' });
      deliver(roomId, partner, 'peerJoined', me);
    }
  }

  /** The partner to relay to; a coded error (answered in the ack, if any) when there is none. */
  async function seatedPartner(socket: CignalSocket): Promise<Seat> {
    if (socket.data.unseated) throw new SignallingError(ServerErrorCode.NotInRoom, 'This connection no longer holds a seat in the room');
    const partner = await store.partner(socket.data.roomId, socket.data.peerId);
    if (!partner) throw new SignallingError(ServerErrorCode.NoPeer, 'Nobody else is in the room');
    return partner;
  }

  const signalling: Signalling = {
    store,
    totalRoomsRunning: () => store.count(),
    allRooms: () => store.list(),
    close() {
      // Said before socket.io disconnects everyone, on the same connections, so it arrives first.
      closing = true;
      server.emit('serverClosing', { message: 'The server is restarting; reconnect' });
      for (const timer of graceTimers.values()) clearTimeout(timer);
      graceTimers.clear();
      for (const key of [...away.keys()]) forget(key);
      running.delete(signalling);
    },
  };
  running.add(signalling);
  return signalling;
}

/**
 * Wraps a socket handler: takes the ack off the arguments, validates the payload, and answers
 * every outcome. Nothing thrown here reaches socket.io.
 */
function handler<S extends v.GenericSchema>(
  socket: CignalSocket,
  schema: S,
  ackRequired: boolean,
  run: (payload: v.InferOutput<S>) => Promise<void>,
) {
  return (...args: unknown[]) => {
    const ack = typeof args.at(-1) === 'function' ? (args.pop() as Ack) : undefined;
    const reply = (response: AckResponse) => {
      try {
        ack?.(response);
      } catch (error) {
        log('ack failed: %O', error);
      }
    };
    if (ackRequired && !ack) {
      log('dropped a message from %s that had no ack', socket.data.peerId);
      return;
    }
    const parsed = safeParse(schema, args[0]);
    if (!parsed.success) {
      reply(fail({ code: ServerErrorCode.InvalidPayload, message: describeIssues(parsed.issues) }));
      return;
    }
    run(parsed.output).then(
      () => reply({ ok: true }),
      (error: unknown) => {
        if (error instanceof SignallingError) return reply(fail(error.toWire()));
        log('handler failed: %O', error);
        reply(fail({ code: ServerErrorCode.Internal, message: 'The server could not handle this message' }));
      },
    );
  };
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
