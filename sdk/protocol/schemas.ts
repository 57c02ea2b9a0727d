// Validation schemas for every payload a client sends; the payload types are inferred from them.
// Rules that the SDK also applies live in checks.ts and are used here, so both agree.
import * as v from 'valibot';
import {
  Limits,
  icePattern,
  iceServersProblem,
  idProblem,
  informDataProblem,
  relayedMediaStateProblem,
  toIceServers,
  toMediaState,
  type IceServer,
  type MediaStateMessage,
} from './checks.js';

/** A URL-safe identifier: room and peer ids, session and connection ids. */
const Id = (what: string, max: number = Limits.idMaxLength) =>
  v.pipe(
    v.string(`${what} must be a string`),
    v.check((value) => idProblem(what, value, max) === null, (issue) => idProblem(what, issue.input, max) ?? ''),
  );

/** What a display name or a role may contain: no control characters. */
// eslint-disable-next-line no-control-regex
export const labelPattern = /^[^\u0000-\u001f\u007f]*$/;

/** Free text shown to the other person: no control characters, bounded length. */
const Label = (what: string, max: number) =>
  v.pipe(
    v.string(`${what} must be a string`),
    v.maxLength(max, `${what} must be at most ${max} characters`),
    v.regex(labelPattern, `${what} must not contain control characters`),
  );

/** A credential in the handshake: a bounded, non-empty string (its own check says whether it is good). */
const Secret = (what: string, max: number) =>
  v.pipe(v.string(`${what} must be a string`), v.minLength(1, `${what} must not be empty`), v.maxLength(max, `${what} must be at most ${max} characters`));

export const RoomIdSchema = Id('roomId');
export const PeerIdSchema = Id('peerId');
/** One presence of a peer in a room (see JoinRequestSchema). */
export const SessionIdSchema = Id('session', Limits.sessionMaxLength);
/** One RTCPeerConnection of the sender; a rebuilt connection gets a new id. */
export const ConnectionIdSchema = Id('connection', Limits.sessionMaxLength);

/**
 * The join request, carried in the socket.io handshake (`auth`).
 * `session` names one presence of a peer: a reconnect repeats it (and resumes the seat),
 * a reload makes a new one (and replaces the seat).
 */
export const JoinRequestSchema = v.object({
  roomId: RoomIdSchema,
  peerId: PeerIdSchema,
  session: SessionIdSchema,
  displayName: v.optional(Label('displayName', Limits.displayNameMaxLength)),
  role: v.optional(Label('role', Limits.roleMaxLength)),
  /** The client's PROTOCOL_VERSION; a server refuses clients newer than itself. */
  protocol: v.optional(v.pipe(v.number('protocol must be a number'), v.integer(), v.minValue(1))),
  /** A join token (a JWT signed by the embedding site), required by servers with a join secret. */
  token: v.optional(Secret('token', Limits.tokenMaxLength)),
  /** The seat secret from an earlier `joined`: it takes this peer id's seat while the seat is held. */
  seatSecret: v.optional(Secret('seatSecret', Limits.seatSecretMaxLength)),
});
export type JoinRequest = v.InferOutput<typeof JoinRequestSchema>;

const Sdp = v.pipe(
  v.string('sdp must be a string'),
  v.minLength(1, 'sdp must not be empty'),
  v.maxLength(Limits.sdpMaxLength, `sdp must be at most ${Limits.sdpMaxLength} characters`),
);

/**
 * Every signal names the sender's peer connection (`connection`) and, once known, the receiver's
 * peer connection it is meant for (`to`), so that a signal for a connection that has since been
 * rebuilt is dropped instead of being applied to its successor.
 */
const To = v.optional(ConnectionIdSchema);

export const OfferSchema = v.object({
  description: v.object({ type: v.literal('offer', 'description.type must be "offer"'), sdp: Sdp }),
  connection: ConnectionIdSchema,
  to: To,
});
export type OfferPayload = v.InferOutput<typeof OfferSchema>;

export const AnswerSchema = v.object({
  description: v.object({ type: v.literal('answer', 'description.type must be "answer"'), sdp: Sdp }),
  connection: ConnectionIdSchema,
  to: To,
});
export type AnswerPayload = v.InferOutput<typeof AnswerSchema>;

/** Bounds of an RTCIceCandidateInit's fields besides the candidate line (`Limits.candidateMaxLength`). */
export const CandidateLimits = {
  sdpMidMaxLength: 32,
  sdpMLineIndexMax: 64,
  usernameFragmentMaxLength: 256,
} as const;

/**
 * Asks the other side to make an ICE restart offer. Only the side whose offer opened a peer
 * connection makes restart offers (an offer from the other side could flip the DTLS roles, which
 * Chromium refuses); the other side sends this instead.
 */
export const RestartIceSchema = v.object({
  connection: ConnectionIdSchema,
  to: To,
  /**
   * The ICE username fragment of the receiver's that the sender uses now: the restart replaces it.
   * A receiver that has restarted since (its own fragment differs) has served the request already.
   */
  ufrag: v.optional(
    v.pipe(
      v.string('ufrag must be a string'),
      v.regex(icePattern, `ufrag must be 1 to ${CandidateLimits.usernameFragmentMaxLength} letters, digits, + or /`),
    ),
  ),
});
export type RestartIcePayload = v.InferOutput<typeof RestartIceSchema>;

/** Why a peer declines a call. */
export const DeclineReasons = [
  /** Its browser cannot make video calls (no RTCPeerConnection). */
  'unsupported',
] as const;
export type DeclineReason = (typeof DeclineReasons)[number];

/** A peer that cannot take a call says so, naming the caller's connection (`to`) that offered. */
export const DeclineSchema = v.object({
  reason: v.picklist(DeclineReasons, `reason must be one of ${DeclineReasons.join(', ')}`),
  to: To,
});
export type DeclinePayload = v.InferOutput<typeof DeclineSchema>;

/** An RTCIceCandidateInit from the sender's peer connection. */
export const CandidateSchema = v.object({
  candidate: v.object({
      candidate: v.pipe(
        v.string('candidate.candidate must be a string'),
        v.maxLength(Limits.candidateMaxLength, `candidate.candidate must be at most ${Limits.candidateMaxLength} characters`),
      ),
      sdpMid: v.optional(v.nullable(v.pipe(v.string(), v.maxLength(CandidateLimits.sdpMidMaxLength)))),
      sdpMLineIndex: v.optional(v.nullable(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(CandidateLimits.sdpMLineIndexMax)))),
      usernameFragment: v.optional(v.nullable(v.pipe(v.string(), v.maxLength(CandidateLimits.usernameFragmentMaxLength)))),
  }),
  connection: ConnectionIdSchema,
  to: To,
});
export type CandidatePayload = v.InferOutput<typeof CandidateSchema>;

export const InformSchema = v.object({
  data: v.pipe(
    v.unknown(),
    v.check((data) => informDataProblem(data) === null, (issue) => informDataProblem(issue.input) ?? ''),
  ),
  /** The message's id, chosen by the sender: the receiver drops a message it already had over the data channel. */
  id: v.optional(Id('id', Limits.sessionMaxLength)),
});
export type InformPayload = v.InferOutput<typeof InformSchema>;

/** What a peer sends of its camera, microphone and screen; the newest `seq` wins. */
/** `seq` counts up with each change of one presence, so a state that arrives late by another path is ignored. */
export const MediaStateSchema = v.pipe(
  v.custom<MediaStateMessage>((value) => relayedMediaStateProblem(value) === null, (issue) => relayedMediaStateProblem(issue.input) ?? ''),
  v.transform(toMediaState),
);
export type MediaStatePayload = v.InferOutput<typeof MediaStateSchema>;

/** A list of RTCIceServer, reduced to the fields RTCIceServer knows. */
export const IceServersSchema = v.pipe(
  v.custom<IceServer[]>((value) => iceServersProblem(value) === null, (issue) => iceServersProblem(issue.input) ?? ''),
  v.transform((servers: IceServer[]) => toIceServers(servers)),
);

/**
 * How long one issue's words may be. valibot's own messages quote what they received ("Expected
 * Object but received "…""), which is whatever the client sent: a refusal must not echo a 32 KiB
 * string back, so each issue is cut here.
 */
const issueMaxLength = 160;

/** Turns valibot issues into one readable sentence, of bounded length. */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues
    .slice(0, 3)
    .map((issue) => {
      const path = issue.path?.map((p) => String(p.key)).join('.');
      const text = path && !issue.message.startsWith(path) ? `${path}: ${issue.message}` : issue.message;
      return text.length > issueMaxLength ? `${text.slice(0, issueMaxLength - 1)}…` : text;
    })
    .join('; ');
}

export { safeParse } from 'valibot';
