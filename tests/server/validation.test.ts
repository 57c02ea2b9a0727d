// Hostile and broken input: every client event and the join handshake are validated, bad input is
// answered with a coded error (or dropped when there is no ack), and the server keeps serving.
import { describe, expect, test } from 'vitest';
import { Limits } from '../../sdk/protocol/index.js';
import { allRooms } from '../../server/index.js';
import {
  arrives,
  ask,
  client,
  join,
  loose,
  next,
  pair,
  record,
  refusal,
  serverPerTest,
  uniqueRoom,
  type ClientSocket,
  RELAYED,
  KEPT,
} from '../helpers/server.js';

const start = serverPerTest();

const connection = 'pc-alice';
const sdp = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n';
const valid = {
  offer: { description: { type: 'offer', sdp }, connection },
  answer: { description: { type: 'answer', sdp }, connection },
  candidate: { candidate: { candidate: 'candidate:1 1 udp 1 192.0.2.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 }, connection },
  inform: { data: { text: 'hello' } },
  mediaState: { microphone: true, camera: false, screenShare: false, seq: 3 },
} as const;

/** Payloads that are wrong for any event. */
const notAnObject: Array<[string, unknown]> = [
  ['no payload', undefined],
  ['a string', 'hello'],
  ['a number', 42],
  ['null', null],
  ['an array', [valid.offer]],
  ['an empty object', {}],
];

function description(type: 'offer' | 'answer'): Array<[string, unknown]> {
  const good = valid[type];
  return [
    ...notAnObject,
    ['a missing connection', { description: good.description }],
    ['a missing description', { connection }],
    ['a description that is a string', { description: sdp, connection }],
    ['the wrong description type', { description: { type: type === 'offer' ? 'answer' : 'offer', sdp }, connection }],
    ['a missing sdp', { description: { type }, connection }],
    ['an sdp that is a number', { description: { type, sdp: 42 }, connection }],
    ['an empty sdp', { description: { type, sdp: '' }, connection }],
    ['an sdp over 32 KiB', { description: { type, sdp: 'a'.repeat(Limits.sdpMaxLength + 1) }, connection }],
    ['a connection with a path in it', { ...good, connection: '../x' }],
    ['a connection that is a number', { ...good, connection: 7 }],
    ['a connection over 64 characters', { ...good, connection: 's'.repeat(65) }],
    ['a target connection with a path in it', { ...good, to: '../x' }],
    ['a target connection that is a number', { ...good, to: 7 }],
  ];
}

const badPayloads: Record<'offer' | 'answer' | 'candidate' | 'inform' | 'mediaState', Array<[string, unknown]>> = {
  offer: description('offer'),
  answer: description('answer'),
  candidate: [
    ...notAnObject,
    ['a missing connection', { candidate: valid.candidate.candidate }],
    ['a candidate that is a string', { candidate: 'candidate:1 1 udp 1 192.0.2.1 9 typ host', connection }],
    ['a candidate line that is a number', { candidate: { candidate: 1 }, connection }],
    ['a candidate line over 1 KiB', { candidate: { candidate: 'c'.repeat(Limits.candidateMaxLength + 1) }, connection }],
    ['a negative m-line index', { candidate: { candidate: '', sdpMLineIndex: -1 }, connection }],
    ['a fractional m-line index', { candidate: { candidate: '', sdpMLineIndex: 0.5 }, connection }],
    ['an m-line index that is a string', { candidate: { candidate: '', sdpMLineIndex: '0' }, connection }],
    ['an sdpMid that is a number', { candidate: { candidate: '', sdpMid: 0 }, connection }],
    ['an oversized username fragment', { candidate: { candidate: '', usernameFragment: 'u'.repeat(257) }, connection }],
    ['a target connection that is an object', { ...valid.candidate, to: { id: 'x' } }],
  ],
  mediaState: [
    ...notAnObject,
    ['a missing field', { microphone: true, camera: true, seq: 1 }],
    ['a flag that is a string', { ...valid.mediaState, camera: 'off' }],
    ['a flag that is a number', { ...valid.mediaState, microphone: 1 }],
    ['a missing seq', { microphone: true, camera: true, screenShare: false }],
    ['a negative seq', { ...valid.mediaState, seq: -1 }],
    ['a fractional seq', { ...valid.mediaState, seq: 1.5 }],
    ['a seq that is a string', { ...valid.mediaState, seq: '2' }],
    ['a pause reason over 32 characters', { ...valid.mediaState, cameraPaused: 'b'.repeat(33) }],
    ['a pause reason that is not a lowercase word', { ...valid.mediaState, cameraPaused: 'Paused <b>now</b>' }],
    ['a pause reason that is a boolean', { ...valid.mediaState, cameraPaused: true }],
  ],
  inform: [
    ...notAnObject,
    ['no data field', { text: 'hello' }],
    ['data over 16 KiB as JSON', { data: 'x'.repeat(Limits.informMaxBytes) }],
    ['nested data over 16 KiB as JSON', { data: { list: Array.from({ length: 2_000 }, (_, i) => `item-${i}`) } }],
    // Binary travels outside the JSON: the server measures it as JSON too, where it is far larger.
    ['binary data over 16 KiB as JSON', { data: Buffer.alloc(9_000) }],
    ['a message id with a path in it', { data: 'hi', id: '../1' }],
    ['a message id that is a number', { data: 'hi', id: 12 }],
  ],
};

/** Sends each bad payload with an ack and collects the answers. */
function askAll(socket: ClientSocket, event: string, cases: Array<[string, unknown]>) {
  return Promise.all(
    cases.map(async ([name, payload]) => [name, await (payload === undefined ? ask(socket, event) : ask(socket, event, payload))] as const),
  );
}

/** Sends each bad payload without an ack. */
function sendAll(socket: ClientSocket, event: string, cases: Array<[string, unknown]>) {
  for (const [, payload] of cases) {
    if (payload === undefined) loose(socket).emit(event);
    else loose(socket).emit(event, payload);
  }
}

const invalid = { ok: false, error: { code: 'invalid-payload', message: expect.stringMatching(/\S/) } };

/** A new pair can join a new room and talk both ways. */
async function expectServerStillServes(url: string) {
  const [alice, bob] = await pair(url, uniqueRoom('fresh'));
  const toBob = next(bob, 'information');
  expect(await ask(alice, 'inform', { data: 'ping' })).toEqual(RELAYED);
  expect(await toBob).toEqual({ data: 'ping', from: 'alice' });
  const toAlice = next(alice, 'offer');
  loose(bob).emit('offer', valid.offer);
  expect(await toAlice).toEqual({ ...valid.offer, from: 'bob' });
}

describe('malformed client events', () => {
  test.each(['offer', 'answer', 'candidate', 'mediaState'] as const)('a malformed %s is answered invalid-payload with an ack and dropped without one', async (event) => {
    const { url } = await start();
    const [alice, bob] = await pair(url, uniqueRoom());
    const bobEvents = record(bob);

    const answers = await askAll(alice, event, badPayloads[event]);
    expect(answers).toEqual(badPayloads[event].map(([name]) => [name, invalid]));

    sendAll(alice, event, badPayloads[event]);
    const delivered = next(bob, event);
    loose(alice).emit(event, valid[event]);
    // Messages arrive in order: had any bad one been relayed, it would have come first.
    expect(await delivered).toEqual({ ...valid[event], from: 'alice' });
    expect(bobEvents).toEqual([[event, { ...valid[event], from: 'alice' }]]);
    await expectServerStillServes(url);
  });

  test('a malformed inform is answered invalid-payload, and an inform without an ack is dropped', async () => {
    const { url } = await start();
    const [alice, bob] = await pair(url, uniqueRoom());
    const bobEvents = record(bob);

    const answers = await askAll(alice, 'inform', badPayloads.inform);
    expect(answers).toEqual(badPayloads.inform.map(([name]) => [name, invalid]));

    sendAll(alice, 'inform', badPayloads.inform);
    // Even a well-formed inform is dropped when it brings no ack to answer.
    loose(alice).emit('inform', { data: 'no ack' });
    const delivered = next(bob, 'information');
    expect(await ask(alice, 'inform', valid.inform)).toEqual(RELAYED);
    expect(await delivered).toEqual({ ...valid.inform, from: 'alice' });
    expect(bobEvents).toEqual([['information', { ...valid.inform, from: 'alice' }]]);
  });

  test('payloads exactly at the size limits are accepted, one past them are refused', async () => {
    const { url } = await start();
    const [alice, bob] = await pair(url, uniqueRoom());

    const largestSdp = 'a'.repeat(Limits.sdpMaxLength);
    const relayed = next<{ description: { sdp: string } }>(bob, 'offer');
    expect(await ask(alice, 'offer', { description: { type: 'offer', sdp: largestSdp }, connection })).toEqual(RELAYED);
    expect((await relayed).description.sdp).toBe(largestSdp);
    expect(await ask(alice, 'offer', { description: { type: 'offer', sdp: largestSdp + 'a' }, connection })).toEqual(invalid);

    // A JSON string is its characters plus two quotes.
    const largestData = 'x'.repeat(Limits.informMaxBytes - 2);
    const informed = next<{ data: string }>(bob, 'information');
    expect(await ask(alice, 'inform', { data: largestData })).toEqual(RELAYED);
    expect((await informed).data).toBe(largestData);
    expect(await ask(alice, 'inform', { data: largestData + 'x' })).toEqual(invalid);
  });

  test('unknown fields are stripped before relaying, at every level of the payload', async () => {
    const { url } = await start();
    const [alice, bob] = await pair(url, uniqueRoom());
    const relayed = next(bob, 'candidate');

    loose(alice).emit('candidate', {
      candidate: { ...valid.candidate.candidate, script: '<img onerror=alert(1)>' },
      connection,
      from: 'mallory',
      peerId: 'mallory',
      extra: { a: 'x'.repeat(1_000) },
    });

    expect(await relayed).toEqual({ ...valid.candidate, from: 'alice' });
  });

  test('unknown events are answered unknown-event with an ack, ignored without one, and never relayed', async () => {
    const { url } = await start();
    const [alice, bob] = await pair(url, uniqueRoom());
    const bobEvents = record(bob);
    // Names of events the server sends, or that socket.io objects have, must not be accepted from a client.
    const names = ['hello', 'joined', 'peerJoined', 'information', 'replaced', 'constructor', '__proto__', 'toString', 'x'.repeat(500)];

    for (const name of names) {
      expect(await ask(alice, name, valid.offer)).toEqual({ ok: false, error: { code: 'unknown-event', message: expect.any(String) } });
    }
    for (const name of names) loose(alice).emit(name, valid.offer);

    expect(await arrives(bob, 'offer')).toBe(false);
    expect(bobEvents).toEqual([]);
    expect(alice.connected).toBe(true);
    const toBob = next(bob, 'information');
    expect(await ask(alice, 'inform', { data: 'still fine' })).toEqual(RELAYED);
    expect(await toBob).toEqual({ data: 'still fine', from: 'alice' });
  });
});

const validRoom = 'valid-room';
/** Join requests that must be refused, each with one thing wrong. */
const handshakes: Array<[string, Record<string, unknown>]> = [
  ['no roomId', { peerId: 'p' }],
  ['an empty roomId', { roomId: '', peerId: 'p' }],
  ['a roomId with a path in it', { roomId: '../x', peerId: 'p' }],
  ['a roomId with spaces', { roomId: 'my room', peerId: 'p' }],
  ['a roomId with non-ASCII letters', { roomId: 'sala-é', peerId: 'p' }],
  ['a roomId over 64 characters', { roomId: 'r'.repeat(Limits.idMaxLength + 1), peerId: 'p' }],
  ['a roomId that is a number', { roomId: 42, peerId: 'p' }],
  ['a roomId that is an object', { roomId: { $ne: null }, peerId: 'p' }],
  ['no peerId', { roomId: validRoom }],
  ['a peerId with a slash', { roomId: validRoom, peerId: 'a/b' }],
  ['a peerId over 64 characters', { roomId: validRoom, peerId: 'p'.repeat(Limits.idMaxLength + 1) }],
  ['no session', { roomId: validRoom, peerId: 'p', session: undefined }],
  ['a session with spaces', { roomId: validRoom, peerId: 'p', session: 'a b' }],
  ['a session over 64 characters', { roomId: validRoom, peerId: 'p', session: 's'.repeat(Limits.sessionMaxLength + 1) }],
  ['a displayName with a NUL character', { roomId: validRoom, peerId: 'p', displayName: 'Bob\u0000' }],
  ['a displayName with a newline', { roomId: validRoom, peerId: 'p', displayName: 'Bob\nAlice' }],
  ['a displayName with DEL', { roomId: validRoom, peerId: 'p', displayName: 'Bob\u007f' }],
  ['a displayName over 64 characters', { roomId: validRoom, peerId: 'p', displayName: 'n'.repeat(Limits.displayNameMaxLength + 1) }],
  ['a displayName that is not a string', { roomId: validRoom, peerId: 'p', displayName: ['Bob'] }],
  ['a role with a tab', { roomId: validRoom, peerId: 'p', role: 'a\tb' }],
  ['a role over 32 characters', { roomId: validRoom, peerId: 'p', role: 'r'.repeat(Limits.roleMaxLength + 1) }],
];

describe('malformed join handshakes', () => {
  test.each(handshakes)('a join with %s is refused with invalid-payload', async (_name, auth) => {
    const { url } = await start();

    const refused = await refusal(url, auth);

    expect(refused).toEqual({ code: 'invalid-payload', message: expect.stringMatching(/\S/) });
    expect(await allRooms()).toEqual([]);
  });

  test('ids and names exactly at their length limits are accepted', async () => {
    const { url } = await start();
    const auth = {
      roomId: 'r'.repeat(Limits.idMaxLength),
      peerId: 'p'.repeat(Limits.idMaxLength),
      session: 's'.repeat(Limits.sessionMaxLength),
      displayName: 'Zoë-'.repeat(Limits.displayNameMaxLength / 4),
      role: 'r'.repeat(Limits.roleMaxLength),
    };

    const { joined } = await join(url, auth);

    expect(joined).toMatchObject({ roomId: auth.roomId, peerId: auth.peerId, displayName: auth.displayName, role: auth.role });
  });

  test.each([
    ['a string', 'room=1&peer=2'],
    ['an array', ['room', 'peer']],
    ['null', null],
    ['a number', 42],
  ])('a handshake whose auth is %s is never admitted', async (_name, auth) => {
    const srv = await start();
    const socket = client(srv.url, {}, false);
    (socket as unknown as { auth: unknown }).auth = auth;
    const events = record(socket);
    // socket.io's own parser cuts off a handshake whose auth is a string or an array before any
    // middleware runs; whatever else gets through must be refused by validation.
    const outcome = new Promise<string>((resolve) => {
      socket.once('disconnect', () => resolve('closed'));
      socket.once('connect_error', (error: Error & { data?: { code?: string } }) => resolve(`refused:${error.data?.code}`));
      socket.once('connect', () => resolve('connected'));
    });

    socket.connect();

    expect(['closed', 'refused:invalid-payload']).toContain(await outcome);
    expect(socket.connected).toBe(false);
    expect(events.map(([event]) => event)).not.toContain('joined');
    expect(await allRooms()).toEqual([]);
    await expectServerStillServes(srv.url);
  });
});

describe('surviving abuse', () => {
  test('a message larger than the server accepts cuts off only its sender', async () => {
    const { url } = await start();
    const [vandal, partner] = await pair(url, uniqueRoom('vandal'));
    const [carol, dave] = await pair(url, uniqueRoom('bystanders'), 'carol', 'dave');
    const partnerEvents = record(partner);
    const cutOff = next<string>(vandal, 'disconnect');

    // Well over maxHttpBufferSize (the largest SDP plus 8 KiB).
    loose(vandal).emit('offer', { description: { type: 'offer', sdp: 'a'.repeat(200 * 1024) }, connection: 'pc-alice' });

    expect(await cutOff).toMatch(/transport/);
    expect(partnerEvents.filter(([event]) => event === 'offer')).toEqual([]);
    const toDave = next(dave, 'information');
    expect(await ask(carol, 'inform', { data: 'unaffected' })).toEqual(RELAYED);
    expect(await toDave).toEqual({ data: 'unaffected', from: 'carol' });
    await expectServerStillServes(url);
  });

  test('after a barrage of garbage from one room, other rooms and new pairs work as before', async () => {
    const { url } = await start();
    const bystanderRoom = uniqueRoom('bystanders');
    const [carol, dave] = await pair(url, bystanderRoom, 'carol', 'dave');
    const daveEvents = record(dave);
    const [vandal, accomplice] = await pair(url, uniqueRoom('vandal'));

    for (const event of ['offer', 'answer', 'candidate', 'inform', 'mediaState'] as const) {
      sendAll(vandal, event, badPayloads[event]);
      sendAll(accomplice, event, badPayloads[event]);
    }
    for (const name of ['hello', 'joined', '__proto__']) loose(vandal).emit(name, { from: 'carol' });
    // Forged identities aimed at the bystanders' room.
    const forged = next(accomplice, 'offer');
    loose(vandal).emit('offer', { ...valid.offer, from: 'carol', roomId: bystanderRoom, peerId: 'dave' });
    expect(await forged).toEqual({ ...valid.offer, from: 'alice' });
    const refusals = await Promise.all(handshakes.slice(0, 8).map(([, auth]) => refusal(url, auth)));
    expect(refusals.map((r) => r?.code)).toEqual(Array(8).fill('invalid-payload'));

    expect(daveEvents).toEqual([]);
    const toDave = next(dave, 'information');
    expect(await ask(carol, 'inform', { data: 'all quiet' })).toEqual(RELAYED);
    expect(await toDave).toEqual({ data: 'all quiet', from: 'carol' });
    expect((await allRooms()).find((r) => r.id === bystanderRoom)?.peers.map((p) => p.peerId)).toEqual(['carol', 'dave']);
    await expectServerStillServes(url);
  });
});
