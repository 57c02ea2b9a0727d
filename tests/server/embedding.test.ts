// Embedding: signalling attached to an app's own socket.io server, and the module-level views
// (totalRoomsRunning, allRooms) that operators read.
import { createHmac } from 'node:crypto';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { afterEach, describe, expect, test } from 'vitest';
import { allRooms, initSocketServer, totalRoomsRunning, type AuthorizeRequest, type Signalling, type SignallingOptions } from '../../server/index.js';
import { closeAll, join, next, pair, refusal, uniqueRoom } from '../helpers/server.js';
import { SECRET, mint } from '../helpers/join-token.js';

interface Embedded {
  url: string;
  io: Server;
  signalling: Signalling;
}
const embedded: Embedded[] = [];

afterEach(async () => {
  closeAll();
  for (const { io, signalling } of embedded.splice(0)) {
    signalling.close();
    await new Promise<void>((resolve) => io.close(() => resolve()));
  }
});

/** An app's own HTTP + socket.io server with Cignal signalling attached, as the README shows. */
async function embed(options?: SignallingOptions): Promise<Embedded> {
  const http: HttpServer = createServer();
  const io = new Server(http);
  const signalling = initSocketServer(io, options);
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  const app = { url: `http://127.0.0.1:${port}`, io, signalling };
  embedded.push(app);
  return app;
}

/** True when `value` is made only of plain objects, arrays and primitives. */
function isPlainData(value: unknown): boolean {
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return true;
  if (Array.isArray(value)) return value.every(isPlainData);
  if (typeof value !== 'object') return false;
  return Object.getPrototypeOf(value) === Object.prototype && Object.values(value).every(isPlainData);
}

describe('embedding signalling in an existing socket.io server', () => {
  test('totalRoomsRunning and allRooms report live rooms as plain snapshots and follow joins and leaves', async () => {
    let clock = 1_000;
    const { url } = await embed({ now: () => clock });
    const [first, second] = [uniqueRoom('first'), uniqueRoom('second')];
    expect(await totalRoomsRunning()).toBe(0);
    expect(await allRooms()).toEqual([]);

    const alice = await join(url, { roomId: first, peerId: 'alice', displayName: 'Alice', role: 'host' });
    clock = 2_000;
    const heard = next(alice.socket, 'peerJoined');
    const bob = await join(url, { roomId: first, peerId: 'bob' });
    await heard;
    clock = 3_000;
    const carol = await join(url, { roomId: second, peerId: 'carol', displayName: 'Carol' });

    expect(await totalRoomsRunning()).toBe(2);
    const rooms = await allRooms();
    expect(rooms).toStrictEqual([
      {
        id: first,
        createdAt: 1_000,
        peers: [
          { peerId: 'alice', displayName: 'Alice', role: 'host', joinedAt: 1_000 },
          { peerId: 'bob', displayName: 'Peer', role: null, joinedAt: 2_000 },
        ],
      },
      { id: second, createdAt: 3_000, peers: [{ peerId: 'carol', displayName: 'Carol', role: null, joinedAt: 3_000 }] },
    ]);
    expect(isPlainData(rooms)).toBe(true);
    expect(JSON.parse(JSON.stringify(rooms))).toStrictEqual(rooms);

    // A snapshot is a copy: changing it changes nothing on the server.
    rooms[0]!.peers.pop();
    rooms[0]!.id = 'changed';
    expect((await allRooms())[0]).toMatchObject({ id: first, peers: [{ peerId: 'alice' }, { peerId: 'bob' }] });

    alice.socket.disconnect();
    await expect.poll(async () => (await allRooms()).find((r) => r.id === first)?.peers.map((p) => p.peerId)).toEqual(['bob']);
    expect(await totalRoomsRunning()).toBe(2);

    bob.socket.disconnect();
    carol.socket.disconnect();
    await expect.poll(() => totalRoomsRunning()).toBe(0);
    expect(await allRooms()).toEqual([]);
  });

  test('every embedded server in the process is counted, until its handle is closed', async () => {
    const one = await embed();
    const two = await embed();
    const [roomOne, roomTwo] = [uniqueRoom('one'), uniqueRoom('two')];
    await pair(one.url, roomOne);
    await join(two.url, { roomId: roomTwo, peerId: 'carol' });

    expect(await totalRoomsRunning()).toBe(2);
    expect((await allRooms()).map((r) => r.id).sort()).toEqual([roomOne, roomTwo].sort());
    expect(await one.signalling.totalRoomsRunning()).toBe(1);

    one.signalling.close();

    expect(await totalRoomsRunning()).toBe(1);
    expect((await allRooms()).map((r) => r.id)).toEqual([roomTwo]);
    // The handle itself still sees its own rooms.
    expect((await one.signalling.allRooms()).map((r) => r.id)).toEqual([roomOne]);
  });

  test('the seat of a dropped peer is freed by the clock given, even one slower than the timers', async () => {
    // A clock at half speed: each wake-up comes early by it, as a timer can by Date.now().
    const start = Date.now();
    const { url, io } = await embed({ reconnectGraceMs: 200, now: () => start + (Date.now() - start) / 2 });
    const roomId = uniqueRoom();
    const [alice, bob] = await pair(url, roomId);
    const left = next<{ peerId: string; reason: string }>(bob, 'peerLeft', 5_000);
    const gone = new Promise((resolve) => io.sockets.sockets.get(alice.id!)!.once('disconnect', resolve));
    alice.io.engine.close();
    await gone;

    expect(await left).toEqual({ peerId: 'alice', reason: 'dropped' });
    expect((await allRooms()).find((r) => r.id === roomId)?.peers.map((p) => p.peerId)).toEqual(['bob']);
  });

  test('the ICE servers and TURN secret given to initSocketServer reach each joining peer', async () => {
    const iceServers = [{ urls: 'stun:stun.example.com:3478' }];
    const turn = { secret: 'embedded-secret', urls: ['turns:turn.example.com:5349'], ttlSeconds: 600 };
    const { url } = await embed({ iceServers, turn, now: () => 1_700_000_000_000 });

    const { joined } = await join(url, { roomId: uniqueRoom(), peerId: 'alice' });

    const username = `${1_700_000_000 + 600}:alice`;
    expect(joined.iceServers).toEqual([
      ...iceServers,
      { urls: turn.urls, username, credential: createHmac('sha1', turn.secret).update(username).digest('base64') },
    ]);
  });

  test.each(['a promise', 'at once'])('an embedding app decides who may join through authorize, and refusals reach the client as unauthorized (answered with %s)', async (how) => {
    const asked: Array<{ roomId: string; peerId: string; displayName: string; role: string | null; hasAddress: boolean }> = [];
    const decide = ({ roomId, peerId, displayName, role, handshake }: AuthorizeRequest) => {
      asked.push({ roomId, peerId, displayName, role, hasAddress: typeof handshake.address === 'string' });
      return peerId !== 'mallory';
    };
    const { url } = await embed({ authorize: how === 'a promise' ? async (request) => decide(request) : decide });
    const roomId = uniqueRoom();

    const refused = await refusal(url, { roomId, peerId: 'mallory', displayName: 'Mallory' });
    const admitted = await join(url, { roomId, peerId: 'alice', role: 'host' });

    expect(refused).toEqual({ code: 'unauthorized', message: expect.any(String) });
    expect(admitted.joined.peer).toBeNull();
    expect(asked).toEqual([
      { roomId, peerId: 'mallory', displayName: 'Mallory', role: null, hasAddress: true },
      { roomId, peerId: 'alice', displayName: 'host', role: 'host', hasAddress: true },
    ]);
    expect((await allRooms()).map((r) => r.peers.map((p) => p.peerId))).toEqual([['alice']]);
  });

  test('with a join secret, the token is checked first and the authorize hook still runs after it, seeing the token\'s name and role', async () => {
    const asked: Array<{ peerId: string; displayName: string; role: string | null }> = [];
    const { url } = await embed({
      joinSecret: SECRET,
      authorize: async ({ peerId, displayName, role }) => {
        asked.push({ peerId, displayName, role });
        return peerId !== 'banned';
      },
    });
    const roomId = uniqueRoom();
    expect(await refusal(url, { roomId, peerId: 'nobody' })).toMatchObject({ code: 'unauthorized', message: expect.stringMatching(/join token/) });
    expect(await refusal(url, { roomId, peerId: 'banned', token: await mint({ room: roomId }) })).toEqual({ code: 'unauthorized', message: expect.any(String) });
    const { joined } = await join(url, { roomId, peerId: 'alice', displayName: 'claimed', token: await mint({ room: roomId, sub: 'alice', name: 'Alice', role: 'teacher' }) });
    expect(joined).toMatchObject({ displayName: 'Alice', role: 'teacher' });
    expect(asked).toEqual([
      { peerId: 'banned', displayName: 'Peer', role: null },
      { peerId: 'alice', displayName: 'Alice', role: 'teacher' },
    ]);
  });

  test('a join secret shorter than 32 characters is refused at once', () => {
    expect(() => initSocketServer(new Server(), { joinSecret: 'too-short' })).toThrow(/at least 32 characters/);
  });
});
