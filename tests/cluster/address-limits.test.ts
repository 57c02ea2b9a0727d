// Limits per client address across a cluster: two real server processes on one real Redis count
// an address's connections and joins together, not each on its own.
import { afterEach, describe, expect, test } from 'vitest';
import type { WireError } from '../../sdk/protocol/index.js';
import { startNode, stopAllNodes, type Node } from '../helpers/cluster.js';
import { startRedis, stopAllRedis } from '../helpers/redis.js';
import { client, closeAll, join, next, uniqueRoom, type ClientSocket, type JoinAuth } from '../helpers/server.js';

afterEach(async () => {
  closeAll();
  await stopAllNodes();
  await stopAllRedis();
});

async function cluster(env: Record<string, string>): Promise<{ one: Node; two: Node }> {
  const redis = await startRedis();
  const shared = { REDIS_URL: redis.url, ...env };
  const [one, two] = await Promise.all([startNode(shared), startNode(shared)]);
  return { one, two };
}

/** Resolves with how a connection attempt ended: 'joined', or the refusal's code and retry hint. */
function attempt(url: string, auth: JoinAuth): Promise<{ socket: ClientSocket; outcome: 'joined' | WireError }> {
  const socket = client(url, auth);
  return new Promise((resolve, reject) => {
    socket.once('joined', () => resolve({ socket, outcome: 'joined' }));
    socket.once('connect_error', (error: Error & { data?: WireError }) => (error.data ? resolve({ socket, outcome: error.data }) : reject(error)));
  });
}

const rateLimited = { code: 'rate-limited', message: expect.any(String), retryAfterMs: expect.any(Number) };

describe('limits per address across servers on Redis', () => {
  test('connections from one address over two servers are limited in total, and a slot given back on one server is free on the other', async () => {
    const { one, two } = await cluster({ CIGNAL_IP_CONNECTIONS: '3', CIGNAL_IP_JOINS_PER_MINUTE: '0' });
    const roomId = uniqueRoom();
    const alice = await join(one.url, { roomId, peerId: 'alice' });
    const heard = next(alice.socket, 'peerJoined');
    const bob = await join(two.url, { roomId, peerId: 'bob' });
    await heard;
    await join(one.url, { roomId: uniqueRoom(), peerId: 'carol' });

    expect((await attempt(two.url, { roomId: uniqueRoom(), peerId: 'dave' })).outcome).toEqual(rateLimited);
    expect((await attempt(one.url, { roomId: uniqueRoom(), peerId: 'erin' })).outcome).toEqual(rateLimited);

    // Bob leaves from server two; once Alice (on server one) is told, his slot is free for either.
    const left = next(alice.socket, 'peerLeft');
    bob.socket.disconnect();
    await left;
    expect((await attempt(one.url, { roomId: uniqueRoom(), peerId: 'dave' })).outcome).toBe('joined');
    expect((await attempt(two.url, { roomId: uniqueRoom(), peerId: 'erin' })).outcome).toEqual(rateLimited);
  });

  test('joins from one address over two servers share one budget a minute', async () => {
    const { one, two } = await cluster({ CIGNAL_IP_CONNECTIONS: '0', CIGNAL_IP_JOINS_PER_MINUTE: '4' });
    for (const [i, node] of [one, two, one, two].entries()) {
      const { socket } = await join(node.url, { roomId: uniqueRoom(), peerId: `p${i}` });
      socket.disconnect();
    }
    for (const node of [one, two]) {
      const { outcome } = await attempt(node.url, { roomId: uniqueRoom(), peerId: 'late' });
      expect(outcome).toEqual(rateLimited);
      expect((outcome as WireError).retryAfterMs).toBeGreaterThan(0);
      expect((outcome as WireError).retryAfterMs).toBeLessThanOrEqual(60_000);
    }
  });

  test('the slots of a server that crashed are given back once its heartbeat lapses', async () => {
    const { one, two } = await cluster({ CIGNAL_IP_CONNECTIONS: '2', CIGNAL_IP_JOINS_PER_MINUTE: '0', CIGNAL_NODE_TTL_MS: '600' });
    await join(two.url, { roomId: uniqueRoom(), peerId: 'p1' });
    await join(two.url, { roomId: uniqueRoom(), peerId: 'p2' });
    expect((await attempt(one.url, { roomId: uniqueRoom(), peerId: 'p3' })).outcome).toEqual(rateLimited);

    await two.stop('SIGKILL');

    let tries = 0;
    await expect
      .poll(async () => {
        const { socket, outcome } = await attempt(one.url, { roomId: uniqueRoom(), peerId: `again-${tries++}` });
        socket.disconnect();
        return outcome === 'joined' ? outcome : outcome.code;
      }, { timeout: 10_000, interval: 200 })
      .toBe('joined');
  });
});

