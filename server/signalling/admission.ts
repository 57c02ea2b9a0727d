// Admission: the join rides on the socket.io handshake, checked in an `io.use` middleware.
import { PROTOCOL_VERSION, ServerErrorCode, displayNameFor, type WireError } from '../../sdk/protocol/index.js';
import { TokenBucket } from '../rate-limit.js';
import { StoreUnavailableError } from '../rooms/store.js';
import type { Context } from './context.js';
import { tellDeparture } from './delivery.js';
import type { CignalSocket } from './types.js';
import { describeError, log } from './log.js';
import { Refused, joinRequest } from './payloads.js';

export function refusal(code: WireError['code'], message: string): Error & { data: WireError } {
  return Object.assign(new Error(message), { data: { code, message } });
}

/** The middleware that seats a connecting socket, or refuses it with a coded `connect_error`. */
export function admission(ctx: Context) {
  return async (socket: CignalSocket, next: (error?: Error) => void): Promise<void> => {
    try {
      const request = joinRequest.parse(socket.handshake.auth);
      if (request instanceof Refused) return next(refusal(ServerErrorCode.InvalidPayload, `Invalid join request: ${request.message}`));
      const { roomId, peerId, session, protocol } = request;
      if (protocol !== undefined && protocol > PROTOCOL_VERSION) {
        return next(refusal(ServerErrorCode.UnsupportedProtocol, `This server speaks protocol ${PROTOCOL_VERSION}; the client needs ${protocol}. Load the SDK from this server.`));
      }
      const role = request.role || null;
      const displayName = displayNameFor(request.displayName, role);
      if (ctx.authorize && !(await ctx.authorize({ roomId, peerId, displayName, role, handshake: socket.handshake }))) {
        return next(refusal(ServerErrorCode.Unauthorized, 'This server did not allow the join'));
      }
      // Away until its welcome settles the seat: what is relayed to it meanwhile waits in order.
      const joinedAt = ctx.now();
      const seat = { peerId, displayName, role, session, socketId: socket.id, joinedAt, awayUntil: joinedAt + ctx.graceMs };
      const outcome = await ctx.store.join(roomId, seat, joinedAt);
      if (outcome.ok) for (const departure of outcome.freed) tellDeparture(ctx, departure, 'dropped');
      if (!outcome.ok) {
        log('refused %s: room %s is full', peerId, roomId);
        return next(refusal(ServerErrorCode.RoomFull, 'This room already has two people in it'));
      }
      if (socket.conn.readyState !== 'open') {
        // The client went away while the store was seating it. socket.io drops such a socket with
        // neither 'connection' nor 'disconnect', so nothing else would ever give the seat back.
        log('%s closed before its join into room %s completed', peerId, roomId);
        await ctx.store.undoJoin(roomId, peerId, socket.id, outcome.previous);
        return next(refusal(ServerErrorCode.Internal, 'The connection closed during the join'));
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
      };
      next();
    } catch (error) {
      if (error instanceof StoreUnavailableError) {
        log('join refused: %s', error.message);
        return next(refusal(ServerErrorCode.Unavailable, 'The server cannot reach its room store just now; try again shortly'));
      }
      log('join failed: %s', describeError(error));
      next(refusal(ServerErrorCode.Internal, 'The server could not complete the join'));
    }
  };
}
