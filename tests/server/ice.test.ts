// ICE configuration handed to each peer on join: the configured servers plus, with a TURN secret,
// short-lived credentials in the TURN REST API scheme that coturn's use-auth-secret checks.
import { createHmac } from 'node:crypto';
import { expect, test } from 'vitest';
import { join, next, serverPerTest, uniqueRoom } from '../helpers/server.js';

const startServer = serverPerTest();

test('with a TURN secret configured, each peer gets its own credentials that a TURN server can verify', async () => {
  const stun = { urls: 'stun:stun.example.org:3478' };
  const turn = { secret: 'correct horse battery staple', urls: ['turn:turn.example.org:3478?transport=udp', 'turns:turn.example.org:5349'], ttlSeconds: 3_600 };
  const server = await startServer({ iceServers: [stun], turn });
  const roomId = uniqueRoom();

  const before = Math.floor(Date.now() / 1000);
  const alice = await join(server.url, { roomId, peerId: 'alice' });
  const heard = next(alice.socket, 'peerJoined');
  const bob = await join(server.url, { roomId, peerId: 'bob' });
  await heard;
  const after = Math.floor(Date.now() / 1000);

  for (const [peerId, joined] of [['alice', alice.joined], ['bob', bob.joined]] as const) {
    expect(joined.iceServers).toHaveLength(2);
    expect(joined.iceServers[0]).toEqual(stun);
    const relay = joined.iceServers[1]!;
    expect(relay.urls).toEqual(turn.urls);
    const [expiry, user] = relay.username!.split(':');
    expect(user).toBe(peerId);
    expect(Number(expiry)).toBeGreaterThanOrEqual(before + turn.ttlSeconds);
    expect(Number(expiry)).toBeLessThanOrEqual(after + turn.ttlSeconds);
    // What coturn computes from its copy of the secret.
    expect(relay.credential).toBe(createHmac('sha1', turn.secret).update(relay.username!).digest('base64'));
  }
  expect(alice.joined.iceServers[1]!.credential).not.toBe(bob.joined.iceServers[1]!.credential);
});

test('without a TURN secret, peers get exactly the configured ICE servers', async () => {
  const iceServers = [{ urls: ['stun:a.example.org', 'stun:b.example.org'] }, { urls: 'turn:turn.example.org', username: 'static', credential: 'pw' }];
  const server = await startServer({ iceServers, turn: null });

  const { joined } = await join(server.url, { roomId: uniqueRoom(), peerId: 'alice' });

  expect(joined.iceServers).toEqual(iceServers);
});
