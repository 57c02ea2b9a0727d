// Public entry of the browser SDK (`cignal/sdk`, and cignal.js on the CDN).
export { Cignal, cignalEventNames } from './cignal.js';
export type { CallState, CignalData, CignalEvents, CreateRoomOptions, Result, CignalSocket } from './cignal.js';
export { CignalError, ClientErrorCode, ErrorReason } from './errors.js';
export type { ErrorCode, ErrorDetail } from './errors.js';
export { MAX_DATA_BYTES } from './data-channel.js';
export type { Payload } from './data-channel.js';
export type { ActiveDeviceChange, DeviceKind, MediaState } from './local-media.js';
export { qualityThresholds } from './stats.js';
export { backoffPolicy } from './recovery.js';
export type { RecoveryOptions, RecoveryPolicy } from './recovery.js';
export type { NetworkQuality, NetworkStatus } from './stats.js';
export type { CallEndReason, CallReport } from './call-report.js';
export { DEFAULT_MAX_BYTES as DEFAULT_RECORDING_MAX_BYTES } from './recording.js';
export type { RecordingOptions, RecordingResult, RecordingStopReason } from './recorder.js';
export type { RecordingState, RecordingStateDetail } from './recording.js';
export { ServerErrorCode } from './protocol/errors.js';
export { Logger } from './logger.js';
export { getUrlParam } from './url.js';
// The building blocks <cignal-call> shares with the SDK: the payload of an error event, the error
// for a failed camera or microphone, and the local media its pre-join screen opens before a room
// is entered (with the device kinds, and whether the speaker can be chosen here).
export { errorDetail } from './errors.js';
export { LocalMedia, canChooseSpeaker, deviceKinds, mediaError } from './local-media.js';
