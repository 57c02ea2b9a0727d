// Readiness (/readyz) and the admin API (/admin/rooms, /admin/rooms/count) of one server with
// rooms in memory, over real HTTP and real sockets.
import { afterEach, describe, expect, test } from 'vitest';
import { ConfigError, readConfig } from '../../server/config.js';
import { MemoryRoomStore } from '../../server/rooms/memory.js';
import { closeAll, join, pair, startServer, uniqueRoom, type TestServer } from '../helpers/server.js';

const ADMIN = 'admin-token-of-at-least-32-characters!';

const servers: TestServer[] = [];
afterEach(async () => {
  closeAll();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function start(...args: Parameters<typeof startServer>): Promise<TestServer> {
  const server = await startServer(...args);
  servers.push(server);
  return server;
}

const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('/readyz', () => {
  test('answers 200 while the server can serve, never cached; /healthz keeps its body', async () => {
    const { url } = await start();

    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(ready.headers.get('cache-control')).toBe('no-store');
    expect(ready.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await ready.json()).toEqual({ ok: true });
    expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ ok: true, version: expect.any(String), rooms: 0 });
    expect((await fetch(`${url}/readyz`, { method: 'POST' })).status).toBe(405);
  });

  test('says 503 shutting-down as soon as the shutdown begins, while the server still answers and /healthz stays ok', async () => {
    // A store whose hand-over at shutdown waits for the test, as a networked store's takes a round trip.
    let handOver!: () => void;
    const handingOver = new Promise<void>((resolve) => (handOver = resolve));
    class SlowToRelease extends MemoryRoomStore {
      release(): Promise<void> {
        return handingOver;
      }
    }
    const { url, server } = await start({}, { store: new SlowToRelease() });
    const [alice] = await pair(url, uniqueRoom());
    const told = new Promise((resolve) => alice.once('serverClosing', resolve));

    const closed = server.close();
    await told;
    const reply = await fetch(`${url}/readyz`);
    expect(reply.status).toBe(503);
    expect(reply.headers.get('cache-control')).toBe('no-store');
    const body = await reply.text();
    expect(body).not.toContain('\n');
    expect(JSON.parse(body)).toEqual({ ok: false, reason: 'shutting-down' });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);

    handOver();
    await closed;
  });
});

describe('the admin API', () => {
  test('without CIGNAL_ADMIN_TOKEN it does not exist: 404, token or not', async () => {
    const { url } = await start();

    for (const path of ['/admin/rooms', '/admin/rooms/count']) {
      expect((await fetch(`${url}${path}`)).status).toBe(404);
      expect((await fetch(`${url}${path}`, { headers: bearer(ADMIN) })).status).toBe(404);
    }
  });

  test('with it, no bearer or a wrong one is 401 with WWW-Authenticate: Bearer, and shows nothing', async () => {
    const { url } = await start({ adminToken: ADMIN });
    await pair(url, uniqueRoom('secret-room'));

    for (const path of ['/admin/rooms', '/admin/rooms/count']) {
      for (const headers of [{} as Record<string, string>, bearer(ADMIN.slice(0, -1)), bearer(`${ADMIN}x`), bearer(ADMIN.replace(/^a/, 'b')), { Authorization: ADMIN }]) {
        const reply = await fetch(`${url}${path}`, { headers });
        expect(reply.status).toBe(401);
        expect(reply.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
        const body = await reply.text();
        expect(body).not.toContain('secret-room');
        expect(body).not.toMatch(/count/);
      }
    }
  });

  test('/admin/rooms/count counts the rooms and /admin/rooms lists them as allRooms() does, with no secret, socket, session or SDP in them', async () => {
    const { url } = await start({ adminToken: ADMIN });
    const roomId = uniqueRoom('listed');
    const alice = await join(url, { roomId, peerId: 'alice', displayName: 'Alice', session: 'alice-session-marker' });
    const bob = await join(url, { roomId, peerId: 'bob', role: 'host', session: 'bob-session-marker' });
    const carol = await join(url, { roomId: uniqueRoom('alone'), peerId: 'carol' });

    const count = await fetch(`${url}/admin/rooms/count`, { headers: bearer(ADMIN) });
    expect(count.status).toBe(200);
    expect(count.headers.get('cache-control')).toBe('no-store');
    expect(await count.json()).toEqual({ count: 2 });

    const reply = await fetch(`${url}/admin/rooms`, { headers: bearer(ADMIN) });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('cache-control')).toBe('no-store');
    const text = await reply.text();
    const body = JSON.parse(text);
    expect(body).toEqual({
      rooms: [
        {
          id: roomId,
          createdAt: expect.any(Number),
          peers: [
            { peerId: 'alice', displayName: 'Alice', role: null, joinedAt: expect.any(Number) },
            { peerId: 'bob', displayName: expect.any(String), role: 'host', joinedAt: expect.any(Number) },
          ],
        },
        { id: expect.stringMatching(/^alone-/), createdAt: expect.any(Number), peers: [{ peerId: 'carol', displayName: expect.any(String), role: null, joinedAt: expect.any(Number) }] },
      ],
      total: 2,
      next: null,
    });
    expect(body.rooms).toEqual(await servers[0]!.server.signalling.allRooms());
    // Nothing a client could use to take a seat, reach a socket or read a call.
    for (const secret of [alice.joined.seatSecret, bob.joined.seatSecret, carol.joined.seatSecret, alice.socket.id!, bob.socket.id!, 'alice-session-marker', 'bob-session-marker']) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toMatch(/secret|session|socket|awayUntil|sdp|token/i);
  });

  test('/admin/rooms lists a page at a time, oldest first, with the address of the next page', async () => {
    const { url } = await start({ adminToken: ADMIN });
    const ids = [uniqueRoom('p1'), uniqueRoom('p2'), uniqueRoom('p3')];
    for (const roomId of ids) await join(url, { roomId, peerId: 'alice' });

    const first = await (await fetch(`${url}/admin/rooms?limit=2`, { headers: bearer(ADMIN) })).json();
    expect(first.rooms.map((room: { id: string }) => room.id)).toEqual(ids.slice(0, 2));
    expect(first).toMatchObject({ total: 3, next: '/admin/rooms?offset=2&limit=2' });
    const second = await (await fetch(`${url}${first.next}`, { headers: bearer(ADMIN) })).json();
    expect(second.rooms.map((room: { id: string }) => room.id)).toEqual(ids.slice(2));
    expect(second).toMatchObject({ total: 3, next: null });

    for (const query of ['limit=0', 'limit=1001', 'limit=x', 'offset=-1', 'offset=1e3', 'limit=2&limit=3']) {
      const reply = await fetch(`${url}/admin/rooms?${query}`, { headers: bearer(ADMIN) });
      expect(reply.status, query).toBe(400);
      expect(await reply.text()).toMatch(/^(limit|offset) must be a whole number from \d+ to \d+\.\n$/);
    }
  });

  test('the token is checked at start: one shorter than 32 characters stops the server, without echoing it', () => {
    expect(readConfig({ CIGNAL_ADMIN_TOKEN: ADMIN }).adminToken).toBe(ADMIN);
    expect(readConfig({}).adminToken).toBeNull();
    expect(() => readConfig({ CIGNAL_ADMIN_TOKEN: 'short-admin' })).toThrow(ConfigError);
    expect(() => readConfig({ CIGNAL_ADMIN_TOKEN: 'short-admin' })).toThrow(/CIGNAL_ADMIN_TOKEN must be at least 32 characters/);
    expect(() => readConfig({ CIGNAL_ADMIN_TOKEN: 'short-admin' })).not.toThrow(/short-admin/);
  });
});
