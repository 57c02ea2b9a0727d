// Sending to a seat: straight to its socket, or into the away queue while its peer is away.
import type { ServerToClientEvents } from '../../sdk/protocol/index.js';
import type { Seat } from '../rooms/store.js';
import { AwayQueues } from './away.js';
import type { Context } from './context.js';
import type { QueuedMessage } from './types.js';

export function deliver(ctx: Context, roomId: string, seat: Seat, ...message: QueuedMessage): void {
  if (ctx.away.keep(AwayQueues.key(roomId, seat.peerId), message)) return;
  ctx.server.to(seat.socketId).emit(...(message as [keyof ServerToClientEvents, never]));
}
