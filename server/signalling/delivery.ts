// Sending to a seat: straight to its socket (on this server or, through the adapter, another),
// or into the store's away queue while its peer is away.
import type { ServerToClientEvents } from '../../sdk/protocol/index.js';
import type { Departure, Seat } from '../rooms/store.js';
import type { Context } from './context.js';
import type { QueuedMessage } from './types.js';
import { describeError, log } from './log.js';

export function deliver(ctx: Context, roomId: string, seat: Readonly<Seat>, ...message: QueuedMessage): void {
  if (seat.awayUntil === null) {
    emitTo(ctx, seat.socketId, message);
    return;
  }
  // Who is in the room is always kept (a resumed peer must not believe in a partner who left);
  // those events are small and come only from joins and leaves.
  const always = message[0] === 'peerJoined' || message[0] === 'peerLeft';
  ctx.store.keep(roomId, seat.peerId, message, always).then(
    (outcome) => {
      // Back in the meantime: it gets the message directly.
      if (!outcome.kept && outcome.socketId) emitTo(ctx, outcome.socketId, message);
      else if (outcome.kept && outcome.dropped) log('dropped a %s for %s in room %s: what is kept for it is at its bound', message[0], seat.peerId, roomId);
    },
    (error: unknown) => log('could not keep a %s for %s: %s', message[0], seat.peerId, describeError(error)),
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
  if (partner) deliver(ctx, roomId, partner, 'peerLeft', { peerId: seat.peerId, reason });
}
