// Public entry of the browser SDK (`cignal/sdk`, and cignal.js on the CDN).
export { Cignal, cignalEventNames } from './cignal.js';
export type { CallState, CignalData, CignalEvents, CreateRoomOptions, Result, CignalSocket } from './cignal.js';
export { CignalError, ClientErrorCode } from './errors.js';
export type { ErrorCode, ErrorDetail } from './errors.js';
export { ServerErrorCode } from './protocol/errors.js';
export { Logger } from './logger.js';
export { getUrlParam } from './url.js';
