// Relaying: signals and information reach the room partner only, stamped with the sender's real
// identity, and a socket that floods the server is slowed down without hurting anyone else.
import { describe, expect, test } from 'vitest';
import type { AckResponse } from '../../sdk/protocol/index.js';
import {
  arrives,
  ask,
  client,
  dropConnection,
  join,
  loose,
  next,
  pair,
  record,
  serverPerTest,
  uniqueRoom,
  type ClientSocket,
  RELAYED,
  KEPT,
} from '../helpers/server.js';

const start = serverPerTest();

const offer = { description: { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' }, connection: 'pc-a1' };
const answer = { description: { type: 'answer', sdp: 'v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\n' }, connection: 'pc-a1' };
const candidate = {
  candidate: { candidate: 'candidate:1 1 udp 2122260223 192.0.2.1 54400 typ host', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'abcd' },
  connection: 'pc-a1',
};
const mediaState = { microphone: false, camera: true, screenShare: true, seq: 7 };
const restartIce = { connection: 'pc-a2', to: 'pc-a1' };
const decline = { reason: 'unsupported', to: 'pc-a1' };

describe('relaying between the two peers of a room', () => {
  let a1: ClientSocket, a2: ClientSocket, b1: ClientSocket, b2: ClientSocket;

  /** Rooms A (a1, a2) and B (b1, b2); returns what B's peers receive from now on. */
  async function twoRooms() {
    const { url } = await start();
    [a1, a2] = await pair(url, uniqueRoom('a'), 'a1', 'a2');
    [b1, b2] = await pair(url, uniqueRoom('b'), 'b1', 'b2');
    return { b1Events: record(b1), b2Events: record(b2) };
  }

  test.each([
    ['offer', offer],
    ['answer', answer],
    ['candidate', candidate],
    ['mediaState', mediaState],
    ['restartIce', restartIce],
    ['decline', decline],
    // A signal that names the receiver's connection it is meant for keeps that name.
    ['answer', { ...answer, to: 'pc-a2' }],
    // A camera paused by the system keeps its reason.
    ['mediaState', { ...mediaState, screenShare: false, cameraPaused: 'background' }],
  ] as const)('%s reaches the partner only, stamped with the real sender even when the payload claims another', async (event, payload) => {
    const { b1Events, b2Events } = await twoRooms();
    const received = next(a2, event);

    loose(a1).emit(event, { ...payload, from: 'b1' });

    expect(await received).toEqual({ ...payload, from: 'a1' });
    expect(await arrives(b1, event)).toBe(false);
    expect(b1Events).toEqual([]);
    expect(b2Events).toEqual([]);
  });

  test.each([
    ['offer', offer],
    ['answer', answer],
    ['candidate', candidate],
    ['mediaState', mediaState],
    ['restartIce', restartIce],
    ['decline', decline],
  ] as const)('%s with an ack is answered ok once relayed', async (event, payload) => {
    await twoRooms();
    const received = next(a2, event);

    expect(await ask(a1, event, payload)).toEqual(RELAYED);
    expect(await received).toEqual({ ...payload, from: 'a1' });
  });

  test('the sender does not hear its own messages back', async () => {
    await twoRooms();
    const own = record(a1);
    const received = next(a2, 'offer');

    loose(a1).emit('offer', offer);

    await received;
    expect(await arrives(a1, 'offer')).toBe(false);
    expect(own).toEqual([]);
  });

  test('inform delivers the data to the partner only, from the real sender, and answers ok', async () => {
    const { b1Events, b2Events } = await twoRooms();
    const received = next(a1, 'information');
    const data = { text: 'hello', from: 'b2', nested: [1, 'two', null, { deep: true }] };

    const reply = await ask(a2, 'inform', { data, from: 'b2' });

    expect(reply).toEqual(RELAYED);
    expect(await received).toEqual({ data, from: 'a2' });
    expect(await arrives(b2, 'information')).toBe(false);
    expect([...b1Events, ...b2Events]).toEqual([]);
  });

  test('inform keeps the id the sender gave the message, so the receiver can drop a copy', async () => {
    const { url } = await start();
    const [alice, bob] = await pair(url, uniqueRoom());
    const received = next(bob, 'information');

    expect(await ask(alice, 'inform', { data: 'once', id: 'm-1' })).toEqual(RELAYED);
    expect(await received).toEqual({ data: 'once', id: 'm-1', from: 'alice' });
  });

  test('inform with nobody else in the room answers no-peer', async () => {
    const { url } = await start();
    const { socket } = await join(url, { roomId: uniqueRoom(), peerId: 'alone' });

    const reply = await ask(socket, 'inform', { data: 'anyone?' });

    expect(reply).toEqual({ ok: false, error: { code: 'no-peer', message: expect.any(String) } });
  });

  test('a signal with an ack and nobody else in the room answers no-peer', async () => {
    const { url } = await start();
    const { socket } = await join(url, { roomId: uniqueRoom(), peerId: 'alone' });

    expect(await ask(socket, 'offer', offer)).toMatchObject({ ok: false, error: { code: 'no-peer' } });
  });

  test('signals follow the partner: kept while it is away, to its new connection after a reconnect and a reload, refused once it has left', async () => {
    const srv = await start({ reconnectGraceMs: 60_000 });
    const roomId = uniqueRoom();
    const [alice, bob] = await pair(srv.url, roomId);
    const first = next(bob, 'candidate');
    expect(await ask(alice, 'candidate', candidate)).toEqual(RELAYED);
    expect(await first).toEqual({ ...candidate, from: 'alice' });

    // Bob's connection drops: what Alice sends meanwhile is kept, and reaches him when he is back.
    await dropConnection(bob, srv);
    expect(await ask(alice, 'candidate', { ...candidate, connection: 'pc-kept' })).toEqual(KEPT);
    const bobAgain = client(srv.url, { roomId, peerId: 'bob' }, false);
    const kept = next(bobAgain, 'candidate');
    bobAgain.connect();
    expect(await kept).toEqual({ ...candidate, connection: 'pc-kept', from: 'alice' });
    const second = next(bobAgain, 'candidate');
    expect(await ask(alice, 'candidate', candidate)).toEqual(RELAYED);
    expect(await second).toEqual({ ...candidate, from: 'alice' });

    // A reload: a new session takes the seat, and the signals go to it.
    const replaced = next(bobAgain, 'disconnect');
    const { socket: bobReloaded } = await join(srv.url, { roomId, peerId: 'bob', session: 'reloaded' });
    await replaced;
    const third = next(bobReloaded, 'candidate');
    expect(await ask(alice, 'candidate', candidate)).toEqual(RELAYED);
    expect(await third).toEqual({ ...candidate, from: 'alice' });

    const left = next(alice, 'peerLeft');
    bobReloaded.disconnect();
    await left;
    expect(await ask(alice, 'candidate', candidate)).toMatchObject({ ok: false, error: { code: 'no-peer' } });
  });

  test('once the partner has left, inform answers no-peer', async () => {
    const { url } = await start({ reconnectGraceMs: 60_000 });
    const [alice, bob] = await pair(url, uniqueRoom());
    const left = next(alice, 'peerLeft');
    bob.disconnect();
    await left;

    expect(await ask(alice, 'inform', { data: 'hello?' })).toMatchObject({ ok: false, error: { code: 'no-peer' } });
  });
});

describe('rate limiting', () => {
  test('a socket flooding the server gets rate-limited answers while its partner still gets through', async () => {
    // The default budget: 50 messages a second, bursts of 200.
    const { url } = await start();
    const [flooder, partner] = await pair(url, uniqueRoom());
    let delivered = 0;
    partner.on('information', () => delivered++);

    const replies = await Promise.all(Array.from({ length: 500 }, (_, i) => ask(flooder, 'inform', { data: i })));

    const ok = replies.filter((r) => r.ok).length;
    const limited = replies.filter((r) => !r.ok && r.error.code === 'rate-limited').length;
    expect(ok + limited).toBe(500);
    expect(ok).toBeGreaterThanOrEqual(200);
    expect(limited).toBeGreaterThan(0);
    // What was accepted was relayed, and what was refused was not.
    await expect.poll(() => delivered, { timeout: 5_000 }).toBe(ok);
    expect(await arrives(partner, 'information')).toBe(false);
    expect(delivered).toBe(ok);

    // The partner has its own budget.
    const partnerReplies = await Promise.all(Array.from({ length: 20 }, (_, i) => ask(partner, 'inform', { data: i })));
    expect(partnerReplies).toEqual(Array(20).fill(RELAYED));
  });

  test('a configured budget is enforced per socket: the burst passes, the rest is refused', async () => {
    const { url } = await start({ rateLimit: { perSecond: 1, burst: 5 } });
    const [flooder, partner] = await pair(url, uniqueRoom());
    const [other] = await pair(url, uniqueRoom(), 'carol', 'dave');

    const replies = await Promise.all(Array.from({ length: 10 }, (_, i) => ask<AckResponse>(flooder, 'inform', { data: i })));

    expect(replies.slice(0, 5)).toEqual(Array(5).fill(RELAYED));
    expect(replies.at(-1)).toEqual({ ok: false, error: { code: 'rate-limited', message: expect.any(String) } });
    expect(await ask(other, 'inform', { data: 'unaffected' })).toEqual(RELAYED);
    expect(await ask(partner, 'inform', { data: 'unaffected' })).toEqual(RELAYED);
  });

  test('signals beyond the budget are dropped, not relayed', async () => {
    const { url } = await start({ rateLimit: { perSecond: 1, burst: 5 } });
    const [flooder, partner] = await pair(url, uniqueRoom());
    const received = record(partner);

    for (let i = 0; i < 20; i++) loose(flooder).emit('candidate', candidate);

    await expect.poll(() => received.length).toBeGreaterThanOrEqual(5);
    expect(await arrives(partner, 'candidate')).toBe(false);
    // The burst, plus at most one token refilled while the twenty were processed.
    expect(received.length).toBeLessThanOrEqual(6);
    expect(received.every(([event, payload]) => event === 'candidate' && (payload as { from: string }).from === 'alice')).toBe(true);
  });
});
