// Limits per client address: connections at once, joins a minute and messages a second, over all
// of an address's sockets, against a real server and real socket.io-client sockets.
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from 'socket.io';
import { io as connect } from 'socket.io-client';
import { afterEach, describe, expect, test } from 'vitest';
import type { AckResponse, JoinedPayload, WireError } from '../../sdk/protocol/index.js';
import { initSocketServer, type Signalling, type SignallingOptions } from '../../server/index.js';
import { clientAddress, limitKey } from '../../server/signalling/address.js';
import { ipLimitsFrom } from '../../server/signalling/limits.js';
import { arrives, ask, closeAll, join, loose, next, serverPerTest, uniqueRoom, type ClientSocket, type JoinAuth } from '../helpers/server.js';

const start = serverPerTest();

/** Sockets opened here (with headers of their own), closed after each test. */
const opened = new Set<ClientSocket>();
const embedded: Array<{ io: Server; signalling: Signalling }> = [];
afterEach(async () => {
  for (const socket of opened) socket.disconnect();
  opened.clear();
  closeAll();
  for (const { io, signalling } of embedded.splice(0)) {
    await signalling.close();
    await new Promise<void>((resolve) => io.close(() => resolve()));
  }
});

/** Signalling on an app's own socket.io server, for options `createServer` does not take (the clock). */
async function embed(options: SignallingOptions): Promise<string> {
  const http: HttpServer = createServer();
  const io = new Server(http);
  embedded.push({ io, signalling: initSocketServer(io, options) });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
}

type Outcome = { socket: ClientSocket; joined: JoinedPayload } | { socket: ClientSocket; refused: WireError };

/** Connects with `auth`, as the proxy in front says `forwardedFor` (when given); resolves joined or refused. */
function attempt(url: string, auth: JoinAuth, forwardedFor?: string): Promise<Outcome> {
  const socket = connect(url, {
    auth: { session: `s-${auth.peerId}`, ...auth },
    transports: ['websocket'],
    forceNew: true,
    reconnection: false,
    ...(forwardedFor && { extraHeaders: { 'X-Forwarded-For': forwardedFor } }),
  }) as ClientSocket;
  opened.add(socket);
  return new Promise((resolve, reject) => {
    socket.once('joined', (joined) => resolve({ socket, joined }));
    socket.once('connect_error', (error: Error & { data?: WireError }) => (error.data ? resolve({ socket, refused: error.data }) : reject(error)));
  });
}

async function joined(url: string, auth: JoinAuth, forwardedFor?: string): Promise<ClientSocket> {
  const outcome = await attempt(url, auth, forwardedFor);
  if ('refused' in outcome) throw new Error(`expected a join, got ${outcome.refused.code}: ${outcome.refused.message}`);
  return outcome.socket;
}

async function refused(url: string, auth: JoinAuth, forwardedFor?: string): Promise<WireError> {
  const outcome = await attempt(url, auth, forwardedFor);
  if (!('refused' in outcome)) throw new Error('expected a refusal, but the join succeeded');
  return outcome.refused;
}

/** Joins `first` and `second` into one room; resolves once the first has heard of the second. */
async function pairOf(url: string, roomId: string, [first, firstFrom]: [string, string?], [second, secondFrom]: [string, string?]): Promise<[ClientSocket, ClientSocket]> {
  const a = await joined(url, { roomId, peerId: first }, firstFrom);
  const heard = next(a, 'peerJoined');
  heard.catch(() => {});
  const b = await joined(url, { roomId, peerId: second }, secondFrom);
  await heard;
  return [a, b];
}

const rateLimited = { code: 'rate-limited', message: expect.any(String), retryAfterMs: expect.any(Number) };

describe('connections per address', () => {
  test('an address holds at most its number of connections; a refused join gives its slot back, and so does a socket that leaves', async () => {
    const { url } = await start({ ipLimits: { connections: 3, joinsPerMinute: 0, messagesPerSecond: 0 } });
    const roomId = uniqueRoom();
    const [alice, bob] = await pairOf(url, roomId, ['alice'], ['bob']);
    // Refused for another reason: each attempt took a slot for a moment and gave it back.
    for (const peerId of ['mallory', 'trudy', 'eve']) expect((await refused(url, { roomId, peerId })).code).toBe('room-full');

    await joined(url, { roomId: uniqueRoom(), peerId: 'carol' });
    const refusal = await refused(url, { roomId: uniqueRoom(), peerId: 'dave' });
    expect(refusal).toEqual(rateLimited);
    expect(refusal.retryAfterMs).toBeGreaterThan(0);

    // Alice leaves; once the server has told Bob, her slot is free again.
    const left = next(bob, 'peerLeft');
    alice.disconnect();
    await left;
    await joined(url, { roomId: uniqueRoom(), peerId: 'dave' });
    expect(await refused(url, { roomId: uniqueRoom(), peerId: 'erin' })).toEqual(rateLimited);
  });

  test('a socket that closes while its join is being decided gives its slot back', async () => {
    let decide: (yes: boolean) => void = () => {};
    let asked: () => void = () => {};
    const askedOnce = new Promise<void>((resolve) => (asked = resolve));
    const url = await embed({
      ipLimits: { connections: 1, joinsPerMinute: 0, messagesPerSecond: 0 },
      authorize: ({ peerId }) => {
        if (peerId !== 'slow') return true;
        asked();
        return new Promise<boolean>((resolve) => (decide = resolve));
      },
    });
    const slow = connect(url, { auth: { roomId: uniqueRoom(), peerId: 'slow', session: 's-slow' }, transports: ['websocket'], forceNew: true, reconnection: false });
    opened.add(slow as ClientSocket);
    await askedOnce;
    // While the join waits, the address's one slot is held.
    expect(await refused(url, { roomId: uniqueRoom(), peerId: 'other' })).toEqual(rateLimited);
    slow.disconnect();
    decide(true);
    // Given back when the server sees the connection close (a moment after the client closes it).
    let tries = 0;
    await expect.poll(async () => {
      const outcome = await attempt(url, { roomId: uniqueRoom(), peerId: `late-${tries++}` });
      return 'joined' in outcome ? 'joined' : outcome.refused.code;
    }).toBe('joined');
  });

  test('budgets given to initSocketServer keep the defaults for the others, and a wrong one is refused by name', () => {
    expect(ipLimitsFrom({ joinsPerMinute: 2 })).toEqual({ connections: 100, joinsPerMinute: 2, messagesPerSecond: 1_000 });
    expect(ipLimitsFrom({ connections: undefined })).toEqual({ connections: 100, joinsPerMinute: 300, messagesPerSecond: 1_000 });
    expect(() => initSocketServer(new Server(), { ipLimits: { connections: -1 } })).toThrow(/ipLimits\.connections/);
    expect(() => ipLimitsFrom({ messagesPerSecond: 1.5 })).toThrow(/ipLimits\.messagesPerSecond/);
  });

  test('0 turns the limit off', async () => {
    const { url } = await start({ ipLimits: { connections: 0, joinsPerMinute: 0, messagesPerSecond: 0 } });
    for (let i = 0; i < 4; i++) await joined(url, { roomId: uniqueRoom(), peerId: `p${i}` });
  });
});

describe('joins per address', () => {
  test('joins beyond the budget of a minute are refused with a retry hint, and take no seat', async () => {
    const { url, server } = await start({ ipLimits: { connections: 0, joinsPerMinute: 3, messagesPerSecond: 0 } });
    for (let i = 0; i < 3; i++) (await joined(url, { roomId: uniqueRoom(), peerId: `p${i}` })).disconnect();
    const roomId = uniqueRoom('refused');

    const refusal = await refused(url, { roomId, peerId: 'one-too-many' });

    expect(refusal).toEqual(rateLimited);
    expect(refusal.retryAfterMs).toBeGreaterThan(0);
    expect(refusal.retryAfterMs).toBeLessThanOrEqual(60_000);
    expect((await server.signalling.allRooms()).map((room) => room.id)).not.toContain(roomId);
  });
});

describe('messages per address', () => {
  test('messages beyond the budget over several sockets of one address are refused; another address is not affected', async () => {
    const clock = 1_000_000;
    const url = await embed({ now: () => clock, trustProxy: true, ipLimits: { connections: 0, joinsPerMinute: 0, messagesPerSecond: 10 } });
    const [a1, b1] = await pairOf(url, uniqueRoom(), ['a1', '192.0.2.1'], ['b1', '198.51.100.7']);
    const [a2] = await pairOf(url, uniqueRoom(), ['a2', '192.0.2.1'], ['b2', '198.51.100.8']);

    const replies = await Promise.all([
      ...Array.from({ length: 6 }, (_, i) => ask(a1, 'inform', { data: i })),
      ...Array.from({ length: 6 }, (_, i) => ask(a2, 'inform', { data: i })),
    ]);

    // The clock stands still: the address's one window holds ten.
    expect(replies.filter((reply) => reply.ok)).toHaveLength(10);
    const limited = replies.filter((reply): reply is AckResponse & { ok: false } => !reply.ok);
    expect(limited).toEqual([
      { ok: false, error: { ...rateLimited, retryAfterMs: 1_000 } },
      { ok: false, error: { ...rateLimited, retryAfterMs: 1_000 } },
    ]);
    // Over the budget, a message without an ack is not relayed either.
    const relayed = arrives(b1, 'candidate');
    loose(a1).emit('candidate', { candidate: { candidate: 'candidate:1 1 udp 2122260223 192.0.2.1 54400 typ host', sdpMid: '0', sdpMLineIndex: 0 }, connection: 'pc-a1' });
    expect(await relayed).toBe(false);
    // Another address has a budget of its own.
    expect(await ask(b1, 'inform', { data: 'unaffected' })).toEqual({ ok: true, delivery: 'relayed' });
  });

  test('the budget comes back with the next second', async () => {
    let clock = 1_000_000;
    const url = await embed({ now: () => clock, ipLimits: { connections: 0, joinsPerMinute: 0, messagesPerSecond: 2 } });
    const [alice] = await pairOf(url, uniqueRoom(), ['alice'], ['bob']);
    expect(await ask(alice, 'inform', { data: 1 })).toEqual({ ok: true, delivery: 'relayed' });
    expect(await ask(alice, 'inform', { data: 2 })).toEqual({ ok: true, delivery: 'relayed' });
    clock += 400;
    expect(await ask(alice, 'inform', { data: 3 })).toEqual({ ok: false, error: { ...rateLimited, retryAfterMs: 600 } });
    clock += 600;
    expect(await ask(alice, 'inform', { data: 4 })).toEqual({ ok: true, delivery: 'relayed' });
  });
});

describe('which address a client has', () => {
  test('X-Forwarded-For is ignored unless the proxy is trusted', async () => {
    const { url } = await start({ ipLimits: { connections: 2, joinsPerMinute: 0, messagesPerSecond: 0 } });
    await joined(url, { roomId: uniqueRoom(), peerId: 'p1' }, '192.0.2.1');
    await joined(url, { roomId: uniqueRoom(), peerId: 'p2' }, '192.0.2.2');
    expect(await refused(url, { roomId: uniqueRoom(), peerId: 'p3' }, '192.0.2.3')).toEqual(rateLimited);
  });

  test('behind a trusted proxy each forwarded address has its own budget', async () => {
    const { url } = await start({ trustProxy: true, ipLimits: { connections: 1, joinsPerMinute: 0, messagesPerSecond: 0 } });
    await joined(url, { roomId: uniqueRoom(), peerId: 'p1' }, '192.0.2.1, 203.0.113.9');
    await joined(url, { roomId: uniqueRoom(), peerId: 'p2' }, '192.0.2.2');
    expect(await refused(url, { roomId: uniqueRoom(), peerId: 'p3' }, '192.0.2.1')).toEqual(rateLimited);
    // Not an address: the socket's own (loopback) counts, once.
    await joined(url, { roomId: uniqueRoom(), peerId: 'p4' }, 'unknown');
    expect(await refused(url, { roomId: uniqueRoom(), peerId: 'p5' }, '127.0.0.1')).toEqual(rateLimited);
  });

  test('addresses are read and grouped as a host has them', () => {
    const handshake = (address: string, forwarded?: string) => ({ address, headers: forwarded === undefined ? {} : { 'x-forwarded-for': forwarded } });
    expect(clientAddress(handshake('::ffff:192.0.2.1'), { trustProxy: false })).toBe('192.0.2.1');
    expect(clientAddress(handshake('127.0.0.1', ' ::FFFF:198.51.100.7 , 10.1.1.1'), { trustProxy: true })).toBe('198.51.100.7');
    expect(clientAddress(handshake('127.0.0.1', '198.51.100.7'), { trustProxy: false })).toBe('127.0.0.1');
    expect(clientAddress(handshake('127.0.0.1', '198.51.100.7:443'), { trustProxy: true })).toBe('127.0.0.1');
    expect(clientAddress(handshake('127.0.0.1', ''), { trustProxy: true })).toBe('127.0.0.1');
    expect(limitKey('192.0.2.1')).toBe('192.0.2.1');
    // One host gets a /64: its addresses in it count as one.
    expect(limitKey('2001:db8:0:12::1')).toBe('2001:db8:0:12::/64');
    expect(limitKey('2001:0db8:0000:0012:abcd:1:2:3')).toBe('2001:db8:0:12::/64');
    expect(limitKey('::1')).toBe('0:0:0:0::/64');
    expect(limitKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });
});
