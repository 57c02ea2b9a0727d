// The shapes every signalling module shares: options, the typed server and socket, coded refusals.
import type { Redis } from 'ioredis';
import type { Server, Socket } from 'socket.io';
import type { CallReport, ClientToServerEvents, IceServer, ServerToClientEvents, WireError } from '../../sdk/protocol/index.js';
import type { TurnSecret } from '../ice.js';
import type { TokenBucket } from '../rate-limit.js';
import type { RoomSnapshot, RoomStore, RouteStamp, Seat } from '../rooms/store.js';
import type { IpLimits } from './limits.js';
import type { ActivityLog, SignallingCounts } from './report.js';

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
  /**
   * Budgets per client address (connections at once, joins a minute, messages a second; 0 turns
   * one off), over all of its sockets. Default `DEFAULT_IP_LIMITS`. With `redis` (an ioredis
   * client; the room store's will do), counted across every server on that Redis; a server's
   * connections stop counting `nodeTtlMs` after its last heartbeat there (default 10 000 ms).
   */
  ipLimits?: Partial<IpLimits> & { redis?: Redis | null; nodeTtlMs?: number };
  /** Reads the client's address from the first entry of X-Forwarded-For (behind a proxy you run). Default false. */
  trustProxy?: boolean;
  /**
   * The secret that join tokens are signed with (HS256), at least 32 characters. When set, every
   * join must carry a valid token for its room (`unauthorized` otherwise). Default: none, rooms
   * are open to anyone who knows their id.
   */
  joinSecret?: string | null;
  /** Decides whether a join may proceed, after the join token; refusals reach the client as `unauthorized`. */
  authorize?: (request: AuthorizeRequest) => boolean | Promise<boolean>;
  /**
   * Told of every join, leave, refused join and failure, one call each (`cignal/server`'s own
   * server writes them as JSON or text lines). Default: none; `DEBUG=cignal:*` logs them either way.
   */
  activityLog?: ActivityLog | null;
  /**
   * Where the reports of calls that clients send go (`callReport`, validated and rate-limited
   * first). When set, `joined` tells clients that this server takes them. Default: none, and
   * clients send none.
   */
  callReports?: CallReportSink | null;
  now?: () => number;
}

/** Why a call report was refused (a label of `cignal_call_reports_refused_total`). */
export const CallReportRefusals = [
  /** This server takes no reports. */
  'not-accepted',
  /** Not a report: wrong types, values out of range, unknown fields, figures that contradict each other. */
  'invalid',
  /** Larger than a report can be. */
  'too-large',
  /** More reports from one connection than its calls can make. */
  'rate-limited',
] as const;
export type CallReportRefusal = (typeof CallReportRefusals)[number];

/** Takes the call reports a server accepts. Neither call may throw; nothing identifies the person or their address. */
export interface CallReportSink {
  /** A report that passed every check. */
  record(report: CallReport): void;
  /** A report refused, and why. */
  refused(reason: CallReportRefusal): void;
}

/** A running signalling layer. */
export interface Signalling {
  readonly store: RoomStore;
  /** Running totals of what this server did since it started (what `/metrics` reports); live, read-only. */
  readonly counts: Readonly<SignallingCounts>;
  totalRoomsRunning(): Promise<number>;
  allRooms(): Promise<RoomSnapshot[]>;
  /**
   * Tells every peer the server is restarting, cancels this server's timers and stops counting it
   * in the module-level views. Seats are not freed: their peers come back, here or elsewhere.
   */
  close(): Promise<void>;
}

export interface SocketData {
  roomId: string;
  peerId: string;
  displayName: string;
  role: string | null;
  session: string;
  /** The client's address as the limits count it. */
  address: string;
  /** When the seat was taken (a resumed session keeps its first join's time). */
  joinedAt: number;
  /** The seat's secret, until the welcome hands it to the client. */
  seatSecret: string | null;
  /** The hash of the seat's secret, as the store keeps it. */
  secretHash: string;
  /**
   * Set once this server knows the socket no longer speaks for its seat (it left or was replaced
   * here). A shortcut only: the store decides, since the replacement may happen on another server.
   */
  unseated: boolean;
  previous: Seat | null;
  bucket: TokenBucket;
  /**
   * The partner's socket on this server as the relay last found it, with the room's stamp and its
   * count then: while no seat of the room has changed since, the relay sends there without asking
   * the store. (It holds on to at most one socket that has gone, until this one sends again or
   * goes too.)
   */
  routedTo: CignalSocket | null;
  routeStamp: RouteStamp | null;
  routedAt: number;
  /** The budget of call reports of this connection; made with its first report. */
  reports?: TokenBucket;
}

export type CignalServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type CignalSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

/** One server-to-client event with its arguments, as kept for an absent peer. */
export type QueuedMessage = { [E in keyof ServerToClientEvents]: [E, ...Parameters<ServerToClientEvents[E]>] }[keyof ServerToClientEvents];

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
