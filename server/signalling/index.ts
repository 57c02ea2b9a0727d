// Signalling on a socket.io server: seats two peers per room and relays their messages.
export { initSocketServer, totalRoomsRunning, allRooms } from './attach.js';
export { CallReportRefusals, SignallingError } from './types.js';
export { DEFAULT_IP_LIMITS } from './limits.js';
export type { IpLimits } from './limits.js';
export type { Signalling, SignallingOptions, AuthorizeRequest, CallReportRefusal, CallReportSink } from './types.js';
export type { ActivityLog, SignallingCounts, Subject } from './report.js';
