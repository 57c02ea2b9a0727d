// Sending to a seat: straight to its socket (on this server or, through the adapter, another),
// or into the store's away queue while its peer is away.
import type { Delivery, ServerToClientEvents } from '../../sdk/protocol/index.js';
import { attempt, chain, type MaybePromise } from '../maybe-promise.js';
import type { Departure, Seat } from '../rooms/store.js';
import type { Context } from './context.js';
import type { CignalSocket, QueuedMessage } from './types.js';
import { describeError, log } from './log.js';

/**
 * Sends to the peer of a seat that is not away: returns its socket when it is on this server and
 * got the message directly, null when it was sent through the adapter.
 */
export function sendTo<E extends keyof ServerToClientEvents>(
  ctx: Context,
  seat: Readonly<Seat>,
  event: E,
  payload: Parameters<ServerToClientEvents[E]>[0],
): CignalSocket | null {
  // The relay's path: a partner on this server gets a direct emit, no message array is built.
  const local = ctx.server.sockets.sockets.get(seat.socketId);
  if (local) local.emit(event as keyof ServerToClientEvents, payload as never);
  else emitTo(ctx, seat.socketId, [event, payload] as QueuedMessage);
  return local ?? null;
}

/**
 * Keeps a message for the peer of an away seat, and says what became of it: kept, sent after all
 * (the peer came back meanwhile), or dropped; at once or later, as the store answers. A store that
 * fails throws or rejects: the caller answers it.
 */
export function keepFor<E extends keyof ServerToClientEvents>(
  ctx: Context,
  roomId: string,
  seat: Readonly<Seat>,
  event: E,
  payload: Parameters<ServerToClientEvents[E]>[0],
): MaybePromise<Delivery | 'dropped'> {
  const message = [event, payload] as QueuedMessage;
  // Who is in the room is always kept (a resumed peer must not believe in a partner who left);
  // those events are small and come only from joins and leaves.
  const always = event === 'peerJoined' || event === 'peerLeft';
  return chain(ctx.store.keep(roomId, seat.peerId, message, { always }), (outcome) => {
    if (outcome.kept && !outcome.dropped) return 'kept';
    if (outcome.kept) log('dropped a %s for %s in room %s: what is kept for it is at its bound', event, seat.peerId, roomId);
    // Back in the meantime: it gets the message directly.
    else if (outcome.socketId) {
      emitTo(ctx, outcome.socketId, message);
      return 'relayed';
    }
    return 'dropped';
  });
}

/** Sends to a seat's peer, or keeps it for them, when nobody waits for the outcome. */
export function deliver<E extends keyof ServerToClientEvents>(
  ctx: Context,
  roomId: string,
  seat: Readonly<Seat>,
  event: E,
  payload: Parameters<ServerToClientEvents[E]>[0],
): void {
  if (seat.awayUntil === null) return void sendTo(ctx, seat, event, payload);
  attempt(
    () => keepFor(ctx, roomId, seat, event, payload),
    () => {},
    (error) => {
      log('could not keep a %s for %s: %s', event, seat.peerId, describeError(error));
      ctx.report.failed(`keeping a ${event} for an away peer`, error, { roomId, peerId: seat.peerId });
    },
  );
}

/** A socket of this server directly; any other through the adapter (which reaches other servers). */
export function emitTo(ctx: Context, socketId: string, message: QueuedMessage): void {
  const local = ctx.server.sockets.sockets.get(socketId);
  if (local) local.emit(...(message as [keyof ServerToClientEvents, never]));
  else ctx.server.to(socketId).emit(...(message as [keyof ServerToClientEvents, never]));
}

/** Tells the partner of a freed seat that its peer is gone. */
export function tellDeparture(ctx: Context, departure: Departure, reason: 'left' | 'dropped'): void {
  const { roomId, seat, partner } = departure;
  log('%s left room %s (%s)', seat.peerId, roomId, reason);
  ctx.report.left(departure, reason);
  if (partner) deliver(ctx, roomId, partner, 'peerLeft', { peerId: seat.peerId, reason });
}
