// Admission: the join rides on the socket.io handshake, checked in an `io.use` middleware. The
// client's address is counted first (a connection slot and a join); with every count, the store
// and the authorize hook (or none) in this process and no join secret, a join is checked, seated
// and admitted without waiting on anything outside it.
import { PROTOCOL_VERSION, ServerErrorCode, displayNameFor, type JoinRequest, type WireError } from '../../sdk/protocol/index.js';
import { TokenBucket } from '../rate-limit.js';
import { attempt, whenKnown } from '../maybe-promise.js';
import { hashSeatSecret, newSeatSecret } from '../rooms/seat-secret.js';
import { StoreUnavailableError, type JoinOutcome, type SeatClaim } from '../rooms/store.js';
import { clientAddress, limitKey } from './address.js';
import type { Context } from './context.js';
import { tellDeparture } from './delivery.js';
import type { JoinGrant } from './join-token.js';
import type { Admission, ConnectionSlot } from './limits.js';
import type { Subject } from './report.js';
import { SignallingError, type CignalSocket } from './types.js';
import { describeError, log } from './log.js';
import { Refused, joinRequest } from './payloads.js';

export function refusal(code: WireError['code'], message: string, retryAfterMs?: number): Refusal {
  return Object.assign(new Error(message), { data: retryAfterMs === undefined ? { code, message } : { code, message, retryAfterMs } });
}

/** A refused join: `data` goes to the client in its `connect_error`; `cause` (the failure behind it) stays here. */
type Refusal = Error & { data: WireError; cause?: unknown; abandoned?: true };

/** The refusal of a join whose client went away before it completed: nobody hears it, and it counts as no refusal. */
function abandoned(): Refusal {
  return Object.assign(refusal(ServerErrorCode.Internal, 'The connection closed during the join'), { abandoned: true as const });
}

type Next = (error?: Error) => void;

/** Who asks to join, as far as it is known so far: the address first, the room and peer id once the request was read. */
type Applicant = Subject & { address: string };

/** Who asks to join, checked: what the seat is made of, and what it brings to take a held seat. */
interface Candidate {
  roomId: string;
  peerId: string;
  session: string;
  displayName: string;
  role: string | null;
  /** The seat secret sent with the join, if any. */
  seatSecret: string | null;
  /** The join token names this peer id: it takes the seat without the secret (which is then renewed). */
  byToken: boolean;
}

/**
 * The middleware that seats a connecting socket, or refuses it with a coded `connect_error`. In
 * order: the client address's budgets (a connection slot and a join), the request's shape, the
 * join token (when the server has a join secret; asynchronous), the authorize hook, then the
 * seat, whose secret the store checks as it seats.
 */
export function admission(ctx: Context) {
  return (socket: CignalSocket, next: Next): void => {
    // Every attempt counts against its address, valid or not, before anything else is looked at.
    const applicant: Applicant = { address: limitKey(clientAddress(socket.handshake, { trustProxy: ctx.trustProxy })) };
    const reported = reporting(ctx, applicant, next);
    attempt(() => ctx.limits.admit(applicant.address), (admitted) => counted(ctx, socket, applicant, admitted, reported), (error) => reported(failure(error)));
  };
}

/** Reports each refusal (counted by code, and to the activity log) before the client is given it. */
function reporting(ctx: Context, applicant: Applicant, next: Next): Next {
  return (error) => {
    const refused = error as Refusal | undefined;
    if (refused?.data && !refused.abandoned) ctx.report.refused(refused.data, applicant, refused.cause);
    next(error);
  };
}

/** Goes on with a join its address may make: the slot it took is given back however the socket ends. */
function counted(ctx: Context, socket: CignalSocket, applicant: Applicant, admitted: Admission, next: Next): void {
  if (!admitted.ok) {
    log('refused a join from %s: %s', applicant.address, admitted.message);
    return next(refusal(ServerErrorCode.RateLimited, admitted.message, admitted.retryAfterMs));
  }
  const { slot } = admitted;
  const done: Next = slot ? holding(ctx, socket, slot, next) : next;
  // Closed while its address was counted: no seat is taken for it.
  if (socket.conn.readyState !== 'open') return done(abandoned());
  check(ctx, socket, applicant, done);
}

/**
 * Ties a connection slot to its socket: given back when the join is refused, when the socket
 * disconnects and when its connection closes (a socket dropped mid-join sees no disconnect).
 */
function holding(ctx: Context, socket: CignalSocket, slot: ConnectionSlot, next: Next): Next {
  const release = () => ctx.limits.release(slot);
  socket.once('disconnect', release);
  socket.conn.once('close', release);
  return (error) => {
    if (error) release();
    next(error);
  };
}

/** Checks the join request and its token, then who may make it. */
function check(ctx: Context, socket: CignalSocket, applicant: Applicant, next: Next): void {
  try {
    const request = joinRequest.parse(socket.handshake.auth);
    if (request instanceof Refused) return next(refusal(ServerErrorCode.InvalidPayload, `Invalid join request: ${request.message}`));
    const { roomId, peerId, protocol } = request;
    // Checked ids from here on: a refusal names them.
    applicant.roomId = roomId;
    applicant.peerId = peerId;
    if (protocol !== undefined && protocol > PROTOCOL_VERSION) {
      return next(refusal(ServerErrorCode.UnsupportedProtocol, `This server speaks protocol ${PROTOCOL_VERSION}; the client needs ${protocol}. Load the SDK from this server.`));
    }
    // Without a join secret, nothing here waits on a promise.
    if (!ctx.joinTokens) return admit(ctx, socket, candidateFor(request, null), applicant.address, next);
    whenKnown(
      ctx.joinTokens.verify(request.token, roomId, peerId),
      (grant) => admit(ctx, socket, candidateFor(request, grant), applicant.address, next),
      (error: unknown) => next(failure(error, peerId, roomId)),
    );
  } catch (error) {
    next(failure(error));
  }
}

/** The candidate a checked request makes; a verified join token's role and name win over the client's. */
function candidateFor(request: JoinRequest, grant: JoinGrant | null): Candidate {
  const role = (grant?.role ?? request.role) || null;
  return {
    roomId: request.roomId,
    peerId: request.peerId,
    session: request.session,
    displayName: displayNameFor(grant?.displayName ?? request.displayName, role),
    role,
    seatSecret: request.seatSecret ?? null,
    byToken: grant?.peerId != null,
  };
}

/** Asks the authorize hook, if any, then seats the candidate; at once when both answer at once. */
function admit(ctx: Context, socket: CignalSocket, candidate: Candidate, address: string, next: Next): void {
  const failed = (error: unknown) => next(failure(error));
  try {
    const { roomId, peerId, displayName, role } = candidate;
    const allowed = ctx.authorize ? ctx.authorize({ roomId, peerId, displayName, role, handshake: socket.handshake }) : true;
    whenKnown(allowed, (yes) => (yes ? seat(ctx, socket, candidate, address, next) : next(unauthorized())), failed);
  } catch (error) {
    failed(error);
  }
}

/** Seats the candidate: at once when the store answers at once. Errors thrown here are the caller's to answer. */
function seat(ctx: Context, socket: CignalSocket, candidate: Candidate, address: string, next: Next): void {
  const { roomId, peerId, displayName, role, session } = candidate;
  // A new secret for a seat that is free or taken by token; the store keeps the old one when the
  // candidate proved it.
  const secret = newSeatSecret();
  const claim: SeatClaim = { secretHash: candidate.seatSecret === null ? null : hashSeatSecret(candidate.seatSecret), byToken: candidate.byToken };
  // Away until its welcome settles the seat: what is relayed to it meanwhile waits in order.
  const joinedAt = ctx.now();
  const seat = { peerId, displayName, role, session, socketId: socket.id, joinedAt, awayUntil: joinedAt + ctx.graceMs, secretHash: hashSeatSecret(secret) };
  const issued = { secret, claim, hash: seat.secretHash };
  whenKnown(
    ctx.store.join(roomId, seat, joinedAt, claim),
    (outcome) => seated(ctx, socket, candidate, address, joinedAt, issued, outcome, next),
    (error: unknown) => next(failure(error)),
  );
}

function seated(
  ctx: Context,
  socket: CignalSocket,
  candidate: Candidate,
  address: string,
  joinedAt: number,
  issued: { secret: string; claim: SeatClaim; hash: string },
  outcome: JoinOutcome,
  next: Next,
): void {
  const { roomId, peerId, displayName, role, session } = candidate;
  if (!outcome.ok && outcome.reason === 'seat-taken') {
    log('refused %s in room %s: its seat is held and the join did not prove it', peerId, roomId);
    return next(refusal(ServerErrorCode.SeatTaken, 'Someone holds this seat in the room; taking it needs its seat secret or a join token for this peer id'));
  }
  if (!outcome.ok) {
    log('refused %s: room %s is full', peerId, roomId);
    return next(refusal(ServerErrorCode.RoomFull, 'This room already has two people in it'));
  }
  for (const departure of outcome.freed) tellDeparture(ctx, departure, 'dropped');
  if (socket.conn.readyState !== 'open') {
    // The client went away while the store was seating it. socket.io drops such a socket with
    // neither 'connection' nor 'disconnect', so nothing else would ever give the seat back.
    log('%s closed before its join into room %s completed', peerId, roomId);
    return whenKnown(
      ctx.store.undoJoin(roomId, peerId, socket.id, outcome.previous),
      () => next(abandoned()),
      (error: unknown) => next(failure(error)),
    );
  }
  const kept = outcome.secretKept && candidate.seatSecret !== null;
  socket.data = {
    roomId,
    peerId,
    displayName,
    role,
    session,
    address,
    joinedAt: outcome.previous?.session === session ? outcome.previous.joinedAt : joinedAt,
    seatSecret: kept ? candidate.seatSecret : issued.secret,
    secretHash: kept ? issued.claim.secretHash! : issued.hash,
    unseated: false,
    previous: outcome.previous,
    bucket: new TokenBucket(ctx.rate.perSecond, ctx.rate.burst, ctx.now),
    routedTo: null,
    routeStamp: null,
    routedAt: -1,
  };
  next();
}

function unauthorized(): Error {
  return refusal(ServerErrorCode.Unauthorized, 'This server did not allow the join');
}

/** The refusal for a join refused with a reason (a join token), or that failed inside the server. */
function failure(error: unknown, peerId?: string, roomId?: string): Error {
  if (error instanceof SignallingError) {
    log('refused %s in room %s: %s', peerId, roomId, error.message);
    return refusal(error.code, error.message);
  }
  if (error instanceof StoreUnavailableError) {
    log('join refused: %s', error.message);
    return Object.assign(refusal(ServerErrorCode.Unavailable, 'The server cannot reach its room store just now; try again shortly'), { cause: error });
  }
  log('join failed: %s', describeError(error));
  return Object.assign(refusal(ServerErrorCode.Internal, 'The server could not complete the join'), { cause: error });
}
