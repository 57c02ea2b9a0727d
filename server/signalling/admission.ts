// Admission: the join rides on the socket.io handshake, checked in an `io.use` middleware. With a
// store in this process and an authorize hook that answers at once (or none), a join is checked,
// seated and admitted without a promise.
import { PROTOCOL_VERSION, ServerErrorCode, displayNameFor, type WireError } from '../../sdk/protocol/index.js';
import { TokenBucket } from '../rate-limit.js';
import { StoreUnavailableError, type JoinOutcome } from '../rooms/store.js';
import type { Context } from './context.js';
import { tellDeparture } from './delivery.js';
import type { CignalSocket } from './types.js';
import { describeError, log } from './log.js';
import { Refused, joinRequest } from './payloads.js';

export function refusal(code: WireError['code'], message: string): Error & { data: WireError } {
  return Object.assign(new Error(message), { data: { code, message } });
}

type Next = (error?: Error) => void;

/** Who asks to join, checked: what the seat is made of. */
interface Candidate {
  roomId: string;
  peerId: string;
  session: string;
  displayName: string;
  role: string | null;
}

/** The middleware that seats a connecting socket, or refuses it with a coded `connect_error`. */
export function admission(ctx: Context) {
  return (socket: CignalSocket, next: Next): void => {
    try {
      const request = joinRequest.parse(socket.handshake.auth);
      if (request instanceof Refused) return next(refusal(ServerErrorCode.InvalidPayload, `Invalid join request: ${request.message}`));
      const { roomId, peerId, session, protocol } = request;
      if (protocol !== undefined && protocol > PROTOCOL_VERSION) {
        return next(refusal(ServerErrorCode.UnsupportedProtocol, `This server speaks protocol ${PROTOCOL_VERSION}; the client needs ${protocol}. Load the SDK from this server.`));
      }
      const role = request.role || null;
      const candidate: Candidate = { roomId, peerId, session, displayName: displayNameFor(request.displayName, role), role };
      const allowed = ctx.authorize ? ctx.authorize({ roomId, peerId, displayName: candidate.displayName, role, handshake: socket.handshake }) : true;
      if (isThenable(allowed)) {
        return void Promise.resolve(allowed)
          .then((yes) => (yes ? seat(ctx, socket, candidate, next) : next(unauthorized())))
          .then(undefined, (error: unknown) => next(failure(error)));
      }
      if (!allowed) return next(unauthorized());
      const seating = seat(ctx, socket, candidate, next);
      if (seating) seating.then(undefined, (error: unknown) => next(failure(error)));
    } catch (error) {
      next(failure(error));
    }
  };
}

/** Seats the candidate, at once when the store can; a promise otherwise. Errors are the caller's to answer. */
function seat(ctx: Context, socket: CignalSocket, candidate: Candidate, next: Next): void | Promise<void> {
  const { roomId, peerId, displayName, role, session } = candidate;
  // Away until its welcome settles the seat: what is relayed to it meanwhile waits in order.
  const joinedAt = ctx.now();
  const seat = { peerId, displayName, role, session, socketId: socket.id, joinedAt, awayUntil: joinedAt + ctx.graceMs };
  if (ctx.store.joinNow) return seated(ctx, socket, candidate, joinedAt, ctx.store.joinNow(roomId, seat, joinedAt), next);
  return ctx.store.join(roomId, seat, joinedAt).then((outcome) => seated(ctx, socket, candidate, joinedAt, outcome, next));
}

function seated(ctx: Context, socket: CignalSocket, candidate: Candidate, joinedAt: number, outcome: JoinOutcome, next: Next): void | Promise<void> {
  const { roomId, peerId, displayName, role, session } = candidate;
  if (!outcome.ok) {
    log('refused %s: room %s is full', peerId, roomId);
    return next(refusal(ServerErrorCode.RoomFull, 'This room already has two people in it'));
  }
  for (const departure of outcome.freed) tellDeparture(ctx, departure, 'dropped');
  if (socket.conn.readyState !== 'open') {
    // The client went away while the store was seating it. socket.io drops such a socket with
    // neither 'connection' nor 'disconnect', so nothing else would ever give the seat back.
    log('%s closed before its join into room %s completed', peerId, roomId);
    return ctx.store.undoJoin(roomId, peerId, socket.id, outcome.previous).then(() => next(refusal(ServerErrorCode.Internal, 'The connection closed during the join')));
  }
  socket.data = {
    roomId,
    peerId,
    displayName,
    role,
    session,
    joinedAt: outcome.previous?.session === session ? outcome.previous.joinedAt : joinedAt,
    unseated: false,
    previous: outcome.previous,
    bucket: new TokenBucket(ctx.rate.perSecond, ctx.rate.burst, ctx.now),
    routedTo: null,
    routeStamp: null,
    routedAt: -1,
  };
  next();
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

function unauthorized(): Error {
  return refusal(ServerErrorCode.Unauthorized, 'This server did not allow the join');
}

/** The refusal for a join that failed inside the server. */
function failure(error: unknown): Error {
  if (error instanceof StoreUnavailableError) {
    log('join refused: %s', error.message);
    return refusal(ServerErrorCode.Unavailable, 'The server cannot reach its room store just now; try again shortly');
  }
  log('join failed: %s', describeError(error));
  return refusal(ServerErrorCode.Internal, 'The server could not complete the join');
}
