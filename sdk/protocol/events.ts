// Event names and their signatures, for typed socket.io on both ends of the wire.
import type { CallReport } from './call-report.js';
import type { IceServer } from './checks.js';
import type { WireError } from './errors.js';
import type {
  AnswerPayload,
  CandidatePayload,
  DeclinePayload,
  InformPayload,
  MediaStatePayload,
  OfferPayload,
  RestartIcePayload,
} from './schemas.js';

/** Bump when a change would break an older SDK talking to a newer server. */
export const PROTOCOL_VERSION = 3;

/** What one peer knows of the other. Identity fields are always set by the server. */
export interface PeerInfo {
  peerId: string;
  displayName: string;
  role: string | null;
}

/** Every acknowledgement answers with this shape. */
export type AckResponse<T extends object = object> = ({ ok: true } & T) | { ok: false; error: WireError };
export type Ack<T extends object = object> = (response: AckResponse<T>) => void;

/** What became of a relayed message. */
export type Delivery =
  /** Sent to the partner's connection. */
  | 'relayed'
  /** Kept for a partner whose connection dropped: it gets it when it comes back within its grace. */
  | 'kept';

/** The acknowledgement of a relayed message; a message neither relayed nor kept is answered `dropped`. */
export type RelayAck = Ack<{ delivery: Delivery }>;

/** Why a peer's seat was given up. */
export type LeaveReason =
  /** The peer left on purpose (hang up, page closed). */
  | 'left'
  /** The peer's connection dropped and it did not come back within the grace period. */
  | 'dropped'
  /** A new session of the same peer id took the seat (e.g. the page was reloaded). */
  | 'replaced';

/** Sent to a socket right after the server admits it. */
export interface JoinedPayload {
  roomId: string;
  peerId: string;
  displayName: string;
  role: string | null;
  /** The ICE servers this peer should use. */
  iceServers: IceServer[];
  /** The other peer in the room, if any. */
  peer: PeerInfo | null;
  /** True when this connection resumed a seat that the same session held (a reconnect). */
  resumed: boolean;
  /**
   * How long this server keeps the seat of a peer whose connection dropped, in ms. A client that
   * comes back to a server without its partner (restarted, its rooms gone) waits this long for them.
   */
  graceMs: number;
  protocol: number;
  /**
   * The secret of this peer id's seat: taking the seat again while it is held (a reconnect, a
   * reload, a second tab) needs it, or a join token for this peer id. Kept by the client, never
   * shown to the other person.
   */
  seatSecret: string;
  /**
   * True when this server takes call reports (`callReport`): it turned them on, and keeps them as
   * metrics. A server that leaves it out (older ones) takes none, and the client sends none.
   */
  callReports?: boolean;
}

export type Relayed<T> = T & { from: string };

/** Events the server sends. */
export interface ServerToClientEvents {
  joined: (payload: JoinedPayload) => void;
  peerJoined: (peer: PeerInfo) => void;
  peerLeft: (payload: { peerId: string; reason: LeaveReason }) => void;
  offer: (payload: Relayed<OfferPayload>) => void;
  answer: (payload: Relayed<AnswerPayload>) => void;
  candidate: (payload: Relayed<CandidatePayload>) => void;
  /** The partner asks this side, which opened their peer connection, for an ICE restart offer. */
  restartIce: (payload: Relayed<RestartIcePayload>) => void;
  /** The partner cannot take the call this side offered. */
  decline: (payload: Relayed<DeclinePayload>) => void;
  information: (payload: Relayed<InformPayload>) => void;
  /** The partner's microphone, camera and screen share; sent when they change and when a partner arrives. */
  mediaState: (payload: Relayed<MediaStatePayload>) => void;
  /** This socket's seat was taken by a newer session of the same peer; the server disconnects it next. */
  replaced: (payload: { message: string }) => void;
  /**
   * The server is shutting down (a deploy, a restart) and disconnects every socket next: clients
   * reconnect, to it or to another node, as after a drop. Not a goodbye.
   */
  serverClosing: (payload: { message: string }) => void;
}

/** Events a client sends. The ack is optional for signals and required for `inform`. */
export interface ClientToServerEvents {
  offer: (payload: OfferPayload, ack?: RelayAck) => void;
  answer: (payload: AnswerPayload, ack?: RelayAck) => void;
  candidate: (payload: CandidatePayload, ack?: RelayAck) => void;
  restartIce: (payload: RestartIcePayload, ack?: RelayAck) => void;
  decline: (payload: DeclinePayload, ack?: RelayAck) => void;
  inform: (payload: InformPayload, ack: RelayAck) => void;
  mediaState: (payload: MediaStatePayload, ack?: RelayAck) => void;
  /** The report of a call that ended, once per call, to a server whose `joined` said it takes them. Not relayed. */
  callReport: (payload: CallReport, ack: Ack) => void;
}

/** Names of the events a client may send that are relayed to the other person, as a runtime list. */
export const ClientEvents = ['offer', 'answer', 'candidate', 'restartIce', 'decline', 'inform', 'mediaState'] as const satisfies readonly (keyof ClientToServerEvents)[];
export type ClientEventName = (typeof ClientEvents)[number];
