// Join tokens: with a join secret, every join carries a JWT (HS256) for its room; a refused token
// says why, takes no seat, and never echoes the secret.
import { describe, expect, test } from 'vitest';
import { ConfigError, readConfig } from '../../server/config.js';
import { SECRET, mint, unsigned, type Claims } from '../helpers/join-token.js';
import { RELAYED, ask, join, next, record, refusal, seatSecretOf, serverPerTest, uniqueRoom, type TestServer } from '../helpers/server.js';

describe('join tokens', () => {
  const start = serverPerTest();
  const rooms = async (srv: TestServer) => srv.server.signalling.allRooms();

  test('a valid token admits, and its role and name win over what the client claims', async () => {
    const srv = await start({ joinSecret: SECRET });
    const roomId = uniqueRoom();
    const token = await mint({ room: roomId, sub: 'patient', role: 'patient', name: 'Ada L.' });
    const { joined } = await join(srv.url, { roomId, peerId: 'patient', displayName: 'Dr. Who', role: 'doctor', token });
    expect(joined).toMatchObject({ peerId: 'patient', displayName: 'Ada L.', role: 'patient' });
    // A token without `sub`, role or name admits any peer id, as it says it is.
    const open = await join(srv.url, { roomId, peerId: 'anyone', displayName: 'Grace', token: await mint({ room: roomId }) });
    expect(open.joined).toMatchObject({ peerId: 'anyone', displayName: 'Grace', role: null, peer: { peerId: 'patient', displayName: 'Ada L.' } });
  });

  test.each([
    ['expired', { exp: -60 }, /expired/],
    ['without an expiry', { exp: null }, /"exp"/],
    ['for another room', { room: 'another-room' }, /another room/],
    ['signed with another secret', { secret: 'not-the-secret-but-just-as-long-as-it' }, /signature/],
    ['for another peer id', { sub: 'bob' }, /another peer id/],
    ['with a name that is not text', { name: 42 }, /"name"/],
  ] as const)('a token %s is refused with its reason, and no seat is taken', async (_, change, reason) => {
    const srv = await start({ joinSecret: SECRET });
    const roomId = uniqueRoom();
    const { exp, secret, ...claims } = { exp: 60, secret: SECRET, room: roomId, sub: 'alice', ...change } as Claims & { exp: number | null; secret: string };
    const token = await mint(claims, { exp, secret });
    const refused = await refusal(srv.url, { roomId, peerId: 'alice', token });
    expect(refused).toEqual({ code: 'unauthorized', message: expect.stringMatching(reason) });
    expect(refused!.message).not.toContain(SECRET);
    expect(refused!.message).not.toContain(token);
    expect((await rooms(srv)).some((r) => r.id === roomId)).toBe(false);
  });

  test.each([
    ['missing', () => undefined, /needs a join token/],
    ['unsigned (alg none)', (roomId: string) => unsigned({ room: roomId, sub: 'alice' }), /HS256/],
    ['malformed', () => 'not.a.jwt', /malformed/],
  ] as const)('a %s token is refused with its reason, and the room is unchanged', async (_, token, reason) => {
    const srv = await start({ joinSecret: SECRET });
    const roomId = uniqueRoom();
    const alice = await join(srv.url, { roomId, peerId: 'alice', token: await mint({ room: roomId, sub: 'alice' }) });
    const aliceSaw = record(alice.socket);
    const before = await rooms(srv);
    const refused = await refusal(srv.url, { roomId, peerId: 'bob', token: token(roomId) });
    expect(refused).toEqual({ code: 'unauthorized', message: expect.stringMatching(reason) });
    expect(await rooms(srv)).toEqual(before);
    expect(aliceSaw).toEqual([]);
  });

  test('a token for the peer id takes its held seat without the secret, and renews the secret', async () => {
    const srv = await start({ joinSecret: SECRET });
    const roomId = uniqueRoom();
    const first = await join(srv.url, { roomId, peerId: 'alice', token: await mint({ room: roomId, sub: 'alice' }) });
    const bob = await join(srv.url, { roomId, peerId: 'bob', token: await mint({ room: roomId, sub: 'bob' }) });
    const oldSecret = first.joined.seatSecret;

    // A token for the room alone is not enough to take Alice's seat.
    const roomOnly = await mint({ room: roomId });
    expect(await refusal(srv.url, { roomId, peerId: 'alice', session: 'other', token: roomOnly, seatSecret: undefined })).toMatchObject({ code: 'seat-taken' });

    const replaced = next(first.socket, 'replaced');
    const again = await join(srv.url, { roomId, peerId: 'alice', session: 'new-device', token: await mint({ room: roomId, sub: 'alice' }), seatSecret: undefined });
    await replaced;
    expect(again.joined.seatSecret).not.toBe(oldSecret);
    expect(seatSecretOf(roomId, 'alice')).toBe(again.joined.seatSecret);
    // The old secret no longer takes the seat, even with a token for the room.
    expect(await refusal(srv.url, { roomId, peerId: 'alice', session: 'old-tab', token: roomOnly, seatSecret: oldSecret })).toMatchObject({ code: 'seat-taken' });
    const toBob = next(bob.socket, 'information');
    expect(await ask(again.socket, 'inform', { data: 'same person, new device' })).toEqual(RELAYED);
    expect(await toBob).toMatchObject({ from: 'alice' });
  });

  test('without a join secret, rooms stay open', async () => {
    const srv = await start();
    const { joined } = await join(srv.url, { roomId: uniqueRoom(), peerId: 'alice' });
    expect(joined.peerId).toBe('alice');
  });
});

describe('the join secret in the configuration', () => {
  test('CIGNAL_JOIN_SECRET is read, and one shorter than 32 characters is refused without echoing it', () => {
    expect(readConfig({ CIGNAL_JOIN_SECRET: SECRET }).joinSecret).toBe(SECRET);
    expect(readConfig({}).joinSecret).toBeNull();
    expect(() => readConfig({ CIGNAL_JOIN_SECRET: 'short-secret' })).toThrow(ConfigError);
    expect(() => readConfig({ CIGNAL_JOIN_SECRET: 'short-secret' })).toThrow(/at least 32 characters/);
    expect(() => readConfig({ CIGNAL_JOIN_SECRET: 'short-secret' })).not.toThrow(/short-secret/);
  });
});
