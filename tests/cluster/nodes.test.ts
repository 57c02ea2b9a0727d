// Several Cignal servers sharing one Redis, as operators run them behind a load balancer: real
// server processes, a real redis-server, real socket.io-client sockets.
import { Redis } from 'ioredis';
import { io as connect } from 'socket.io-client';
import { afterEach, describe, expect, test } from 'vitest';
import { Logger } from '../../sdk/logger.js';
import type { JoinedPayload, WireError } from '../../sdk/protocol/index.js';
import { SignalClient } from '../../sdk/signal-client.js';
import { closeAllProxies, startNode, startProxy, stopAllNodes, type Node } from '../helpers/cluster.js';
import { freePort, startRedis, stopAllRedis, type TestRedis } from '../helpers/redis.js';
import {
  KEPT,
  RELAYED,
  ask,
  client,
  closeAll,
  join,
  next,
  record,
  refusal,
  rememberSeatSecret,
  seatSecretOf,
  uniqueRoom,
  type ClientSocket,
} from '../helpers/server.js';

const inspectors: Redis[] = [];
const sdkClients: SignalClient[] = [];
afterEach(async () => {
  closeAll();
  for (const signal of sdkClients.splice(0)) signal.close();
  for (const socket of resumable.splice(0)) socket.disconnect();
  for (const inspector of inspectors.splice(0)) inspector.disconnect();
  await closeAllProxies();
  await stopAllNodes();
  await stopAllRedis();
});

/** Redis and two servers on it, with the given grace and server expiry. */
async function cluster(graceMs = 10_000, nodeTtlMs = 10_000): Promise<{ redis: TestRedis; one: Node; two: Node }> {
  const redis = await startRedis();
  const env = { REDIS_URL: redis.url, CIGNAL_RECONNECT_GRACE_MS: String(graceMs), CIGNAL_NODE_TTL_MS: String(nodeTtlMs) };
  const [one, two] = await Promise.all([startNode(env), startNode(env)]);
  return { redis, one, two };
}

/** Alice on `first`, Bob on `second`, in one room; resolves once Alice has heard of Bob. */
async function pairAcross(first: string, second: string, roomId: string): Promise<[ClientSocket, ClientSocket]> {
  const alice = await join(first, { roomId, peerId: 'alice' });
  const heard = next(alice.socket, 'peerJoined');
  // Awaited below; a second join that fails must not leave it to reject unheard.
  heard.catch(() => {});
  const bob = await join(second, { roomId, peerId: 'bob' });
  await heard;
  return [alice.socket, bob.socket];
}

/** A socket that reconnects by itself (with the same auth and the seat secret it was given), as the SDK's does. */
const resumable: ClientSocket[] = [];
function reconnectingClient(url: string, auth: { roomId: string; peerId: string; session: string }): ClientSocket {
  const withSecret = (send: (auth: object) => void) => send({ ...auth, seatSecret: seatSecretOf(auth.roomId, auth.peerId) });
  const socket = connect(url, { auth: withSecret, transports: ['websocket'], forceNew: true, reconnectionDelay: 100, reconnectionDelayMax: 200 }) as ClientSocket;
  rememberSeatSecret(socket, auth.roomId, auth.peerId);
  resumable.push(socket);
  return socket;
}

/** The seat as the Redis store holds it. */
async function storedSeat(redis: TestRedis, roomId: string, peerId: string): Promise<{ awayUntil: number | null; node: string } | null> {
  let inspector = inspectors[0];
  if (!inspector) inspectors.push((inspector = new Redis(redis.url)));
  const raw = await inspector.hget(`cignal:room:${roomId}`, peerId);
  return raw ? JSON.parse(raw) : null;
}

describe('a cluster of two servers on Redis', () => {
  test('50 peers joining one room at once through two servers: exactly two are admitted, the others are refused room-full', async () => {
    const { one, two } = await cluster();
    const roomId = uniqueRoom('race');
    const outcomes = await Promise.all(
      Array.from({ length: 50 }, (_, i) => {
        const socket = client(i % 2 ? one.url : two.url, { roomId, peerId: `p${i}` });
        return new Promise<string>((resolve) => {
          socket.once('joined', () => resolve('joined'));
          socket.once('connect_error', (error: Error & { data?: WireError }) => resolve(error.data?.code ?? error.message));
        });
      }),
    );
    expect(outcomes.filter((o) => o === 'joined')).toHaveLength(2);
    expect(outcomes.filter((o) => o === 'room-full')).toHaveLength(48);
    const health = await (await fetch(`${one.url}/healthz`)).json();
    expect(health.rooms).toBe(1);
  });

  test('peers on two servers relay to each other, and a leave is told across servers', async () => {
    const { one, two } = await cluster();
    const roomId = uniqueRoom();
    const [alice, bob] = await pairAcross(one.url, two.url, roomId);

    const toBob = next(bob, 'information');
    expect(await ask(alice, 'inform', { data: 'hello from one' })).toEqual(RELAYED);
    expect(await toBob).toEqual({ data: 'hello from one', from: 'alice' });
    const offer = { description: { type: 'offer', sdp: 'v=0\r\n' }, connection: 'c1' };
    const toAlice = next(alice, 'offer');
    expect(await ask(bob, 'offer', offer)).toEqual(RELAYED);
    expect(await toAlice).toEqual({ ...offer, from: 'bob' });

    const left = next(bob, 'peerLeft');
    alice.disconnect();
    expect(await left).toEqual({ peerId: 'alice', reason: 'left' });
  });

  test('a signal from a peer alone in its room is answered no-peer, and the server goes on relaying', async () => {
    const { one } = await cluster();
    const roomId = uniqueRoom();
    const { socket: alice } = await join(one.url, { roomId, peerId: 'alice' });
    const offer = { description: { type: 'offer', sdp: 'v=0\r\n' }, connection: 'c1' };
    expect(await ask(alice, 'offer', offer)).toMatchObject({ ok: false, error: { code: 'no-peer' } });

    const heard = next(alice, 'peerJoined');
    const { socket: bob } = await join(one.url, { roomId, peerId: 'bob' });
    await heard;
    const toBob = next(bob, 'offer');
    expect(await ask(alice, 'offer', offer)).toEqual(RELAYED);
    expect(await toBob).toEqual({ ...offer, from: 'alice' });
  });

  test('a server killed mid-call: its rooms are freed within the expiry, the partner on the other server is told it dropped, and the other server keeps serving', async () => {
    const graceMs = 500;
    const nodeTtlMs = 900;
    const { one, two } = await cluster(graceMs, nodeTtlMs);
    const roomId = uniqueRoom('crash');
    const [, bob] = await pairAcross(one.url, two.url, roomId);
    const bobSaw = record(bob);

    const killedAt = Date.now();
    const dropped = next(bob, 'peerLeft', 10_000);
    await one.stop('SIGKILL');
    expect(await dropped).toEqual({ peerId: 'alice', reason: 'dropped' });
    // The server's last heartbeat expires, then the grace (sweeps run every third of the expiry);
    // the rest is room for a busy machine, far below the 10 s the default settings would take.
    expect(Date.now() - killedAt).toBeLessThan(nodeTtlMs + graceMs + 3_000);
    expect(bobSaw.map(([event]) => event)).toEqual(['peerLeft']);

    // Alice's seat is free again, and the surviving server seats and relays as before.
    const carol = await join(two.url, { roomId, peerId: 'carol' });
    expect(carol.joined.peer?.peerId).toBe('bob');
    const fresh = uniqueRoom();
    const [x, y] = await pairAcross(two.url, two.url, fresh);
    const toY = next(y, 'information');
    expect(await ask(x, 'inform', { data: 'still here' })).toEqual(RELAYED);
    expect(await toY).toEqual({ data: 'still here', from: 'alice' });
  });

  test('a peer that drops from one server resumes on the other within the grace, as itself, and gets what was sent to it meanwhile', async () => {
    const { redis, one, two } = await cluster(10_000);
    const roomId = uniqueRoom('resume');
    const balancer = await startProxy(one.port);
    const alice = reconnectingClient(balancer.url, { roomId, peerId: 'alice', session: 's-alice' });
    const first = await new Promise<JoinedPayload>((resolve) => alice.once('joined', resolve));
    expect(first.resumed).toBe(false);
    const heard = next(alice, 'peerJoined');
    const bob = (await join(two.url, { roomId, peerId: 'bob' })).socket;
    await heard;
    const bobSaw = record(bob);

    // Alice's path dies, and nothing gets through until the balancer sends her to the other server.
    balancer.pointAt(null);
    balancer.cut();
    await expect.poll(async () => (await storedSeat(redis, roomId, 'alice'))?.awayUntil ?? null, { timeout: 10_000 }).not.toBeNull();
    expect(await ask(bob, 'inform', { data: 'while you were away' })).toEqual(KEPT);
    const resumed = next<JoinedPayload>(alice, 'joined', 10_000);
    const missed = next(alice, 'information', 10_000);
    balancer.pointAt(two.port);

    const joined = await resumed;
    expect(joined).toMatchObject({ peerId: 'alice', resumed: true, peer: { peerId: 'bob' } });
    expect(await missed).toEqual({ data: 'while you were away', from: 'bob' });
    expect((await storedSeat(redis, roomId, 'alice'))?.awayUntil).toBeNull();

    // It speaks for its seat from the other server, and Bob never heard that anyone left.
    const toBob = next(bob, 'information');
    expect(await ask(alice, 'inform', { data: 'back' })).toEqual(RELAYED);
    expect(await toBob).toEqual({ data: 'back', from: 'alice' });
    expect(bobSaw.map(([event]) => event)).toEqual(['information']);
  });

  test('Redis restarted mid-run: joins are refused as unavailable while it is away; once it is back, new joins work and the call in progress goes on, without restarting the servers', async () => {
    const { redis, one, two } = await cluster();
    const [alice, bob] = await pairAcross(one.url, two.url, uniqueRoom());

    await redis.stop();
    await expect.poll(async () => (await refusal(one.url, { roomId: uniqueRoom(), peerId: 'p' }))?.code, { timeout: 10_000 }).toBe('unavailable');
    expect((await refusal(two.url, { roomId: uniqueRoom(), peerId: 'p' }))?.code).toBe('unavailable');
    expect(await (await fetch(`${one.url}/healthz`)).json()).toMatchObject({ ok: true, rooms: null, store: 'unavailable' });
    // The call's media would go on; what it relays meanwhile is answered as unavailable, not lost silently.
    expect(await ask(alice, 'inform', { data: 'during the outage' })).toEqual({ ok: false, error: { code: 'unavailable', message: expect.any(String) } });

    await redis.start();
    // Each server finds Redis again on its own; on a loaded machine one may take longer.
    for (const url of [one.url, two.url]) {
      const roomId = uniqueRoom('after');
      await expect
        .poll(async () => join(url, { roomId, peerId: 'alice' }).then(() => 'joined', (error: { wire?: WireError }) => error.wire?.code), { timeout: 15_000, interval: 200 })
        .toBe('joined');
    }
    // Across servers again: the adapter is back too.
    const [carol, dave] = await pairAcross(one.url, two.url, uniqueRoom('after'));
    const toDave = next(dave, 'information');
    expect(await ask(carol, 'inform', { data: 'after the restart' })).toEqual(RELAYED);
    expect(await toDave).toEqual({ data: 'after the restart', from: 'alice' });
    // The servers put back the seats of the call that was going on when Redis lost them.
    const aliceSaw = record(alice);
    await expect.poll(() => ask(bob, 'inform', { data: 'still in the call?' }), { timeout: 10_000, interval: 200 }).toEqual(RELAYED);
    await expect.poll(() => aliceSaw.some(([event, payload]) => event === 'information' && (payload as { from: string }).from === 'bob')).toBe(true);
    expect([one.process.exitCode, two.process.exitCode]).toEqual([null, null]);
  });

  test("the SDK's join asks again while the server answers unavailable, and is seated once Redis is back", async () => {
    const { redis, one } = await cluster();
    await redis.stop();
    await expect.poll(async () => (await refusal(one.url, { roomId: uniqueRoom(), peerId: 'p' }))?.code, { timeout: 10_000 }).toBe('unavailable');
    const events: string[] = [];
    const signal = new SignalClient(
      { url: one.url, auth: { roomId: uniqueRoom('sdk'), peerId: 'erin', session: 'erin-1' }, timeoutMs: 30_000, maxOutageMs: 60_000, logger: new Logger() },
      {
        joined: () => events.push('joined'),
        refused: (error) => events.push(`refused ${error.code}`),
        ended: () => events.push('ended'),
        dropped: () => events.push('dropped'),
        replaced: () => events.push('replaced'),
        peerJoined() {},
        peerLeft() {},
        offer() {},
        answer() {},
        candidate() {},
        restartIce() {},
        decline() {},
        information() {},
        mediaState() {},
      },
    );
    sdkClients.push(signal);
    let refusals = 0;
    signal.socket.on('connect_error', () => refusals++);
    const joined = signal.connect();
    // Refused, asked again, refused again, and nothing reported meanwhile.
    await expect.poll(() => refusals, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
    expect(events).toEqual([]);
    await redis.start();
    expect(await joined).toBe(true);
    expect(events).toEqual(['joined']);
  });

  test('a Redis that cannot be reached at start stops the server at once, with a message naming REDIS_URL and without its password', async () => {
    const port = await freePort();
    const failure = await startNode({ REDIS_URL: `redis://:hunter2@127.0.0.1:${port}` }).then(
      () => null,
      (error: Error) => error.message,
    );
    expect(failure).toMatch(/exited with 78/);
    expect(failure).toMatch(/Configuration error: REDIS_URL: cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1/);
    expect(failure).not.toContain('hunter2');
  });

  test('SIGTERM on a server tells its peers to come back without freeing their seats; they resume on the other server', async () => {
    const { redis, one, two } = await cluster(10_000);
    const roomId = uniqueRoom('rolling');
    const balancer = await startProxy(one.port);
    const alice = reconnectingClient(balancer.url, { roomId, peerId: 'alice', session: 's-alice' });
    await new Promise<JoinedPayload>((resolve) => alice.once('joined', resolve));
    const heard = next(alice, 'peerJoined');
    const bob = (await join(two.url, { roomId, peerId: 'bob' })).socket;
    await heard;
    const bobSaw = record(bob);

    const told = next(alice, 'serverClosing');
    const resumed = next<JoinedPayload>(alice, 'joined', 10_000);
    balancer.pointAt(two.port);
    expect(await one.stop('SIGTERM')).toBe(0);
    await told;
    expect(await resumed).toMatchObject({ resumed: true, peer: { peerId: 'bob' } });
    expect((await storedSeat(redis, roomId, 'alice'))?.awayUntil).toBeNull();
    const toBob = next(bob, 'information');
    expect(await ask(alice, 'inform', { data: 'moved over' })).toEqual(RELAYED);
    expect(await toBob).toEqual({ data: 'moved over', from: 'alice' });
    expect(bobSaw.map(([event]) => event)).toEqual(['information']);
  });
});
