// Relay: validates what a seated peer sends and passes it to the other peer of its room.
// The hot path of every call: with a store that answers at once (in memory), a message is checked,
// routed, sent and acknowledged without a promise, the way a bare socket.io relay would.
import { ClientEvents, ServerErrorCode, type Ack, type AckResponse, type WireError } from '../../sdk/protocol/index.js';
import { StoreUnavailableError, type Route, type Seat } from '../rooms/store.js';
import type { Context } from './context.js';
import { deliver } from './delivery.js';
import { describeError, log } from './log.js';
import * as payloads from './payloads.js';
import { Refused, type PayloadParser } from './payloads.js';
import { SignallingError, type CignalSocket } from './types.js';

const OK: AckResponse = { ok: true };
const RATE_LIMITED: AckResponse = fail({ code: ServerErrorCode.RateLimited, message: 'Too many messages; slow down' });
const UNAVAILABLE: AckResponse = fail({ code: ServerErrorCode.Unavailable, message: 'The server cannot reach its room store just now; try again shortly' });
const INTERNAL: AckResponse = fail({ code: ServerErrorCode.Internal, message: 'The server could not handle this message' });
const KNOWN_EVENTS: ReadonlySet<string> = new Set(ClientEvents);

function fail(error: WireError): AckResponse {
  return { ok: false, error };
}

/** Installs the relaying handlers on a seated socket, each with the rate limit, and the answer to unknown events. */
export function attachRelay(ctx: Context, socket: CignalSocket): void {
  const { roomId, peerId } = socket.data;
  // Every incoming event costs a token: the handlers below take it for the events they know, and
  // this listener (which socket.io calls for every event, before its handler) for the others.
  socket.onAny(function unknownEvent(event: string) {
    if (KNOWN_EVENTS.has(event)) return;
    const last: unknown = arguments[arguments.length - 1];
    const ack = typeof last === 'function' ? (last as Ack) : undefined;
    if (!socket.data.bucket.take()) return reply(ack, RATE_LIMITED);
    reply(ack, fail({ code: ServerErrorCode.UnknownEvent, message: `Unknown event "${String(event).slice(0, 64)}"` }));
  });
  for (const event of ['offer', 'answer', 'candidate', 'mediaState'] as const) {
    socket.on(
      event,
      handler(ctx, socket, payloads[event] as PayloadParser<object>, false, (partner, payload) => {
        // The parsed payload is a new object already: stamping it copies nothing.
        (payload as { from?: string }).from = peerId;
        deliver(ctx, roomId, partner, event, payload as never);
      }),
    );
  }
  socket.on(
    'inform',
    handler(ctx, socket, payloads.inform, true, (partner, { data, id }) => {
      deliver(ctx, roomId, partner, 'information', id === undefined ? { data, from: peerId } : { data, id, from: peerId });
    }),
  );
}

/**
 * Wraps a socket handler: takes the ack off the arguments, takes a token, validates the payload,
 * finds the partner and answers every outcome. Nothing thrown here reaches socket.io.
 */
function handler<T extends object>(
  ctx: Context,
  socket: CignalSocket,
  parser: PayloadParser<T>,
  ackRequired: boolean,
  send: (partner: Readonly<Seat>, payload: T) => void,
) {
  // `arguments` rather than a rest parameter: no array per message. The ack is the last argument
  // when the client asked for one; the payload is the first one before it.
  return function relayed(this: unknown, payload?: unknown) {
    const count = arguments.length;
    const ack = count > 0 && typeof arguments[count - 1] === 'function' ? (arguments[count - 1] as Ack) : undefined;
    if (ack && count === 1) payload = undefined;
    if (!socket.data.bucket.take()) return reply(ack, RATE_LIMITED);
    if (ackRequired && !ack) {
      log('dropped a message from %s that had no ack', socket.data.peerId);
      return;
    }
    const parsed = parser.parse(payload);
    if (parsed instanceof Refused) return reply(ack, fail({ code: ServerErrorCode.InvalidPayload, message: parsed.message }));
    const { store } = ctx;
    const { roomId, peerId } = socket.data;
    if (socket.data.unseated) return reply(ack, notInRoom());
    if (store.routeNow) {
      // A store in this process: routed, sent and answered at once.
      try {
        send(partnerOn(socket, store.routeNow(roomId, peerId, socket.id)), parsed);
      } catch (error) {
        return reply(ack, refusal(error));
      }
      return reply(ack, OK);
    }
    store.route(roomId, peerId, socket.id).then(
      (route) => {
        send(partnerOn(socket, route), parsed);
        reply(ack, OK);
      },
      (error: unknown) => reply(ack, refusal(error)),
    );
  };
}

/** The partner to relay to; a coded error (answered in the ack, if any) when there is none. */
function partnerOn(socket: CignalSocket, route: Route): Readonly<Seat> {
  if (route.seated) {
    if (!route.partner) throw new SignallingError(ServerErrorCode.NoPeer, 'Nobody else is in the room');
    return route.partner;
  }
  socket.data.unseated = true;
  throw new SignallingError(ServerErrorCode.NotInRoom, 'This connection no longer holds a seat in the room');
}

function notInRoom(): AckResponse {
  return fail({ code: ServerErrorCode.NotInRoom, message: 'This connection no longer holds a seat in the room' });
}

function refusal(error: unknown): AckResponse {
  if (error instanceof SignallingError) return fail(error.toWire());
  if (error instanceof StoreUnavailableError) return UNAVAILABLE;
  log('handler failed: %s', describeError(error));
  return INTERNAL;
}

function reply(ack: Ack | undefined, response: AckResponse): void {
  if (!ack) return;
  try {
    ack(response);
  } catch (error) {
    log('ack failed: %s', describeError(error));
  }
}
