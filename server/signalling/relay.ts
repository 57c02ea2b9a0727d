// Relay: validates what a seated peer sends and passes it to the other peer of its room.
// The hot path of every call: with a store that answers at once (in memory), a message is checked,
// routed, sent and acknowledged without a promise, the way a bare socket.io relay would; with a
// networked store, the same steps go on once the store has answered.
import {
  ServerErrorCode,
  type Ack,
  type AckResponse,
  type ClientEventName,
  type Delivery,
  type InformPayload,
  type ServerToClientEvents,
  type WireError,
} from '../../sdk/protocol/index.js';
import { whenKnown } from '../maybe-promise.js';
import { StoreUnavailableError, type Route, type Seat } from '../rooms/store.js';
import { receiveCallReport } from './call-reports.js';
import type { Context } from './context.js';
import { keepFor, sendTo } from './delivery.js';
import { describeError, log } from './log.js';
import * as payloads from './payloads.js';
import { Refused, type PayloadParser } from './payloads.js';
import { SignallingError, type CignalSocket } from './types.js';

const RELAYED: AckResponse<{ delivery: Delivery }> = { ok: true, delivery: 'relayed' };
const KEPT: AckResponse<{ delivery: Delivery }> = { ok: true, delivery: 'kept' };
// Mostly an away partner with too much kept for them already; rarely one whose seat was freed meanwhile.
const DROPPED = fail({ code: ServerErrorCode.Dropped, message: 'The message could be neither delivered to the other person nor kept for them while they are away' });
const RATE_LIMITED = fail({ code: ServerErrorCode.RateLimited, message: 'Too many messages; slow down' });
const ADDRESS_RATE_LIMITED = 'Too many messages from this address; slow down';
const UNAVAILABLE = fail({ code: ServerErrorCode.Unavailable, message: 'The server cannot reach its room store just now; try again shortly' });
const INTERNAL = fail({ code: ServerErrorCode.Internal, message: 'The server could not handle this message' });
const NO_ACK = fail({ code: ServerErrorCode.InvalidPayload, message: 'This event needs an acknowledgement' });

/** The error half of an acknowledgement. */
type Failure = Extract<AckResponse, { ok: false }>;

function fail(error: WireError): Failure {
  return { ok: false, error };
}

/** What a client event is checked with, whether it must carry an ack, and what the partner gets. */
interface Relay<T extends object = object> {
  /** The event the client sent, as the metrics count it. */
  type: ClientEventName;
  parser: PayloadParser<T>;
  ackRequired: boolean;
  /** The event the partner gets. */
  event: keyof ServerToClientEvents;
  /** The payload the partner gets: the checked one, stamped with the sender. */
  stamp(payload: T, from: string): object;
}

const signal = (event: 'offer' | 'answer' | 'candidate' | 'restartIce' | 'decline' | 'mediaState'): Relay => ({
  type: event,
  parser: payloads[event] as PayloadParser<object>,
  ackRequired: false,
  event,
  stamp(payload, from) {
    // The parsed payload is a new object already: stamping it copies nothing.
    (payload as { from?: string }).from = from;
    return payload;
  },
});

const inform: Relay<InformPayload> = {
  type: 'inform',
  parser: payloads.inform,
  ackRequired: true,
  event: 'information',
  stamp: ({ data, id }, from) => (id === undefined ? { data, from } : { data, id, from }),
};

const relays: ReadonlyMap<string, Relay> = new Map(
  Object.entries({
    offer: signal('offer'),
    answer: signal('answer'),
    candidate: signal('candidate'),
    restartIce: signal('restartIce'),
    decline: signal('decline'),
    mediaState: signal('mediaState'),
    inform: inform as Relay,
  } satisfies Record<ClientEventName, Relay>),
);

/** Installs the one listener that answers every event of a seated socket. */
export function attachRelay(ctx: Context, socket: CignalSocket): void {
  // socket.io calls `onAny` listeners at once with the event's name and arguments (the ack last,
  // when the client asked for one). No event has a handler of its own: this one is the only
  // listener a message meets. `arguments` rather than a rest parameter: no array per message.
  socket.onAny(function received(event: string, payload?: unknown) {
    const count = arguments.length;
    const ack = count > 1 && typeof arguments[count - 1] === 'function' ? (arguments[count - 1] as Ack) : undefined;
    if (ack && count === 2) payload = undefined;
    // Every incoming event costs a token, known or not; what the socket's own budget lets through
    // counts against its address's, shared with its other sockets.
    if (!socket.data.bucket.take()) return refuse(ctx, ack, RATE_LIMITED);
    const wait = ctx.limits.message(socket.data.address);
    if (wait > 0) {
      ctx.report.error(ServerErrorCode.RateLimited);
      // (Built only when there is an ack to carry it: the refused flood is usually ack-less.)
      return ack && reply(ack, fail({ code: ServerErrorCode.RateLimited, message: ADDRESS_RATE_LIMITED, retryAfterMs: wait }));
    }
    const relay = relays.get(event);
    // Told to this server only: the one event a client sends that is not relayed.
    if (!relay && event === 'callReport') return receiveCallReport(ctx, socket, payload, ack);
    if (!relay) return refuse(ctx, ack, fail({ code: ServerErrorCode.UnknownEvent, message: `Unknown event "${String(event).slice(0, 64)}"` }));
    relayMessage(ctx, socket, relay, payload, ack);
  });
}

/** Validates a message, finds the partner, sends and answers every outcome. Nothing thrown here reaches socket.io. */
function relayMessage(ctx: Context, socket: CignalSocket, relay: Relay, payload: unknown, ack: Ack | undefined): void {
  if (relay.ackRequired && !ack) {
    log('dropped a message from %s that had no ack', socket.data.peerId);
    return refuse(ctx, undefined, NO_ACK);
  }
  const parsed = relay.parser.parse(payload);
  if (parsed instanceof Refused) return refuse(ctx, ack, fail({ code: ServerErrorCode.InvalidPayload, message: parsed.message }));
  const { data } = socket;
  if (data.unseated) return refuse(ctx, ack, notInRoom());
  const message = relay.stamp(parsed, data.peerId);
  try {
    // While no seat of the room has changed since the last message, to the same partner's socket
    // without asking the store.
    if (data.routedTo !== null && data.routeStamp!.changes === data.routedAt) data.routedTo.emit(relay.event, message as never);
    else {
      // Routed, sent and answered at once when the store answers at once (in memory).
      return whenKnown(
        ctx.store.route(data.roomId, data.peerId, socket.id),
        (route) => routed(ctx, socket, relay, message, route, ack),
        (error: unknown) => failed(ctx, socket, ack, error),
      );
    }
  } catch (error) {
    return failed(ctx, socket, ack, error);
  }
  ctx.report.counts.relayed[relay.type]++;
  reply(ack, RELAYED);
}

/** Sends along the route the store gave, keeps the route while its stamp holds, and answers. */
function routed(ctx: Context, socket: CignalSocket, relay: Relay, message: object, route: Route, ack: Ack | undefined): void {
  const partner = partnerOn(socket, route);
  const { data } = socket;
  if (partner.awayUntil !== null) {
    // An away partner: answered once the store said what became of the message.
    data.routedTo = data.routeStamp = null;
    data.routedAt = -1;
    return whenKnown(
      keepFor(ctx, data.roomId, partner, relay.event, message as never),
      (delivery) => {
        if (delivery === 'dropped') return refuse(ctx, ack, DROPPED);
        ctx.report.counts.relayed[relay.type]++;
        reply(ack, delivery === 'kept' ? KEPT : RELAYED);
      },
      (error: unknown) => failed(ctx, socket, ack, error),
    );
  }
  const sent = sendTo(ctx, partner, relay.event, message as never);
  // Kept only with a stamp that says when it stops holding.
  const stamp = (route.seated && route.stamp) || null;
  data.routedTo = stamp && sent;
  data.routeStamp = stamp;
  data.routedAt = stamp?.changes ?? -1;
  ctx.report.counts.relayed[relay.type]++;
  reply(ack, RELAYED);
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

function notInRoom(): Failure {
  return fail({ code: ServerErrorCode.NotInRoom, message: 'This connection no longer holds a seat in the room' });
}

/** Answers a message that failed: with its coded refusal, or as a failure of the server, reported (without the message). */
function failed(ctx: Context, socket: CignalSocket, ack: Ack | undefined, error: unknown): void {
  if (error instanceof SignallingError) return refuse(ctx, ack, fail(error.toWire()));
  const unavailable = error instanceof StoreUnavailableError;
  if (!unavailable) log('handler failed: %s', describeError(error));
  ctx.report.failed('relaying a message', error, { roomId: socket.data.roomId, peerId: socket.data.peerId });
  reply(ack, unavailable ? UNAVAILABLE : INTERNAL);
}

/** Answers a message with an error, counted by its code. */
function refuse(ctx: Context, ack: Ack | undefined, response: Failure): void {
  ctx.report.error(response.error.code);
  reply(ack, response);
}

function reply(ack: Ack | undefined, response: AckResponse): void {
  if (!ack) return;
  try {
    ack(response);
  } catch (error) {
    log('ack failed: %s', describeError(error));
  }
}
