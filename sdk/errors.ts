// CignalError: the one error type the SDK rejects with and reports in events.
import { ServerErrorCode } from './protocol/errors.js';

export const ClientErrorCode = {
  /** A method was called with an argument it cannot use. */
  InvalidArgument: 'invalid-argument',
  /** The person or the browser refused the camera or microphone. */
  MediaDenied: 'media-denied',
  /** No camera/microphone, or the page is not a secure context. */
  MediaUnavailable: 'media-unavailable',
  /** The signalling server could not be reached. */
  ServerUnreachable: 'server-unreachable',
  /** The server did not answer in time. */
  Timeout: 'timeout',
  /** The method needs a live room connection, and there is none (e.g. after leaveRoom). */
  NotConnected: 'not-connected',
  /** Offer/answer could not be applied. */
  NegotiationFailed: 'negotiation-failed',
  /** The peer-to-peer connection could not be made. */
  ConnectionFailed: 'connection-failed',
  /** The call's connection was lost and every restart within the recovery bound failed. */
  ConnectionLost: 'connection-lost',
  /** The share link could not be copied to the clipboard. */
  ClipboardFailed: 'clipboard-failed',
  /** Another page joined the room as this peer; this one was signed out. */
  Replaced: 'replaced',
  /** This browser cannot do what was asked (make video calls at all, share the screen, choose the speaker). */
  Unsupported: 'unsupported',
  /** The other person's browser cannot make video calls: it declined the call. */
  PeerUnsupported: 'peer-unsupported',
  /** A TURN server refused the credentials the server handed out (wrong or expired TURN secret). */
  TurnUnauthorized: 'turn-unauthorized',
  /** A TURN server could not be reached: no relayed path through it. */
  TurnUnreachable: 'turn-unreachable',
  /** A relay-only call (`iceTransportPolicy: 'relay'`) was asked for, and no TURN server is configured. */
  RelayUnavailable: 'relay-unavailable',
  /** A recording was asked for while one is already asked for or under way. */
  RecordingActive: 'recording-active',
  /** The other person said no to being recorded. */
  RecordingDeclined: 'recording-declined',
} as const;

export type ClientErrorCode = (typeof ClientErrorCode)[keyof typeof ClientErrorCode];
export type ErrorCode = ClientErrorCode | ServerErrorCode;

export class CignalError extends Error {
  override name = 'CignalError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The sentence of an error event. A string object, so that `${reason}`, `String(reason)` and the
 * string methods give the sentence, and so does `reason.message`, as code written for the
 * original Cignal reads it.
 */
export class ErrorReason extends String {
  constructor(
    readonly message: string,
    readonly code: ErrorCode,
  ) {
    super(message);
  }
}

/** The payload of `clientError` and `serverError`: `reason` is a sentence for people, `code` for code. */
export interface ErrorDetail {
  code: ErrorCode;
  reason: ErrorReason;
  error: CignalError;
}

/** The payload of an error event for `error`. */
export const errorDetail = (error: CignalError): ErrorDetail => ({ code: error.code, reason: new ErrorReason(error.message, error.code), error });

/** Throws the error that a wrong argument to a method gets (`invalid-argument`). */
export function invalid(message: string): never {
  throw new CignalError(ClientErrorCode.InvalidArgument, message);
}
