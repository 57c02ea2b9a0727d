// Seats belong to whoever took them: taking a held seat again needs its seat secret (or a join
// token for its peer id), and a refused attempt leaves the two people in the room undisturbed.
// Run against the in-memory store and against a real Redis.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import type { JoinedPayload } from '../../sdk/protocol/index.js';
import { startRedis, stopAllRedis, type TestRedis } from '../helpers/redis.js';
import {
  KEPT,
  RELAYED,
  ask,
  client,
  closeAll,
  dropConnection,
  join,
  next,
  pair,
  record,
  refusal,
  seatSecretOf,
  startServer,
  uniqueRoom,
  type ClientSocket,
  type TestServer,
} from '../helpers/server.js';

/** Both directions of the call still work: each side's inform reaches the other, relayed. */
async function stillTalking(alice: ClientSocket, bob: ClientSocket): Promise<void> {
  const toBob = next(bob, 'information');
  expect(await ask(alice, 'inform', { data: 'still there?' })).toEqual(RELAYED);
  expect(await toBob).toEqual({ data: 'still there?', from: 'alice' });
  const toAlice = next(alice, 'information');
  expect(await ask(bob, 'inform', { data: 'yes' })).toEqual(RELAYED);
  expect(await toAlice).toEqual({ data: 'yes', from: 'bob' });
}

const engines = ['memory', 'redis'] as const;

describe.each(engines)('seats (%s store)', (engine) => {
  let redis: TestRedis | undefined;
  let server: TestServer | undefined;
  beforeAll(async () => {
    if (engine === 'redis') redis = await startRedis();
  });
  afterAll(async () => {
    if (engine === 'redis') await stopAllRedis();
  });
  afterEach(async () => {
    closeAll();
    await server?.close();
    server = undefined;
  });
  const start = async (config: Parameters<typeof startServer>[0] = {}) =>
    (server = await startServer({ ...config, ...(redis && { redisUrl: redis.url, nodeTtlMs: 3_000 }) }));

  test('a third socket with a seated peer id and no secret, or a wrong one, is refused seat-taken; the call goes on and neither hears a thing', async () => {
    const srv = await start();
    const roomId = uniqueRoom();
    const [alice, bob] = await pair(srv.url, roomId);
    const aliceSaw = record(alice);
    const bobSaw = record(bob);
    const snapshot = async () => (await srv.server.signalling.allRooms()).find((r) => r.id === roomId);
    const before = await snapshot();

    for (const seatSecret of [undefined, 'x'.repeat(43), seatSecretOf(roomId, 'bob')]) {
      const refused = await refusal(srv.url, { roomId, peerId: 'alice', session: 'intruder', displayName: 'Mallory', seatSecret });
      expect(refused).toEqual({ code: 'seat-taken', message: expect.stringMatching(/seat secret/) });
    }

    await stillTalking(alice, bob);
    expect(aliceSaw.map(([event]) => event)).toEqual(['information']);
    expect(bobSaw.map(([event]) => event)).toEqual(['information']);
    expect(await snapshot()).toEqual(before);
    expect(before?.peers.map((p) => p.peerId).sort()).toEqual(['alice', 'bob']);
  });

  test('an away seat is refused to an intruder too, and what was kept for it reaches its own reconnect', async () => {
    const srv = await start({ reconnectGraceMs: 10_000 });
    const roomId = uniqueRoom();
    const [alice, bob] = await pair(srv.url, roomId);
    const secret = seatSecretOf(roomId, 'alice');
    await dropConnection(alice, srv);
    expect(await ask(bob, 'inform', { data: 'for alice' })).toEqual(KEPT);
    const bobSaw = record(bob);

    expect(await refusal(srv.url, { roomId, peerId: 'alice', session: 'intruder', seatSecret: undefined })).toMatchObject({ code: 'seat-taken' });

    // Alice comes back as her SDK would: the same session, with her secret.
    const again = client(srv.url, { roomId, peerId: 'alice', session: 's-alice' });
    const kept = next(again, 'information');
    const joined = await next<JoinedPayload>(again, 'joined');
    expect([joined.resumed, joined.seatSecret]).toEqual([true, secret]);
    expect(await kept).toEqual({ data: 'for alice', from: 'bob' });
    await stillTalking(again, bob);
    expect(bobSaw.map(([event]) => event)).toEqual(['information']);
  });

  test('a reconnect on a new socket with the secret resumes the seat, and keeps the secret', async () => {
    const srv = await start({ reconnectGraceMs: 10_000 });
    const roomId = uniqueRoom();
    const [, bob] = await pair(srv.url, roomId);
    const secret = seatSecretOf(roomId, 'alice');
    const bobSaw = record(bob);
    // Before the server noticed the old connection is gone, and after.
    const early = await join(srv.url, { roomId, peerId: 'alice', session: 's-alice' });
    expect([early.joined.resumed, early.joined.seatSecret]).toEqual([true, secret]);
    await dropConnection(early.socket, srv);
    const late = await join(srv.url, { roomId, peerId: 'alice', session: 's-alice' });
    expect([late.joined.resumed, late.joined.seatSecret]).toEqual([true, secret]);
    await stillTalking(late.socket, bob);
    expect(bobSaw.map(([event]) => event)).toEqual(['information']);
  });

  test('a second tab with the secret takes the seat: the first is told it was replaced, the partner sees the new one', async () => {
    const srv = await start();
    const roomId = uniqueRoom();
    const [alice, bob] = await pair(srv.url, roomId);
    const secret = seatSecretOf(roomId, 'alice');
    const replaced = next(alice, 'replaced');
    const left = next<{ reason: string }>(bob, 'peerLeft');
    const arrived = next<{ displayName: string }>(bob, 'peerJoined');
    const tab = await join(srv.url, { roomId, peerId: 'alice', session: 'second-tab', displayName: 'Alice (tab 2)' });
    expect([tab.joined.resumed, tab.joined.seatSecret]).toEqual([false, secret]);
    await replaced;
    expect((await left).reason).toBe('replaced');
    expect((await arrived).displayName).toBe('Alice (tab 2)');
    await stillTalking(tab.socket, bob);
  });

  test('a freed seat is taken without a secret, and its next holder gets a new one', async () => {
    const srv = await start();
    const roomId = uniqueRoom();
    const [alice, bob] = await pair(srv.url, roomId);
    const secret = seatSecretOf(roomId, 'alice');
    const left = next(bob, 'peerLeft');
    alice.disconnect();
    await left;
    const back = await join(srv.url, { roomId, peerId: 'alice', session: 'later', seatSecret: undefined });
    expect(back.joined.seatSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(back.joined.seatSecret).not.toBe(secret);
    expect(back.joined.peer?.peerId).toBe('bob');
  });
});
