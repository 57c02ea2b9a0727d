// The SDK's public vocabulary: call states, the events a Cignal instance emits and their payloads.
import type { LeaveReason } from './protocol/index.js';
import type { CallReport } from './call-report.js';
import type { ErrorDetail } from './errors.js';
import type { ActiveDeviceChange, MediaState } from './local-media.js';
import type { RecordingResult } from './recorder.js';
import type { RecordingStateDetail } from './recording.js';
import type { NetworkStatus } from './stats.js';

/** Where the call stands, as a person would describe it. */
export type CallState =
  /** In the room (or getting there), alone. */
  | 'waiting'
  /** The other person is in the room; nobody has called yet. */
  | 'ready'
  /** A call is being set up. */
  | 'calling'
  /** Media is flowing between the two. */
  | 'in-call'
  /** A call in progress lost its network path and is being restored (`in-call` again after). */
  | 'reconnecting'
  /** This side left the room. */
  | 'ended'
  /** Something stopped this side from taking part (refused, no camera, server unreachable). */
  | 'error';

export interface Result {
  success: boolean;
}

/** Every event and the arguments its listeners receive. */
export interface CignalEvents {
  [event: string]: unknown[];
  localStream: [stream: MediaStream];
  /** Once per call, with one stream that carries the remote audio and video. */
  remoteStream: [stream: MediaStream];
  /** The other person entered the room; their display name. */
  peerJoined: [displayName: string];
  /** The other person started a call with us. */
  offerReceived: [];
  /** The other person hung up, left, or dropped for good. */
  peerHangUp: [detail: { peerId: string; reason: LeaveReason }];
  /** What the other person sent with `inform`. */
  information: [data: unknown];
  clientError: [detail: ErrorDetail];
  serverError: [detail: ErrorDetail];
  stateChange: [detail: { state: CallState; previous: CallState }];
  /** The connection to the server dropped and is being restored; the call's media goes on. */
  reconnecting: [detail: { reason: string }];
  /** The connection to the server is back, in the same room as the same person. */
  reconnected: [];
  /** The other person turned their microphone, camera or screen share on or off (or arrived). */
  remoteMediaChanged: [state: MediaState];
  /** This side's microphone, camera or screen share changed (also by the browser: "Stop sharing", a device unplugged). */
  localMediaChanged: [state: MediaState];
  /** A camera, microphone or speaker was plugged in or out; the devices now present. */
  devicesChanged: [devices: MediaDeviceInfo[]];
  /** The device in use for a kind changed: switched on request, or moved to the default one when unplugged. */
  activeDeviceChanged: [detail: ActiveDeviceChange];
  /** What the other person sent with `sendData`: a string or an ArrayBuffer. */
  dataReceived: [data: string | ArrayBuffer];
  /** Every 2 s during a call: how the connection to the other person is doing. */
  networkStatus: [status: NetworkStatus];
  /**
   * The call's verification code changed: a connection was negotiated (a new one after a rebuild),
   * or the call ended (null). The same on both sides unless someone sits in the middle.
   */
  verificationCode: [detail: { code: string | null }];
  /** A call ended (either side hung up, left, or it was lost): how it went. Also `getCallReport()`. */
  callReport: [report: CallReport];
  /** The other person asks to record the call: answer with `acceptRecording()` or `declineRecording()`. */
  recordingRequested: [detail: { displayName: string | null }];
  /** A recording was asked for, declined, started or stopped, on either side: `{ state, recorder, by, reason? }`. */
  recordingState: [detail: RecordingStateDetail];
  /** The recording this side made is finished: `{ blob, durationMs, mimeType }`. */
  recording: [result: RecordingResult];
}

/** Every event name, in the order a call usually produces them. */
export const cignalEventNames = [
  'localStream',
  'remoteStream',
  'peerJoined',
  'offerReceived',
  'peerHangUp',
  'information',
  'clientError',
  'serverError',
  'stateChange',
  'reconnecting',
  'reconnected',
  'remoteMediaChanged',
  'localMediaChanged',
  'devicesChanged',
  'activeDeviceChanged',
  'dataReceived',
  'networkStatus',
  'verificationCode',
  'callReport',
  'recordingRequested',
  'recordingState',
  'recording',
] as const satisfies readonly (keyof CignalEvents)[];

// Fails to compile when an event is added to CignalEvents but not to the list above.
type NamedEvent = keyof { [K in keyof CignalEvents as string extends K ? never : K]: 0 };
type MustBeEmpty<T extends never> = T;
export type EveryEventListed = MustBeEmpty<Exclude<NamedEvent, (typeof cignalEventNames)[number]>>;
