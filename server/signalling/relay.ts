// Relay: validates what a seated peer sends and passes it to the other peer of its room.
import type * as v from 'valibot';
import {
  AnswerSchema,
  CandidateSchema,
  ClientEvents,
  InformSchema,
  MediaStateSchema,
  OfferSchema,
  ServerErrorCode,
  describeIssues,
  safeParse,
  type Ack,
  type AckResponse,
  type WireError,
} from '../../sdk/protocol/index.js';
import { StoreUnavailableError, type Seat } from '../rooms/store.js';
import type { Context } from './context.js';
import { deliver } from './delivery.js';
import { SignallingError, type CignalSocket } from './types.js';
import { describeError, log } from './log.js';

function fail(error: WireError): AckResponse {
  return { ok: false, error };
}

/** Installs the rate limit, the event-name check and the relaying handlers on a seated socket. */
export function attachRelay(ctx: Context, socket: CignalSocket): void {
  const { roomId, peerId } = socket.data;
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
      deliver(ctx, roomId, await seatedPartner(ctx, socket), event, { ...payload, from: peerId } as never);
    }));
  }
  socket.on('inform', handler(socket, InformSchema, true, async ({ data, id }) => {
    deliver(ctx, roomId, await seatedPartner(ctx, socket), 'information', id === undefined ? { data, from: peerId } : { data, id, from: peerId });
  }));
}

/** The partner to relay to; a coded error (answered in the ack, if any) when there is none. */
async function seatedPartner(ctx: Context, socket: CignalSocket): Promise<Readonly<Seat>> {
  if (!socket.data.unseated) {
    const route = await ctx.store.route(socket.data.roomId, socket.data.peerId, socket.id);
    if (route.seated) {
      if (!route.partner) throw new SignallingError(ServerErrorCode.NoPeer, 'Nobody else is in the room');
      return route.partner;
    }
    socket.data.unseated = true;
  }
  throw new SignallingError(ServerErrorCode.NotInRoom, 'This connection no longer holds a seat in the room');
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
        log('ack failed: %s', describeError(error));
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
        if (error instanceof StoreUnavailableError) {
          return reply(fail({ code: ServerErrorCode.Unavailable, message: 'The server cannot reach its room store just now; try again shortly' }));
        }
        log('handler failed: %s', describeError(error));
        reply(fail({ code: ServerErrorCode.Internal, message: 'The server could not handle this message' }));
      },
    );
  };
}
