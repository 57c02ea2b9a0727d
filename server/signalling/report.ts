// What signalling tells its operators: running counts since it started (read by /metrics when it
// is scraped) and, when an activity log is given, one entry per join, leave, refusal and failure.
// A count is a plain increment of a number: the relay's hot path builds nothing and waits on nothing.
import { ClientEvents, ServerErrorCode, type ClientEventName, type WireError } from '../../sdk/protocol/index.js';
import { StoreUnavailableError, type Departure } from '../rooms/store.js';
import { describeError, log } from './log.js';

/** Running totals of one signalling layer since it started; what happened on this server only. */
export interface SignallingCounts {
  /** Peers seated by this server, resumes and hand-overs included. */
  joins: number;
  /** Joins that resumed the same presence after its connection dropped (within its grace). */
  resumes: number;
  /** Joins that took over the seat of the same peer id from another connection (a reload, another tab). */
  handovers: number;
  /** Seats freed at the end of their reconnect grace (their peer did not come back). */
  graceExpiries: number;
  /** Joins refused, by the code the client was given (every code of `JOIN_REFUSAL_CODES`, from 0). */
  refusals: Record<string, number>;
  /** Messages answered with an error, by code, and failures inside the server (every code of `MESSAGE_ERROR_CODES`, from 0). */
  errors: Record<string, number>;
  /** Messages passed on to the partner (sent, or kept while the partner is away), by the event the client sent. */
  relayed: Record<ClientEventName, number>;
}

/** Who a join or a failure concerns, as far as it is known (a refusal may come before the request was read). */
export interface Subject {
  roomId?: string;
  peerId?: string;
  /** The client's address as the limits count it (an IPv6 client by its /64). */
  address?: string;
}

/**
 * Where activity goes, one call per event. It is only ever given ids, codes, sentences the server
 * wrote and the one-line description of an error: never SDP, tokens, seat secrets or TURN
 * credentials. A call must not throw; one that does is ignored.
 */
export interface ActivityLog {
  /** A peer was seated and welcomed. */
  joined(entry: { roomId: string; peerId: string; resumed: boolean; handover: boolean }): void;
  /** A seat was freed: its peer hung up (`left`), or did not come back within its grace (`dropped`). */
  left(entry: { roomId: string; peerId: string; reason: 'left' | 'dropped'; joinedAt: number }): void;
  /** A join was refused with `code`; `error` describes the failure behind an `internal` or `unavailable` refusal. */
  refused(entry: Subject & { code: ServerErrorCode; message: string; error?: string }): void;
  /** Something failed inside the server (`internal`) or its room store could not be reached (`unavailable`). */
  failed(entry: Pick<Subject, 'roomId' | 'peerId'> & { code: ServerErrorCode; what: string; error: string }): void;
}

function zeros<K extends string>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((key) => [key, 0])) as Record<K, number>;
}

/** The codes a join can be refused with. */
export const JOIN_REFUSAL_CODES = [
  ServerErrorCode.InvalidPayload,
  ServerErrorCode.RoomFull,
  ServerErrorCode.SeatTaken,
  ServerErrorCode.Unauthorized,
  ServerErrorCode.RateLimited,
  ServerErrorCode.UnsupportedProtocol,
  ServerErrorCode.Unavailable,
  ServerErrorCode.Internal,
] as const;

/** The codes a message can be answered with, and that a failure inside the server has. */
export const MESSAGE_ERROR_CODES = [
  ServerErrorCode.InvalidPayload,
  ServerErrorCode.UnknownEvent,
  ServerErrorCode.NotInRoom,
  ServerErrorCode.NoPeer,
  ServerErrorCode.RateLimited,
  ServerErrorCode.Dropped,
  ServerErrorCode.Unavailable,
  ServerErrorCode.Internal,
] as const;

export class Report {
  readonly counts: SignallingCounts = {
    joins: 0,
    resumes: 0,
    handovers: 0,
    graceExpiries: 0,
    refusals: zeros(JOIN_REFUSAL_CODES),
    errors: zeros(MESSAGE_ERROR_CODES),
    relayed: zeros(ClientEvents),
  };

  constructor(private readonly activity: ActivityLog | null) {}

  joined(roomId: string, peerId: string, resumed: boolean, handover: boolean): void {
    const { counts } = this;
    counts.joins++;
    if (resumed) counts.resumes++;
    if (handover) counts.handovers++;
    this.#tell('joined', { roomId, peerId, resumed, handover });
  }

  left({ roomId, seat }: Departure, reason: 'left' | 'dropped'): void {
    if (reason === 'dropped') this.counts.graceExpiries++;
    this.#tell('left', { roomId, peerId: seat.peerId, reason, joinedAt: seat.joinedAt });
  }

  /** A join refused with `refusal`; `cause`, the failure behind it when the server (or its store) failed. */
  refused(refusal: WireError, subject: Subject, cause?: unknown): void {
    const { refusals } = this.counts;
    refusals[refusal.code] = (refusals[refusal.code] ?? 0) + 1;
    this.#tell('refused', { ...subject, code: refusal.code, message: refusal.message, ...(cause !== undefined && { error: describeError(cause) }) });
  }

  /** A failure inside the server, outside any one message's answer: `what` says what was being done. */
  failed(what: string, error: unknown, subject: Pick<Subject, 'roomId' | 'peerId'> = {}): void {
    const code = error instanceof StoreUnavailableError ? ServerErrorCode.Unavailable : ServerErrorCode.Internal;
    this.error(code);
    this.#tell('failed', { ...subject, code, what, error: describeError(error) });
  }

  /** Counts an error answered with `code` (on the relay's path: a known code costs one increment). */
  error(code: ServerErrorCode): void {
    const { errors } = this.counts;
    errors[code] = (errors[code] ?? 0) + 1;
  }

  #tell<K extends keyof ActivityLog>(kind: K, entry: Parameters<ActivityLog[K]>[0]): void {
    if (!this.activity) return;
    try {
      (this.activity[kind] as (entry: Parameters<ActivityLog[K]>[0]) => void).call(this.activity, entry);
    } catch (error) {
      log('the activity log failed: %s', describeError(error));
    }
  }
}
