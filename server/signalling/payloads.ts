// What clients send, checked on the hot path without valibot. Each parser has a fast path for a
// payload in the shape clients send it, which builds the very output its schema (schemas.ts) would;
// anything else (a mistake, a rare but valid shape) goes to the schema, which has the last word and
// words every refusal. tests/server/payloads.test.ts holds each fast path to its schema.
import {
  AnswerSchema,
  CandidateLimits,
  CandidateSchema,
  DeclineReasons,
  DeclineSchema,
  InformSchema,
  JoinRequestSchema,
  Limits,
  MediaStateSchema,
  OfferSchema,
  RestartIceSchema,
  describeIssues,
  icePattern,
  idProblem,
  informDataProblem,
  labelPattern,
  relayedMediaStateProblem,
  safeParse,
  toMediaState,
  type AnswerPayload,
  type CandidatePayload,
  type DeclinePayload,
  type InformPayload,
  type JoinRequest,
  type MediaStatePayload,
  type OfferPayload,
  type RestartIcePayload,
} from '../../sdk/protocol/index.js';

/** A payload refused, in its schema's words. */
export class Refused {
  constructor(readonly message: string) {}
}

export interface PayloadParser<T extends object> {
  /** The schema's output for a payload in the shape clients send; undefined for anything else. */
  readonly fast: (input: unknown) => T | undefined;
  /** The schema's output, or its refusal. */
  readonly parse: (input: unknown) => T | Refused;
}

function parser<T extends object>(schema: Parameters<typeof safeParse>[0], fast: (input: unknown) => T | undefined): PayloadParser<T> {
  return {
    fast,
    parse(input) {
      const output = fast(input);
      if (output !== undefined) return output;
      const parsed = safeParse(schema, input);
      return parsed.success ? (parsed.output as T) : new Refused(describeIssues(parsed.issues));
    },
  };
}

type Fields = Record<string, unknown>;

/** What valibot's `object` takes for an object: any non-null object, arrays included. */
const isObject = (value: unknown): value is Fields => typeof value === 'object' && value !== null;

/**
 * An optional field that was not sent. valibot keeps a field given as `undefined` in its output,
 * which JSON cannot carry; such a payload takes the schema's path.
 */
const unsent = (input: Fields, key: string, value: unknown) => value === undefined && !(key in input);

const isConnectionId = (value: unknown) => idProblem('connection', value, Limits.sessionMaxLength) === null;

/** `to` (the receiver's connection) when valid or not sent; false otherwise. */
const toIsValid = (input: Fields, to: unknown) => (to === undefined ? unsent(input, 'to', to) : isConnectionId(to));

const isBoundedString = (value: unknown, max: number) => typeof value === 'string' && value.length <= max;

/** An optional field: not sent, or valid. */
const optional = (input: Fields, key: string, value: unknown, valid: (value: unknown) => boolean) =>
  value === undefined ? unsent(input, key, value) : valid(value);

const isSdpMid = (value: unknown) => value === null || isBoundedString(value, CandidateLimits.sdpMidMaxLength);
const isSdpMLineIndex = (value: unknown) =>
  value === null || (Number.isInteger(value) && (value as number) >= 0 && (value as number) <= CandidateLimits.sdpMLineIndexMax);
const isUfrag = (value: unknown) => typeof value === 'string' && icePattern.test(value);
const isUsernameFragment = (value: unknown) => value === null || isBoundedString(value, CandidateLimits.usernameFragmentMaxLength);

function description<K extends 'offer' | 'answer'>(type: K) {
  return (input: unknown) => {
    if (!isObject(input)) return undefined;
    const { description, connection, to } = input;
    if (!isObject(description)) return undefined;
    const { sdp } = description;
    if (description.type !== type || typeof sdp !== 'string' || sdp.length === 0 || sdp.length > Limits.sdpMaxLength) return undefined;
    if (!isConnectionId(connection) || !toIsValid(input, to)) return undefined;
    return to === undefined
      ? { description: { type, sdp }, connection: connection as string }
      : { description: { type, sdp }, connection: connection as string, to: to as string };
  };
}

export const offer: PayloadParser<OfferPayload> = parser(OfferSchema, description('offer'));
export const answer: PayloadParser<AnswerPayload> = parser(AnswerSchema, description('answer'));

export const candidate: PayloadParser<CandidatePayload> = parser(CandidateSchema, (input) => {
  if (!isObject(input)) return undefined;
  const { candidate: init, connection, to } = input;
  if (!isObject(init) || !isConnectionId(connection) || !toIsValid(input, to)) return undefined;
  const { candidate: line, sdpMid, sdpMLineIndex, usernameFragment } = init;
  if (
    !isBoundedString(line, Limits.candidateMaxLength) ||
    !optional(init, 'sdpMid', sdpMid, isSdpMid) ||
    !optional(init, 'sdpMLineIndex', sdpMLineIndex, isSdpMLineIndex) ||
    !optional(init, 'usernameFragment', usernameFragment, isUsernameFragment)
  ) {
    return undefined;
  }
  // The schema's fields in its order, each one only when sent.
  const output: CandidatePayload['candidate'] = { candidate: line as string };
  if (sdpMid !== undefined) output.sdpMid = sdpMid as string | null;
  if (sdpMLineIndex !== undefined) output.sdpMLineIndex = sdpMLineIndex as number | null;
  if (usernameFragment !== undefined) output.usernameFragment = usernameFragment as string | null;
  return to === undefined ? { candidate: output, connection: connection as string } : { candidate: output, connection: connection as string, to: to as string };
});

export const restartIce: PayloadParser<RestartIcePayload> = parser(RestartIceSchema, (input) => {
  if (!isObject(input)) return undefined;
  const { connection, to, ufrag } = input;
  if (!isConnectionId(connection) || !toIsValid(input, to) || !optional(input, 'ufrag', ufrag, isUfrag)) return undefined;
  // The schema's fields in its order, each one only when sent.
  const output: RestartIcePayload = { connection: connection as string };
  if (to !== undefined) output.to = to as string;
  if (ufrag !== undefined) output.ufrag = ufrag as string;
  return output;
});

export const decline: PayloadParser<DeclinePayload> = parser(DeclineSchema, (input) => {
  if (!isObject(input)) return undefined;
  const { reason, to } = input;
  if (!DeclineReasons.includes(reason as DeclinePayload['reason']) || !toIsValid(input, to)) return undefined;
  return to === undefined ? { reason: reason as DeclinePayload['reason'] } : { reason: reason as DeclinePayload['reason'], to: to as string };
});

export const mediaState: PayloadParser<MediaStatePayload> = parser(MediaStateSchema, (input) =>
  relayedMediaStateProblem(input) === null ? toMediaState(input as MediaStatePayload) : undefined,
);

export const inform: PayloadParser<InformPayload> = parser(InformSchema, (input) => {
  if (!isObject(input)) return undefined;
  const { data, id } = input;
  if (data === undefined || informDataProblem(data) !== null) return undefined;
  if (id === undefined) return unsent(input, 'id', id) ? { data } : undefined;
  return idProblem('id', id, Limits.sessionMaxLength) === null ? { data, id: id as string } : undefined;
});

const isLabel = (value: unknown, max: number) => isBoundedString(value, max) && labelPattern.test(value as string);
const isDisplayName = (value: unknown) => isLabel(value, Limits.displayNameMaxLength);
const isRole = (value: unknown) => isLabel(value, Limits.roleMaxLength);
const isProtocol = (value: unknown) => Number.isInteger(value) && (value as number) >= 1;
const isCredential = (value: unknown, max: number) => typeof value === 'string' && value.length >= 1 && value.length <= max;
const isToken = (value: unknown) => isCredential(value, Limits.tokenMaxLength);
const isSeatSecret = (value: unknown) => isCredential(value, Limits.seatSecretMaxLength);

export const joinRequest: PayloadParser<JoinRequest> = parser(JoinRequestSchema, (input) => {
  if (!isObject(input)) return undefined;
  const { roomId, peerId, session, displayName, role, protocol, token, seatSecret } = input;
  if (idProblem('roomId', roomId) !== null || idProblem('peerId', peerId) !== null || idProblem('session', session, Limits.sessionMaxLength) !== null) return undefined;
  if (
    !optional(input, 'displayName', displayName, isDisplayName) ||
    !optional(input, 'role', role, isRole) ||
    !optional(input, 'protocol', protocol, isProtocol) ||
    !optional(input, 'token', token, isToken) ||
    !optional(input, 'seatSecret', seatSecret, isSeatSecret)
  ) {
    return undefined;
  }
  const output: JoinRequest = { roomId: roomId as string, peerId: peerId as string, session: session as string };
  if (displayName !== undefined) output.displayName = displayName as string;
  if (role !== undefined) output.role = role as string;
  if (protocol !== undefined) output.protocol = protocol as number;
  if (token !== undefined) output.token = token as string;
  if (seatSecret !== undefined) output.seatSecret = seatSecret as string;
  return output;
});
