// Signalling on a socket.io server: seats two peers per room and relays their messages.
export { initSocketServer, totalRoomsRunning, allRooms } from './attach.js';
export { SignallingError } from './types.js';
export type { Signalling, SignallingOptions, AuthorizeRequest } from './types.js';
