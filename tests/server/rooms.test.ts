// Rooms: who gets a seat, what each peer is told, and how seats are given up (leave, drop, resume, reload).
import { describe, expect, test } from 'vitest';
import { PROTOCOL_VERSION, ServerErrorCode } from '../../sdk/protocol/index.js';
import { allRooms, totalRoomsRunning } from '../../server/index.js';
import { MemoryRoomStore } from '../../server/rooms/memory.js';
import { StoreUnavailableError, type RoomStore, type Seat, type SeatClaim } from '../../server/rooms/store.js';
import {
  arrives,
  ask,
  client,
  dropConnection,
  join,
  next,
  pair,
  record,
  refusal,
  serverPerTest,
  uniqueRoom,
  type TestServer,
  RELAYED,
  KEPT,
} from '../helpers/server.js';

const start = serverPerTest();

/** The peer ids seated in `roomId`, as the server's operator view reports them. */
async function seated(roomId: string): Promise<string[]> {
  const room = (await allRooms()).find((r) => r.id === roomId);
  return room ? room.peers.map((p) => p.peerId).sort() : [];
}

describe('joining a room', () => {
  test('the first peer is told its room, its identity, the ICE servers, the grace period, and that it is alone', async () => {
    const iceServers = [{ urls: 'stun:stun.example.org:3478' }, { urls: ['turn:turn.example.org'], username: 'u', credential: 'c' }];
    const { url } = await start({ iceServers });
    const roomId = uniqueRoom();

    const { joined } = await join(url, { roomId, peerId: 'alice', displayName: 'Alice', role: 'host' });

    expect(joined).toEqual({
      roomId,
      peerId: 'alice',
      displayName: 'Alice',
      role: 'host',
      iceServers,
      peer: null,
      resumed: false,
      // The test server's grace period (tests/helpers/server.ts).
      graceMs: 200,
      protocol: PROTOCOL_VERSION,
      // 256 random bits, base64url.
      seatSecret: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      // Call reports are off unless CIGNAL_CALL_REPORTS and the metrics endpoint are on.
      callReports: false,
    });
  });

  test('a peer without a display name is shown by its role, or as "Peer" without one', async () => {
    const { url } = await start();

    const withRole = await join(url, { roomId: uniqueRoom(), peerId: 'p1', role: 'doctor' });
    const bare = await join(url, { roomId: uniqueRoom(), peerId: 'p2' });
    const blank = await join(url, { roomId: uniqueRoom(), peerId: 'p3', displayName: '   ' });

    expect([withRole.joined.displayName, withRole.joined.role]).toEqual(['doctor', 'doctor']);
    expect([bare.joined.displayName, bare.joined.role]).toEqual(['Peer', null]);
    expect(blank.joined.displayName).toBe('Peer');
  });

  test('the second peer learns who is already there, and the first learns who arrived', async () => {
    const { url } = await start();
    const roomId = uniqueRoom();
    const alice = await join(url, { roomId, peerId: 'alice', displayName: 'Alice', role: 'host' });
    const arrival = next(alice.socket, 'peerJoined');

    const bob = await join(url, { roomId, peerId: 'bob', displayName: 'Bob' });

    expect(bob.joined.peer).toEqual({ peerId: 'alice', displayName: 'Alice', role: 'host' });
    expect(bob.joined.resumed).toBe(false);
    expect(await arrival).toEqual({ peerId: 'bob', displayName: 'Bob', role: null });
    expect(await seated(roomId)).toEqual(['alice', 'bob']);
  });

  test('a third peer is refused with room-full and the call between the first two goes on', async () => {
    const { url } = await start();
    const roomId = uniqueRoom();
    const [alice, bob] = await pair(url, roomId);
    const aliceEvents = record(alice);

    const refused = await refusal(url, { roomId, peerId: 'carol' });

    expect(refused).toEqual({ code: ServerErrorCode.RoomFull, message: expect.any(String) });
    expect(refused?.message.length).toBeGreaterThan(0);
    const information = next(bob, 'information');
    expect(await ask(alice, 'inform', { data: 'still here?' })).toEqual(RELAYED);
    expect(await information).toEqual({ data: 'still here?', from: 'alice' });
    expect(await seated(roomId)).toEqual(['alice', 'bob']);
    // The refused peer never appeared to the people in the room.
    expect(aliceEvents.map(([event]) => event)).not.toContain('peerJoined');
  });

  test('a client speaking a newer protocol than the server is refused with unsupported-protocol', async () => {
    const { url } = await start();
    const refused = await refusal(url, { roomId: uniqueRoom(), peerId: 'future', session: 's', protocol: PROTOCOL_VERSION + 1 });
    expect(refused?.code).toBe(ServerErrorCode.UnsupportedProtocol);
    const current = await join(url, { roomId: uniqueRoom(), peerId: 'now', protocol: PROTOCOL_VERSION });
    expect(current.joined.protocol).toBe(PROTOCOL_VERSION);
  });

  test('of several peers joining an empty room at once, exactly two get in', async () => {
    const { url } = await start();
    const roomId = uniqueRoom();

    const outcomes = await Promise.allSettled(['p1', 'p2', 'p3', 'p4', 'p5'].map((peerId) => join(url, { roomId, peerId })));

    const admitted = outcomes.filter((o) => o.status === 'fulfilled');
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [(o.reason as { wire?: { code: string } }).wire?.code] : []));
    expect(admitted).toHaveLength(2);
    expect(refused).toEqual(['room-full', 'room-full', 'room-full']);
    expect(await seated(roomId)).toHaveLength(2);
  });
});

describe('leaving a room', () => {
  test('hanging up frees the seat at once and the partner is told the peer left', async () => {
    // A long grace proves the seat is not merely held and then timed out.
    const { url } = await start({ reconnectGraceMs: 60_000 });
    const roomId = uniqueRoom();
    const [alice, bob] = await pair(url, roomId);
    const left = next(bob, 'peerLeft');

    alice.disconnect();

    expect(await left).toEqual({ peerId: 'alice', reason: 'left' });
    expect(await seated(roomId)).toEqual(['bob']);
    // The freed seat is available to someone new.
    const carol = await join(url, { roomId, peerId: 'carol' });
    expect(carol.joined.peer?.peerId).toBe('bob');
  });

  test('when the last peer hangs up the room is deleted', async () => {
    const { url } = await start({ reconnectGraceMs: 60_000 });
    const roomId = uniqueRoom();
    const [alice, bob] = await pair(url, roomId);
    expect(await totalRoomsRunning()).toBe(1);

    alice.disconnect();
    bob.disconnect();

    await expect.poll(() => totalRoomsRunning()).toBe(0);
    expect(await allRooms()).toEqual([]);
  });

  test('a dropped connection keeps its seat during the grace period, then the partner is told it dropped', async () => {
    const graceMs = 1_500;
    const srv = await start({ reconnectGraceMs: graceMs });
    const roomId = uniqueRoom();
    const [alice, bob] = await pair(srv.url, roomId);
    const bobEvents = record(bob);

    const reason = await dropConnection(alice, srv);

    expect(reason).not.toBe('client namespace disconnect');
    expect(await seated(roomId)).toEqual(['alice', 'bob']);
    // The seat is still taken, so nobody else can have it yet, and the partner has not been told anything.
    expect(await refusal(srv.url, { roomId, peerId: 'carol' })).toMatchObject({ code: 'room-full' });
    expect(await arrives(bob, 'peerLeft', 300)).toBe(false);
    expect(bobEvents).toEqual([]);

    await expect.poll(() => bobEvents, { timeout: graceMs * 3 }).toEqual([['peerLeft', { peerId: 'alice', reason: 'dropped' }]]);
    expect(await seated(roomId)).toEqual(['bob']);
    const carol = await join(srv.url, { roomId, peerId: 'carol' });
    expect(carol.joined.peer?.peerId).toBe('bob');
  });

  test('a lone peer whose connection drops is removed with its room after the grace period', async () => {
    const srv = await start({ reconnectGraceMs: 200 });
    const roomId = uniqueRoom();
    const { socket } = await join(srv.url, { roomId, peerId: 'alice' });

    await dropConnection(socket, srv);

    expect(await seated(roomId)).toEqual(['alice']);
    await expect.poll(() => totalRoomsRunning(), { timeout: 2_000 }).toBe(0);
  });

  test('a reconnect within the grace period resumes the seat and the partner notices nothing', async () => {
    const graceMs = 800;
    const srv = await start({ reconnectGraceMs: graceMs });
    const roomId = uniqueRoom();
    const [alice, bob] = await pair(srv.url, roomId);
    const joinedAt = (await allRooms()).find((r) => r.id === roomId)!.peers.find((p) => p.peerId === 'alice')!.joinedAt;
    const bobEvents = record(bob);

    await dropConnection(alice, srv);
    const again = await join(srv.url, { roomId, peerId: 'alice', session: 's-alice' });

    expect(again.joined.resumed).toBe(true);
    expect(again.joined.peer).toEqual({ peerId: 'bob', displayName: 'Peer', role: null });
    // Wait past the end of the grace period: the cancelled timer must not free the resumed seat.
    expect(await arrives(bob, 'peerLeft', graceMs + 200)).toBe(false);
    expect(bobEvents.map(([event]) => event)).toEqual([]);
    const rooms = await allRooms();
    expect(rooms.find((r) => r.id === roomId)?.peers.map((p) => [p.peerId, p.joinedAt])).toEqual([
      ['alice', joinedAt],
      ['bob', expect.any(Number)],
    ]);
    // Messages flow both ways through the resumed connection.
    const toAlice = next(again.socket, 'information');
    expect(await ask(bob, 'inform', { data: 'welcome back' })).toEqual(RELAYED);
    expect(await toAlice).toEqual({ data: 'welcome back', from: 'bob' });
    const toBob = next(bob, 'information');
    expect(await ask(again.socket, 'inform', { data: 'thanks' })).toEqual(RELAYED);
    expect(await toBob).toEqual({ data: 'thanks', from: 'alice' });
  });

  test('what the partner sends while a peer is away is delivered, in order, when that peer resumes', async () => {
    const srv = await start({ reconnectGraceMs: 5_000 });
    const roomId = uniqueRoom();
    const [alice, bob] = await pair(srv.url, roomId);
    await dropConnection(alice, srv);

    // Bob calls and writes while Alice is away: the server accepts and keeps it all for her.
    const offer = { description: { type: 'offer', sdp: 'v=0\r\n' }, connection: 'pc-bob' };
    expect(await ask(bob, 'offer', offer)).toEqual(KEPT);
    expect(await ask(bob, 'candidate', { candidate: { candidate: 'candidate:1 1 udp 1 192.0.2.1 9 typ host' }, connection: 'pc-bob' })).toEqual(KEPT);
    expect(await ask(bob, 'inform', { data: { text: 'are you there?' } })).toEqual(KEPT);

    const again = client(srv.url, { roomId, peerId: 'alice', session: 's-alice' });
    const seen = record(again);
    const informed = next(again, 'information');
    await next(again, 'joined');
    await informed;
    expect(seen.map(([event]) => event)).toEqual(['joined', 'offer', 'candidate', 'information']);
    expect(seen[1]![1]).toEqual({ ...offer, from: 'bob' });
    expect(seen[3]![1]).toEqual({ data: { text: 'are you there?' }, from: 'bob' });
  });

  test('what is kept for an absent peer is bounded in bytes, and who is in the room is kept regardless', async () => {
    const srv = await start({ reconnectGraceMs: 5_000, rateLimit: { perSecond: 10_000, burst: 10_000 } });
    const roomId = uniqueRoom();
    const [alice, bob] = await pair(srv.url, roomId);
    await dropConnection(alice, srv);
    const sdp = `v=0\r\n${'a'.repeat(30_000)}`;
    const replies: unknown[] = [];
    for (let i = 0; i < 20; i++) replies.push(await ask(bob, 'offer', { description: { type: 'offer', sdp }, connection: `pc-${i}` }));
    // The acks tell the truth: kept while the seat's bound allows, then dropped.
    const keptCount = replies.filter((reply) => JSON.stringify(reply) === JSON.stringify(KEPT)).length;
    expect(replies.slice(0, keptCount)).toEqual(Array(keptCount).fill(KEPT));
    expect(replies.slice(keptCount)).toEqual(Array(20 - keptCount).fill({ ok: false, error: { code: 'dropped', message: expect.any(String) } }));
    // A third peer cannot join a full room, but Bob replacing himself produces peer events.
    await join(srv.url, { roomId, peerId: 'bob', session: 'bob-again' });

    const again = client(srv.url, { roomId, peerId: 'alice', session: 's-alice' });
    const seen = record(again);
    const joinedAgain = next(again, 'peerJoined');
    await next(again, 'joined');
    await joinedAgain;
    const offers = seen.filter(([event]) => event === 'offer').length;
    // 20 offers of 30 KB are 600 KB; a seat keeps at most 256 KB, and the oldest are the ones kept.
    expect(offers).toBeGreaterThan(0);
    expect(offers).toBeLessThan(10);
    expect(offers).toBe(keptCount);
    expect((seen.find(([event]) => event === 'offer')![1] as { connection: string }).connection).toBe('pc-0');
    expect(seen.map(([event]) => event).filter((event) => event.startsWith('peer'))).toEqual(['peerLeft', 'peerJoined']);
  });

  test('what was kept for a peer that never came back is discarded, not given to a later peer', async () => {
    const srv = await start({ reconnectGraceMs: 150 });
    const roomId = uniqueRoom();
    const [alice, bob] = await pair(srv.url, roomId);
    await dropConnection(alice, srv);
    expect(await ask(bob, 'inform', { data: 'for the old alice' })).toEqual(KEPT);
    await next(bob, 'peerLeft');

    const newcomer = client(srv.url, { roomId, peerId: 'alice', session: 'a-new-session' });
    const seen = record(newcomer);
    await next(newcomer, 'joined');
    expect(await arrives(newcomer, 'information', 300)).toBe(false);
    expect(seen.map(([event]) => event)).toEqual(['joined']);
  });

  test('a reconnect that arrives before the server noticed the old connection died takes over silently', async () => {
    const { url } = await start({ reconnectGraceMs: 60_000 });
    const roomId = uniqueRoom();
    const [oldAlice, bob] = await pair(url, roomId);
    const oldAliceEvents = record(oldAlice);
    const bobEvents = record(bob);
    const oldClosed = next<string>(oldAlice, 'disconnect');

    // Same peer and session while the old socket is still open, as after a half-open TCP connection.
    const again = await join(url, { roomId, peerId: 'alice', session: 's-alice' });

    expect(again.joined.resumed).toBe(true);
    expect(await oldClosed).toBe('io server disconnect');
    expect(oldAliceEvents.map(([event]) => event)).not.toContain('replaced');
    const toAlice = next(again.socket, 'information');
    expect(await ask(bob, 'inform', { data: 'hi' })).toEqual(RELAYED);
    expect(await toAlice).toEqual({ data: 'hi', from: 'bob' });
    expect(bobEvents).toEqual([]);
    expect(await seated(roomId)).toEqual(['alice', 'bob']);
  });

  test('the same peer opening a new session (a reload) replaces its old connection instead of being refused', async () => {
    const { url } = await start({ reconnectGraceMs: 60_000 });
    const roomId = uniqueRoom();
    const [oldAlice, bob] = await pair(url, roomId);
    const bobEvents = record(bob);
    const replaced = next<{ message: string }>(oldAlice, 'replaced');
    const oldClosed = next<string>(oldAlice, 'disconnect');

    const newAlice = await join(url, { roomId, peerId: 'alice', session: 'after-reload', displayName: 'Alice' });

    expect(newAlice.joined.resumed).toBe(false);
    expect(newAlice.joined.peer?.peerId).toBe('bob');
    expect((await replaced).message).toEqual(expect.any(String));
    expect(await oldClosed).toBe('io server disconnect');
    await expect.poll(() => bobEvents.length).toBeGreaterThanOrEqual(2);
    expect(bobEvents).toEqual([
      ['peerLeft', { peerId: 'alice', reason: 'replaced' }],
      ['peerJoined', { peerId: 'alice', displayName: 'Alice', role: null }],
    ]);
    expect(await seated(roomId)).toEqual(['alice', 'bob']);
    // The new connection speaks for the seat.
    const toBob = next(bob, 'information');
    expect(await ask(newAlice.socket, 'inform', { data: 'reloaded' })).toEqual(RELAYED);
    expect(await toBob).toEqual({ data: 'reloaded', from: 'alice' });
  });

  test('a peer that goes away while its join is still being decided leaves no seat behind', async () => {
    const slow = slowStore();
    const srv = await start({}, { store: slow.store });
    const roomId = uniqueRoom();

    await abandonJoin(srv, slow, { roomId, peerId: 'impatient' });

    await expect.poll(() => slow.inner.count()).toBe(0);
    await pair(srv.url, roomId, 'alice', 'bob');
    expect(await seated(roomId)).toEqual(['alice', 'bob']);
  });

  test('a reload that goes away before its join completes leaves the earlier connection in its seat', async () => {
    const slow = slowStore();
    const srv = await start({ reconnectGraceMs: 60_000 }, { store: slow.store });
    const roomId = uniqueRoom();
    const [alice, bob] = await pair(srv.url, roomId);
    const bobEvents = record(bob);

    slow.slowJoins = 1;
    await abandonJoin(srv, slow, { roomId, peerId: 'alice', session: 'after-reload' });

    await expect.poll(() => slow.inner.partner(roomId, 'bob')?.socketId).toBe(alice.id);
    const toAlice = next(alice, 'information');
    expect(await ask(bob, 'inform', { data: 'still with me?' })).toEqual(RELAYED);
    expect(await toAlice).toEqual({ data: 'still with me?', from: 'bob' });
    expect(bobEvents.map(([event]) => event)).toEqual([]);
  });
});

/** A room store whose next `slowJoins` joins wait until the test releases them, as a networked store (Redis) can be slow. */
function slowStore() {
  const inner = new MemoryRoomStore();
  const slow = {
    inner,
    slowJoins: 0,
    started: deferred(),
    gate: deferred(),
    finished: deferred(),
    store: null as unknown as RoomStore,
  };
  // Every call goes to `inner`; only `join` may be held at the gate, answered with a promise as a
  // networked store answers.
  slow.store = new Proxy<RoomStore>(inner, {
    get(target, name) {
      if (name !== 'join') {
        const value = Reflect.get(target, name) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return async (roomId: string, seat: Seat, now: number, claim: SeatClaim) => {
        if (slow.slowJoins <= 0) return inner.join(roomId, seat, now, claim);
        slow.slowJoins -= 1;
        slow.started.resolve();
        await slow.gate.promise;
        const outcome = await inner.join(roomId, seat, now, claim);
        slow.finished.resolve();
        return outcome;
      };
    },
  });
  return slow;
}

/** Starts a join through the slow store, closes the client while the store is busy, then lets the store finish. */
async function abandonJoin(srv: TestServer, slow: ReturnType<typeof slowStore>, auth: Parameters<typeof join>[1]): Promise<void> {
  slow.slowJoins = 1;
  const serverSawClose = new Promise<void>((resolve) =>
    srv.server.io.engine.once('connection', (conn: { once(event: 'close', fn: () => void): void }) => conn.once('close', () => resolve())),
  );
  const socket = client(srv.url, auth);
  await slow.started.promise;
  socket.io.engine.close();
  await serverSawClose;
  slow.gate.resolve();
  await slow.finished.promise;
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('a store out of reach during the welcome', () => {
  test.each(['settle', 'settleNow'] as const)('closes the connection as a drop, not as a final goodbye, so the client joins again (%s)', async (failing) => {
    const inner = new MemoryRoomStore();
    let failSettles = 1;
    const store = new Proxy<RoomStore>(inner, {
      get(target, name) {
        // The next settle fails: rejected, as a networked store does ('settle'), or thrown at
        // once, as a store in this process could ('settleNow').
        const value = Reflect.get(target, name) as unknown;
        if (name === 'settle') {
          const settle = (value as RoomStore['settle']).bind(target);
          const once = (...args: Parameters<typeof settle>) => {
            if (failSettles-- > 0) throw new StoreUnavailableError('Redis is not reachable: Command timed out');
            return settle(...args);
          };
          return failing === 'settle' ? async (...args: Parameters<typeof settle>) => once(...args) : once;
        }
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const { url } = await start({}, { store });
    const roomId = uniqueRoom();
    const socket = client(url, { roomId, peerId: 'alice' });
    const reason = await next<string>(socket, 'disconnect');
    expect(reason).toBe('transport close');
    // Joining again, as its reconnect would, resumes the same peer.
    const again = await join(url, { roomId, peerId: 'alice' });
    expect(again.joined.resumed).toBe(true);
  });
});

describe('a leave or a drop the store failed to hear', () => {
  /** A memory store swept every 20 ms whose next `fail` calls of `leave` or `drop` fail as Redis would. */
  function failingStore(fail: 'leave' | 'drop') {
    const inner = new MemoryRoomStore();
    const state = { failures: 1 };
    const store = new Proxy<RoomStore>(inner, {
      get(target, name) {
        if (name === 'sweepEveryMs') return 20;
        if (name === fail && state.failures > 0) {
          state.failures -= 1;
          return async () => {
            throw new StoreUnavailableError('Redis is not reachable: READONLY You can\'t write against a read only replica.');
          };
        }
        const value = Reflect.get(target, name) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    return store;
  }

  test('a leave is tried again at the next sweep: the partner is told and the seat is free', async () => {
    const { url } = await start({}, { store: failingStore('leave') });
    const roomId = uniqueRoom();
    const [alice, bob] = await pair(url, roomId);
    const left = next<{ peerId: string; reason: string }>(bob, 'peerLeft');
    alice.disconnect();
    expect(await left).toEqual({ peerId: 'alice', reason: 'left' });
    expect(await seated(roomId)).toEqual(['bob']);
  });

  test('a drop is tried again at the next sweep with its first deadline: the partner is told once the grace ends', async () => {
    const srv = await start({}, { store: failingStore('drop') });
    const roomId = uniqueRoom();
    const [alice, bob] = await pair(srv.url, roomId);
    const left = next<{ peerId: string; reason: string }>(bob, 'peerLeft');
    await dropConnection(alice, srv);
    expect(await left).toEqual({ peerId: 'alice', reason: 'dropped' });
    expect(await seated(roomId)).toEqual(['bob']);
  });
});

describe('shutting down', () => {
  test('every peer is told the server is restarting before it is disconnected, and no partner is told anyone left', async () => {
    const srv = await start();
    const roomId = uniqueRoom();
    const [alice, bob] = await pair(srv.url, roomId);
    const seen = { alice: record(alice), bob: record(bob) };
    const disconnects = [alice, bob].map((socket) => new Promise<string>((resolve) => socket.once('disconnect', resolve)));

    await srv.close();

    // Not a goodbye (`io server disconnect`): socket.io reconnects by itself after these.
    for (const reason of await Promise.all(disconnects)) expect(reason).not.toBe('io server disconnect');
    expect(seen.alice.map(([event]) => event)).toEqual(['serverClosing']);
    expect(seen.bob.map(([event]) => event)).toEqual(['serverClosing']);
  });
});

