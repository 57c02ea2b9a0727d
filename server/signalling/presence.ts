// Presence: a seated socket's welcome, the replacement of a stale socket, leaving, and the grace
// a dropped peer gets before its seat is freed.
import createDebug from 'debug';
import { PROTOCOL_VERSION, type PeerInfo, type ServerToClientEvents } from '../../sdk/protocol/index.js';
import { iceServersFor } from '../ice.js';
import type { Seat } from '../rooms/store.js';
import { AwayQueues } from './away.js';
import type { Context } from './context.js';
import { deliver } from './delivery.js';
import type { CignalSocket } from './types.js';

const log = createDebug('cignal:signalling');

function peerInfo(seat: Pick<Seat, 'peerId' | 'displayName' | 'role'>): PeerInfo {
  return { peerId: seat.peerId, displayName: seat.displayName, role: seat.role };
}

export class Presence {
  readonly #graceTimers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly ctx: Context) {}

  /** Tells a newly seated socket where it is, hands it what was kept, and tells its partner. */
  async welcome(socket: CignalSocket): Promise<void> {
    const { ctx } = this;
    const { roomId, peerId, session, previous } = socket.data;
    socket.data.previous = null;
    this.#cancelGrace(roomId, peerId);
    const resumed = previous?.session === session;

    socket.on('disconnect', (reason) => this.#disconnected(socket, reason));

    if (previous && previous.socketId !== socket.id) {
      const old = ctx.server.sockets.sockets.get(previous.socketId);
      if (old) {
        old.data.unseated = true;
        if (!resumed) old.emit('replaced', { message: 'This peer joined the room again from another connection' });
        old.disconnect(true);
      }
    }

    const partner = await ctx.store.partner(roomId, peerId);
    const me = peerInfo(socket.data);
    // Taken only now, after the last await, so nothing relayed meanwhile can overtake it.
    const kept = ctx.away.take(AwayQueues.key(roomId, peerId));
    const missed = resumed ? kept : [];
    log('%s %s room %s', peerId, resumed ? 'resumed in' : 'joined', roomId);
    socket.emit('joined', {
      roomId,
      ...me,
      iceServers: iceServersFor(peerId, ctx.iceServers, ctx.turn, ctx.now()),
      peer: partner && peerInfo(partner),
      resumed,
      graceMs: ctx.graceMs,
      protocol: PROTOCOL_VERSION,
    });
    for (const message of missed) socket.emit(...(message as [keyof ServerToClientEvents, never]));
    if (partner && !resumed) {
      if (previous) deliver(ctx, roomId, partner, 'peerLeft', { peerId, reason: 'replaced' });
      deliver(ctx, roomId, partner, 'peerJoined', me);
    }
  }

  /** Cancels every grace timer and forgets what was kept: the server is shutting down. */
  close(): void {
    for (const timer of this.#graceTimers.values()) clearTimeout(timer);
    this.#graceTimers.clear();
    this.ctx.away.clear();
  }

  #disconnected(socket: CignalSocket, reason: string): void {
    const { ctx } = this;
    const { roomId, peerId } = socket.data;
    // Shutting down is not leaving: the clients come back, and their partners must not be told.
    if (socket.data.unseated || ctx.closing) return;
    // A client that says goodbye, or a server that ends the socket, frees the seat at once;
    // a connection that merely drops keeps it for the grace period.
    if (reason === 'client namespace disconnect' || reason === 'server namespace disconnect') {
      void this.#vacate(socket, 'left').catch((error) => log('leave failed: %O', error));
      return;
    }
    log('%s dropped from room %s (%s); holding the seat for %d ms', peerId, roomId, reason, ctx.graceMs);
    const key = AwayQueues.key(roomId, peerId);
    clearTimeout(this.#graceTimers.get(key));
    ctx.away.open(key);
    this.#graceTimers.set(key, setTimeout(() => {
      this.#graceTimers.delete(key);
      void this.#vacate(socket, 'dropped').catch((error) => log('leave failed: %O', error));
    }, ctx.graceMs));
  }

  /** Frees the seat if this socket still holds it, and tells the partner. */
  async #vacate(socket: CignalSocket, reason: 'left' | 'dropped'): Promise<void> {
    const { ctx } = this;
    const { roomId, peerId } = socket.data;
    // Whatever happens to the seat, this node stops keeping messages for this socket's absence
    // (the peer may have resumed on another node).
    if (reason === 'dropped') ctx.away.take(AwayQueues.key(roomId, peerId));
    const seat = await ctx.store.leave(roomId, peerId, socket.id);
    if (!seat) return;
    log('%s left room %s (%s)', peerId, roomId, reason);
    const partner = await ctx.store.partner(roomId, peerId);
    if (partner) deliver(ctx, roomId, partner, 'peerLeft', { peerId, reason });
  }

  #cancelGrace(roomId: string, peerId: string): void {
    const key = AwayQueues.key(roomId, peerId);
    clearTimeout(this.#graceTimers.get(key));
    this.#graceTimers.delete(key);
  }
}
