// Starts a real Cignal server on a free port and opens real socket.io-client sockets to it.
import { io as connect, type Socket } from 'socket.io-client';
import { afterEach } from 'vitest';
import type { AckResponse, ClientToServerEvents, ServerToClientEvents, JoinedPayload, WireError } from '../../sdk/protocol/index.js';
import { createServer, type CignalServer, type CreateServerOptions } from '../../server/server.js';
import type { ServerConfig } from '../../server/config.js';

export type ClientSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface TestServer {
  url: string;
  server: CignalServer;
  close(): Promise<void>;
}

export async function startServer(config: Partial<ServerConfig> = {}, options: Omit<CreateServerOptions, 'config'> = {}): Promise<TestServer> {
  const server = await createServer({ ...options, config: { port: 0, host: '127.0.0.1', iceServers: [], reconnectGraceMs: 200, logFormat: 'off', ...config } });
  const url = await server.listen();
  return { url, server, close: () => server.close() };
}

let counter = 0;
/** A fresh room id per test, so tests never share rooms. */
export function uniqueRoom(prefix = 'room'): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${(counter++).toString(36)}`;
}

export interface JoinAuth {
  roomId: string;
  peerId: string;
  session?: string;
  displayName?: string;
  role?: string;
  [extra: string]: unknown;
}

/**
 * The seat secret each (room, peer id) was last given in `joined`, by any server (rooms are unique
 * per test; servers of a cluster share them). A client of the same
 * peer id sends it, as the SDK and the widget do on a reconnect or a reload; a test that plays an
 * intruder says so by giving `seatSecret` itself (undefined: none).
 */
const seatSecrets = new Map<string, string>();
const seatKey = (roomId: unknown, peerId: unknown) => `${String(roomId)}\n${String(peerId)}`;

/** The seat secret the server last gave this peer id in this room. */
export function seatSecretOf(roomId: string, peerId: string): string | undefined {
  return seatSecrets.get(seatKey(roomId, peerId));
}

/** Remembers the seat secret a socket is given, for the next socket of the same peer id. */
export function rememberSeatSecret(socket: ClientSocket, roomId: string, peerId: string): void {
  socket.on('joined', (joined) => seatSecrets.set(seatKey(roomId, peerId), joined.seatSecret));
}

/** Opens a socket with `auth` (not yet connected unless `autoConnect`). Closed by `closeAll`. */
const opened = new Set<ClientSocket>();
export function client(url: string, auth: JoinAuth | Record<string, unknown>, autoConnect = true): ClientSocket {
  const { roomId, peerId } = auth as JoinAuth;
  const secret = seatSecrets.get(seatKey(roomId, peerId));
  const socket = connect(url, {
    auth: { session: `s-${String(peerId ?? 'x')}`, ...(secret !== undefined && { seatSecret: secret }), ...auth },
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    autoConnect,
  }) as ClientSocket;
  rememberSeatSecret(socket, String(roomId), String(peerId));
  opened.add(socket);
  return socket;
}

export function closeAll(): void {
  for (const socket of opened) socket.disconnect();
  opened.clear();
}

/** Resolves with the first `event` payload on `socket`, or rejects after `ms`. */
export function next<T = unknown>(socket: ClientSocket, event: string, ms = 5_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for "${event}"`)), ms);
    (socket as unknown as { once(e: string, fn: (arg: T) => void): void }).once(event, (arg: T) => {
      clearTimeout(timer);
      resolve(arg);
    });
  });
}

/** Connects and resolves with the `joined` payload, or rejects with the refusal's WireError. */
export function join(url: string, auth: JoinAuth): Promise<{ socket: ClientSocket; joined: JoinedPayload }> {
  const socket = client(url, auth);
  return new Promise((resolve, reject) => {
    socket.once('joined', (joined) => resolve({ socket, joined }));
    socket.once('connect_error', (error: Error & { data?: WireError }) => reject(Object.assign(error, { wire: error.data })));
  });
}

/** Resolves with the refusal a connection attempt gets. */
export function refusal(url: string, auth: Record<string, unknown>): Promise<WireError | undefined> {
  const socket = client(url, auth);
  return new Promise((resolve, reject) => {
    socket.once('joined', () => reject(new Error('expected a refusal, but the join succeeded')));
    socket.once('connect_error', (error: Error & { data?: WireError }) => resolve(error.data));
  });
}

/** Resolves true if `event` arrives on `socket` within `ms`, else false. For "nothing arrives" checks. */
export function arrives(socket: ClientSocket, event: string, ms = 300): Promise<boolean> {
  return new Promise((resolve) => {
    const onEvent = () => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      (socket as unknown as { off(e: string, fn: () => void): void }).off(event, onEvent);
      resolve(false);
    }, ms);
    (socket as unknown as { once(e: string, fn: () => void): void }).once(event, onEvent);
  });
}

/** An untyped view of a client socket, for sending what the typed protocol forbids (garbage, unknown events). */
interface LooseSocket {
  emit(event: string, ...args: unknown[]): unknown;
  timeout(ms: number): { emitWithAck(event: string, ...args: unknown[]): Promise<unknown> };
}
export function loose(socket: ClientSocket): LooseSocket {
  return socket as unknown as LooseSocket;
}

/** Emits `event` with an acknowledgement and resolves with the server's answer; rejects if none comes within `ms`. */
export function ask<T = AckResponse>(socket: ClientSocket, event: string, ...args: unknown[]): Promise<T> {
  return loose(socket).timeout(2_000).emitWithAck(event, ...args) as Promise<T>;
}

/** Joins two peers into `roomId`; resolves once the first has heard of the second. */
export async function pair(url: string, roomId: string, first = 'alice', second = 'bob'): Promise<[ClientSocket, ClientSocket]> {
  const a = await join(url, { roomId, peerId: first });
  const heard = next(a.socket, 'peerJoined');
  // Awaited below; a second join that fails must not leave it to reject unheard.
  heard.catch(() => {});
  const b = await join(url, { roomId, peerId: second });
  await heard;
  return [a.socket, b.socket];
}

/**
 * Cuts the socket's connection without a goodbye, as a network drop would, and resolves with the
 * reason the server saw once it noticed.
 */
export function dropConnection(socket: ClientSocket, server: TestServer): Promise<string> {
  const onServer = server.server.io.sockets.sockets.get(socket.id ?? '');
  if (!onServer) throw new Error('the server has no socket with this id');
  const seen = new Promise<string>((resolve) => onServer.once('disconnect', (reason) => resolve(reason)));
  socket.io.engine.close();
  return seen;
}

/** Every event `socket` receives from now on, in order, with its first argument. */
export function record(socket: ClientSocket): Array<[string, unknown]> {
  const seen: Array<[string, unknown]> = [];
  socket.onAny((event: string, payload: unknown) => seen.push([event, payload]));
  return seen;
}

/**
 * For suites that start a server per test: returns `start(config?)`, and after each test closes
 * the sockets the test opened and the server it started.
 */
export function serverPerTest(): (...args: Parameters<typeof startServer>) => Promise<TestServer> {
  let server: TestServer | undefined;
  afterEach(async () => {
    closeAll();
    await server?.close();
    server = undefined;
  });
  return async (...args) => (server = await startServer(...args));
}

/** The acknowledgement of a message sent to the partner's connection. */
export const RELAYED = { ok: true, delivery: 'relayed' } as const;
/** The acknowledgement of a message kept for a partner who is away. */
export const KEPT = { ok: true, delivery: 'kept' } as const;
