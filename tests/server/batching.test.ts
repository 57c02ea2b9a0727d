// The messages queued for one WebSocket while a write is under way leave in one system call, with
// the same bytes in the same order: a real socket.io server and client, and the server's real TCP
// socket whose writes are counted.
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo, Socket as TcpSocket } from 'node:net';
import { Server, type Socket } from 'socket.io';
import { io as connect, type Socket as ClientSocket } from 'socket.io-client';
import { afterEach, describe, expect, test } from 'vitest';
import { batchWrites } from '../../server/signalling/batching.js';

let http: HttpServer;
let io: Server;
let client: ClientSocket;

afterEach(async () => {
  client?.disconnect();
  await new Promise((resolve) => io.close(resolve));
});

/** A server whose sockets batch their writes or not, and the server side of one connected client. */
async function connected(batched: boolean): Promise<Socket> {
  http = createServer();
  io = new Server(http, { serveClient: false });
  const arrived = new Promise<Socket>((resolve) => io.on('connection', (socket) => {
    if (batched) batchWrites(socket);
    resolve(socket);
  }));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  client = connect(`http://127.0.0.1:${(http.address() as AddressInfo).port}`, { transports: ['websocket'], forceNew: true, reconnection: false });
  return arrived;
}

/** Counts the writes (each one system call) made on the server's TCP socket to this client from now on. */
function countWrites(socket: Socket): () => number {
  const tcp = (socket.conn.transport as unknown as { socket: { _socket: TcpSocket & Record<'_write' | '_writev', (...args: unknown[]) => void> } }).socket._socket;
  let writes = 0;
  for (const method of ['_write', '_writev'] as const) {
    const original = tcp[method];
    tcp[method] = function (this: TcpSocket, ...args: unknown[]) {
      writes++;
      return original.apply(this, args);
    };
  }
  return () => writes;
}

/** Emits `count` messages in one go, as a relay of a burst does, and resolves with what the client received. */
async function burst(socket: Socket, count: number): Promise<number[]> {
  const received: number[] = [];
  const all = new Promise<void>((resolve) =>
    client.on('m', (n: number) => {
      received.push(n);
      if (received.length === count) resolve();
    }),
  );
  for (let n = 0; n < count; n++) socket.emit('m', n);
  await all;
  return received;
}

const sequence = (count: number) => Array.from({ length: count }, (_, n) => n);

describe('writes to a client', () => {
  test('a burst of 50 messages leaves in two writes (the first alone, the rest queued meanwhile together), in order', async () => {
    const socket = await connected(true);
    const writes = countWrites(socket);
    expect(await burst(socket, 50)).toEqual(sequence(50));
    expect(writes()).toBe(2);
    // And the next message, alone, is not held back.
    const single = new Promise((resolve) => client.once('m', resolve));
    socket.emit('m', 50);
    expect(await single).toBe(50);
    expect(writes()).toBe(3);
  });

  test('a connection that carries one socket.io connection after another is batched once', async () => {
    const first = await connected(true);
    const conn = first.conn;
    // A second namespace keeps the connection open while the first leaves and comes back.
    io.of('/keep');
    const keep = client.io.socket('/keep');
    keep.connect();
    await new Promise((resolve) => keep.once('connect', () => resolve(undefined)));
    const gone = new Promise((resolve) => first.once('disconnect', resolve));
    client.disconnect();
    await gone;
    const again = new Promise<Socket>((resolve) => io.once('connection', resolve));
    client.connect();
    const socket = await again;
    expect(socket.conn).toBe(conn);
    expect(conn.listenerCount('upgrade')).toBe(1);
    const writes = countWrites(socket);
    expect(await burst(socket, 50)).toEqual(sequence(50));
    expect(writes()).toBe(2);
    keep.disconnect();
  });

  test('without it, socket.io writes each of those messages on its own', async () => {
    const socket = await connected(false);
    const writes = countWrites(socket);
    expect(await burst(socket, 50)).toEqual(sequence(50));
    expect(writes()).toBe(50);
  });
});
