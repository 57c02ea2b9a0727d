// Public entry of `cignal/server`: embed signalling into an existing Node server, or run ours.
export { initSocketServer, totalRoomsRunning, allRooms, SignallingError, DEFAULT_IP_LIMITS } from './signalling/index.js';
export type { Signalling, SignallingOptions, AuthorizeRequest, IpLimits, ActivityLog, SignallingCounts } from './signalling/index.js';
export { createServer, socketServerOptions } from './server.js';
export type { CignalServer, CreateServerOptions } from './server.js';
export { createApp } from './app.js';
export { readConfig, ConfigError } from './config.js';
export type { ServerConfig } from './config.js';
export { MemoryRoomStore } from './rooms/memory.js';
export { RedisRoomStore } from './rooms/redis.js';
export type { RedisRoomStoreOptions } from './rooms/redis.js';
export { connectCluster } from './cluster.js';
export type { Cluster, ClusterOptions } from './cluster.js';
export { StoreUnavailableError } from './rooms/store.js';
export type { RoomStore, RoomSnapshot, RoomPage, Seat, JoinOutcome, Route, Departure, Settled, KeptMessage, KeepOptions, KeepOutcome, MaybePromise } from './rooms/store.js';
