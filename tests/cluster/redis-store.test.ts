// The Redis room store against the RoomStore contract, and what only a shared store has to do:
// atomic joins from several servers, the expiry of a server that stopped beating, a hand-over.
import { inspect } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connectCluster } from '../../server/cluster.js';
import { RedisRoomStore } from '../../server/rooms/redis.js';
import { StoreUnavailableError, type Seat } from '../../server/rooms/store.js';
import { NONE, describeRoomStore, secretOf } from '../helpers/store-contract.js';
import { startRedis, stopAllRedis, type TestRedis } from '../helpers/redis.js';

let redis: TestRedis;
const clients: Redis[] = [];

beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  for (const client of clients.splice(0)) client.disconnect();
  await stopAllRedis();
});

function connect(): Redis {
  const client = new Redis(redis.url, { enableOfflineQueue: true, maxRetriesPerRequest: 0 });
  clients.push(client);
  return client;
}

async function store(options: ConstructorParameters<typeof RedisRoomStore>[1] = {}): Promise<RedisRoomStore> {
  const client = connect();
  await new Promise<void>((resolve) => (client.status === 'ready' ? resolve() : client.once('ready', () => resolve())));
  return new RedisRoomStore(client, options);
}

describeRoomStore('RedisRoomStore', () => store());

function seat(peerId: string, overrides: Partial<Seat> = {}): Seat {
  return { peerId, displayName: peerId, role: null, session: `s-${peerId}`, socketId: `sock-${peerId}`, joinedAt: 1_000, awayUntil: null, secretHash: `h-${peerId}`, ...overrides };
}

describe('RedisRoomStore across servers', () => {
  test('50 joins racing from two servers seat exactly two peers', async () => {
    const [one, two] = [await store(), await store()];
    const outcomes = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? one : two).join('race', seat(`p${i}`), 1_000, NONE)));
    expect(outcomes.filter((o) => o.ok)).toHaveLength(2);
    expect((await one.list()).find((r) => r.id === 'race')?.peers).toHaveLength(2);
  });

  test('the seats of a server that stopped beating start their grace, then are freed and their partners listed', async () => {
    const dead = await store({ node: 'dead', nodeTtlMs: 1_000 });
    const alive = await store({ node: 'alive', nodeTtlMs: 1_000 });
    await dead.expire(10_000, 500); // its last heartbeat: alive until 11 000
    await dead.join('crash', seat('a'), 1_000, NONE);
    await alive.join('crash', seat('b'), 1_000, NONE);

    expect((await alive.expire(10_900, 500)).length).toBe(0);
    expect((await alive.partner('crash', 'b'))?.awayUntil).toBeNull();
    // Past its heartbeat: a's grace starts now and ends 500 ms later.
    expect(await alive.expire(11_001, 500)).toEqual([]);
    expect((await alive.partner('crash', 'b'))?.awayUntil).toBe(11_501);
    const freed = await alive.expire(11_501, 500);
    expect(freed.map((d) => [d.roomId, d.seat.peerId, d.partner?.peerId])).toEqual([['crash', 'a', 'b']]);
  });

  test('a server that stops hands its seats over: they start their grace and it leaves the cluster', async () => {
    const leaving = await store({ node: 'leaving' });
    const staying = await store({ node: 'staying' });
    await leaving.expire(20_000, 1_000);
    await leaving.join('handover', seat('a'), 1_000, NONE);
    await staying.join('handover', seat('b'), 1_000, NONE);
    await leaving.release(20_000, 1_000);
    expect((await staying.partner('handover', 'b'))?.awayUntil).toBe(21_000);
    // The peer comes back through the other server as itself, within the grace, with its seat
    // secret; without it, the seat stays where it is.
    expect(await staying.join('handover', seat('a', { socketId: 'intruder', session: 'intruder', awayUntil: 21_000, secretHash: 'other' }), 20_500, NONE)).toEqual({ ok: false, reason: 'seat-taken' });
    const back = await staying.join('handover', seat('a', { socketId: 'sock-a-again', awayUntil: 21_000, secretHash: 'new' }), 20_500, secretOf('a'));
    expect(back.ok && back.previous?.node).toBe('leaving');
    expect(back.ok && back.secretKept).toBe(true);
    expect((await staying.settle('handover', 'a', 'sock-a-again'))?.partner?.peerId).toBe('b');
    expect((await staying.expire(30_000, 1_000)).filter((d) => d.roomId === 'handover')).toEqual([]);
  });

  test('after an outage a server reconciles: lost seats come back, seats it no longer has sockets for start their grace, and its connected seats counted out meanwhile are present again', async () => {
    const here = await store({ node: 'here', nodeTtlMs: 1_000 });
    const other = await store({ node: 'other', nodeTtlMs: 1_000 });
    await here.expire(50_000, 1_000);
    await here.join('kept-seat', seat('a'), 1_000, NONE);
    await other.join('kept-seat', seat('b'), 1_000, NONE);
    await here.join('gone-socket', seat('c'), 1_000, NONE);
    await here.settle('kept-seat', 'a', 'sock-a');
    // The outage outlasts this server's expiry: the other server counts it out.
    await other.expire(52_000, 1_000);
    expect((await other.partner('kept-seat', 'b'))?.awayUntil).toBe(53_000);
    // A peer joined here after that, and its socket dropped during the outage.
    await here.join('dropped-meanwhile', seat('e'), 1_000, NONE);
    // And Redis lost a room entirely.
    const lost = seat('d', { socketId: 'sock-d', joinedAt: 7_000 });

    await here.reconcile(52_100, 1_000, [
      { roomId: 'kept-seat', seat: seat('a') },
      { roomId: 'lost-room', seat: lost },
    ]);

    expect((await other.partner('kept-seat', 'b'))?.awayUntil).toBeNull();
    expect((await here.route('lost-room', 'd', 'sock-d')).seated).toBe(true);
    expect((await here.list()).find((r) => r.id === 'lost-room')?.createdAt).toBe(7_000);
    // e's socket is no longer on this server: its grace starts now (c's had started already).
    expect((await here.partner('dropped-meanwhile', 'nobody'))?.awayUntil).toBe(53_100);
    const freed = await here.expire(53_100, 1_000);
    expect(freed.map((d) => [d.roomId, d.seat.peerId])).toContainEqual(['gone-socket', 'c']);
    expect(freed.map((d) => [d.roomId, d.seat.peerId])).toContainEqual(['dropped-meanwhile', 'e']);
    expect(freed.map((d) => d.seat.peerId)).not.toContain('a');
  });
});

describe('RedisRoomStore errors', () => {
  test('a read-only Redis (a fail-over in progress) is unavailable, not an internal failure', async () => {
    const own = await startRedis();
    const client = new Redis(own.url, { maxRetriesPerRequest: 0 });
    clients.push(client);
    await new Promise<void>((resolve) => client.once('ready', () => resolve()));
    const readOnly = new RedisRoomStore(client);
    // A replica of a master that cannot be reached answers writes with READONLY, connection open.
    await client.call('REPLICAOF', '127.0.0.1', '1');
    const refused = await readOnly.join('failover', seat('a'), 1_000, NONE).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(StoreUnavailableError);
    expect((refused as Error).message).toMatch(/READONLY/);
    await client.call('REPLICAOF', 'NO', 'ONE');
    expect((await readOnly.join('failover', seat('a'), 1_000, NONE)).ok).toBe(true);
  });

  test('what the store throws carries no command arguments: no relayed SDP, no resume token', async () => {
    const client = connect();
    await new Promise<void>((resolve) => (client.status === 'ready' ? resolve() : client.once('ready', () => resolve())));
    const broken = new RedisRoomStore(client, { prefix: 'broken:' });
    // A room key of the wrong type makes every script on it fail with a reply error.
    await client.set('broken:room:r', 'not a hash');
    const errors = await Promise.all([
      broken.keep('r', 'a', ['offer', { sdp: 'v=0 secret-sdp' }]).catch((error: unknown) => error),
      broken.join('r', seat('a', { session: 'secret-session' }), 1_000, NONE).catch((error: unknown) => error),
      broken.route('r', 'a', 'sock-a').catch((error: unknown) => error),
    ]);
    for (const error of errors) {
      expect(error).toBeInstanceOf(Error);
      const shown = inspect(error, { depth: 10, showHidden: true });
      expect(shown).toMatch(/WRONGTYPE/);
      expect(shown).not.toMatch(/secret-sdp|secret-session|args/);
    }
  });
});

test('closing the cluster connection on purpose is not reported as a lost connection', async () => {
  const reported: string[] = [];
  const cluster = await connectCluster(redis.url, { report: (message) => reported.push(message) });
  await cluster.close();
  // ioredis emits 'close' once the socket has ended, a moment after quit() resolves.
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(reported).toEqual([]);
});
