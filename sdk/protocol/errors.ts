// The closed set of error codes that travel on the wire, in acks and in connect refusals.

export const ServerErrorCode = {
  /** The payload failed validation: wrong type, missing field, too large. */
  InvalidPayload: 'invalid-payload',
  /** The room already holds two peers. */
  RoomFull: 'room-full',
  /** The socket holds no seat in a room (it left, or never joined). */
  NotInRoom: 'not-in-room',
  /** There is no other peer in the room to deliver to. */
  NoPeer: 'no-peer',
  /** The socket, or its client's address, went over its budget of messages, connections or joins. */
  RateLimited: 'rate-limited',
  /** The join was not allowed: its join token was missing or not valid, or the authorize hook refused it. */
  Unauthorized: 'unauthorized',
  /** The seat of this peer id is held, and the join brought neither its seat secret nor a join token for it. */
  SeatTaken: 'seat-taken',
  /** A relayed message could neither be delivered nor kept: what is kept for the away partner is at its bound (or its seat was just freed). */
  Dropped: 'dropped',
  /** The client speaks a newer protocol version than this server. */
  UnsupportedProtocol: 'unsupported-protocol',
  /** The event name is not part of the protocol, or not taken by this server (`callReport` while call reports are off). */
  UnknownEvent: 'unknown-event',
  /** The server cannot reach its room store (Redis) just now; the same request may succeed shortly. */
  Unavailable: 'unavailable',
  /** Something failed inside the server; the message says no more than that. */
  Internal: 'internal',
} as const;

export type ServerErrorCode = (typeof ServerErrorCode)[keyof typeof ServerErrorCode];

/** The error half of every acknowledgement, and the `data` of a refused connection. */
export interface WireError {
  code: ServerErrorCode;
  message: string;
  /** With `rate-limited`: how long to wait before asking again, in milliseconds. */
  retryAfterMs?: number;
}

const codes = new Set<string>(Object.values(ServerErrorCode));

/** True when `value` looks like a WireError sent by a Cignal server. */
export function isWireError(value: unknown): value is WireError {
  if (typeof value !== 'object' || value === null) return false;
  const { code, message } = value as Record<string, unknown>;
  return typeof code === 'string' && codes.has(code) && typeof message === 'string';
}
