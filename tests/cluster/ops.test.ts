// Operations of servers sharing one Redis (a real redis-server): readiness follows Redis, the admin
// API and the room gauges answer for the whole cluster, per-node figures stay per node, and one
// room has one hash in the activity logs of every server.
import { afterEach, describe, expect, test } from 'vitest';
import { parsePrometheus, sampleValue } from '../helpers/prometheus.js';
import { startRedis, stopAllRedis, type TestRedis } from '../helpers/redis.js';
import { closeAll, join, next, startServer, uniqueRoom, type TestServer } from '../helpers/server.js';

const ADMIN = 'admin-token-of-at-least-32-characters!';
const METRICS = 'metrics-token-of-at-least-32-characters';

const servers: TestServer[] = [];
afterEach(async () => {
  closeAll();
  await Promise.all(servers.splice(0).map((server) => server.close()));
  await stopAllRedis();
});

/** `count` servers on one fresh Redis, with the admin API and metrics on; their activity logs are collected. */
async function cluster(count: number): Promise<{ redis: TestRedis; nodes: TestServer[]; logs: Array<Array<Record<string, unknown>>> }> {
  const redis = await startRedis();
  const logs: Array<Array<Record<string, unknown>>> = [];
  const nodes: TestServer[] = [];
  for (let i = 0; i < count; i++) {
    const lines: Array<Record<string, unknown>> = [];
    logs.push(lines);
    const node = await startServer(
      { redisUrl: redis.url, adminToken: ADMIN, metricsToken: METRICS, logFormat: 'json', reconnectGraceMs: 10_000 },
      { logDestination: { write: (line: string) => void lines.push(JSON.parse(line)) } },
    );
    servers.push(node);
    nodes.push(node);
  }
  return { redis, nodes, logs };
}

const asAdmin = { headers: { Authorization: `Bearer ${ADMIN}` } };

async function scrape(url: string) {
  const reply = await fetch(`${url}/metrics`, { headers: { Authorization: `Bearer ${METRICS}` } });
  expect(reply.status).toBe(200);
  return parsePrometheus(await reply.text());
}

/** Alice on `first`, Bob on `second`, in one room; resolves once Alice has heard of Bob. */
async function pairAcross(first: string, second: string, roomId: string) {
  const alice = await join(first, { roomId, peerId: 'alice' });
  const heard = next(alice.socket, 'peerJoined');
  const bob = await join(second, { roomId, peerId: 'bob' });
  await heard;
  return [alice, bob] as const;
}

describe('readiness on Redis', () => {
  test('/readyz goes 503 store-unavailable when Redis stops and 200 when it is back, while /healthz says the process is up', async () => {
    const { redis, nodes } = await cluster(1);
    const { url } = nodes[0]!;
    expect((await fetch(`${url}/readyz`)).status).toBe(200);

    await redis.stop();
    await expect.poll(async () => (await fetch(`${url}/readyz`)).status, { timeout: 10_000 }).toBe(503);
    const reply = await fetch(`${url}/readyz`);
    expect(await reply.json()).toEqual({ ok: false, reason: 'store-unavailable' });
    expect(reply.headers.get('cache-control')).toBe('no-store');
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    // The metrics still answer: the store is down, and the cluster's count is left out rather than wrong.
    const during = await scrape(url);
    expect(sampleValue(during, 'cignal_room_store_up')).toBe(0);
    expect(during.get('cignal_cluster_rooms')?.samples).toEqual([]);
    // The admin API says so too, in the same words.
    const admin = await fetch(`${url}/admin/rooms/count`, asAdmin);
    expect(admin.status).toBe(503);
    expect(await admin.json()).toEqual({ ok: false, reason: 'store-unavailable' });

    await redis.start();
    await expect.poll(async () => (await fetch(`${url}/readyz`)).status, { timeout: 15_000, interval: 200 }).toBe(200);
    expect(await (await fetch(`${url}/readyz`)).json()).toEqual({ ok: true });
    expect(sampleValue(await scrape(url), 'cignal_room_store_up')).toBe(1);
  });
});

describe('two servers on one Redis', () => {
  test('the admin API of either server lists and counts the rooms of both', async () => {
    const { nodes } = await cluster(2);
    const [one, two] = nodes as [TestServer, TestServer];
    const shared = uniqueRoom('shared');
    const alone = uniqueRoom('alone');
    await pairAcross(one.url, two.url, shared);
    await join(two.url, { roomId: alone, peerId: 'carol' });

    for (const { url } of [one, two]) {
      expect(await (await fetch(`${url}/admin/rooms/count`, asAdmin)).json()).toEqual({ count: 2 });
      const listed = await (await fetch(`${url}/admin/rooms`, asAdmin)).json();
      expect(listed).toMatchObject({ total: 2, next: null });
      expect(listed.rooms.map((room: { id: string; peers: Array<{ peerId: string }> }) => [room.id, room.peers.map((peer) => peer.peerId).sort()])).toEqual([
        [shared, ['alice', 'bob']],
        [alone, ['carol']],
      ]);
      const text = JSON.stringify(listed);
      expect(text).not.toMatch(/secret|session|socket|node|awayUntil/i);
    }
    // Paged across the cluster the same way.
    const first = await (await fetch(`${one.url}/admin/rooms?limit=1`, asAdmin)).json();
    expect(first.rooms.map((room: { id: string }) => room.id)).toEqual([shared]);
    const second = await (await fetch(`${two.url}${first.next}`, asAdmin)).json();
    expect(second.rooms.map((room: { id: string }) => room.id)).toEqual([alone]);
  });

  test("the metrics give each server's own rooms, peers and counts, and the cluster's room count on both", async () => {
    const { nodes } = await cluster(2);
    const [one, two] = nodes as [TestServer, TestServer];
    await pairAcross(one.url, two.url, uniqueRoom('shared'));
    await join(two.url, { roomId: uniqueRoom('alone'), peerId: 'carol' });

    const [first, second] = [await scrape(one.url), await scrape(two.url)];
    expect([sampleValue(first, 'cignal_peers'), sampleValue(second, 'cignal_peers')]).toEqual([1, 2]);
    expect([sampleValue(first, 'cignal_rooms'), sampleValue(second, 'cignal_rooms')]).toEqual([1, 2]);
    expect([sampleValue(first, 'cignal_joins_total'), sampleValue(second, 'cignal_joins_total')]).toEqual([1, 2]);
    expect([sampleValue(first, 'cignal_cluster_rooms'), sampleValue(second, 'cignal_cluster_rooms')]).toEqual([2, 2]);
  });

  test('a room has the same hash in the activity log of every server, and the hash is not the room id', async () => {
    const { nodes, logs } = await cluster(2);
    const [one, two] = nodes as [TestServer, TestServer];
    const roomId = uniqueRoom('hashed');
    await pairAcross(one.url, two.url, roomId);

    const joins = logs.map((lines) => lines.find((line) => line.event === 'join'));
    expect(joins.map((line) => line?.peer)).toEqual(['alice', 'bob']);
    expect(joins[0]!.room).toMatch(/^[0-9a-f]{16}$/);
    expect(joins[1]!.room).toBe(joins[0]!.room);
    expect(JSON.stringify(logs)).not.toContain(roomId);
  });
});
