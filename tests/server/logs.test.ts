// The logs, all of them on (`DEBUG=cignal:*` on the server, `cignal-client:*` in the SDK, and the
// server's JSON activity log), through a call's signalling with a join token, seat secrets, TURN
// credentials and an offer, and through refusals: none of those values appears in what is logged.
import createDebug from 'debug';
import { format } from 'node:util';
import { afterEach, beforeEach, expect, test, vi } from 'vitest';
import { Logger } from '../../sdk/logger.js';
import type { JoinedPayload } from '../../sdk/protocol/index.js';
import { SignalClient, type SignalHandlers } from '../../sdk/signal-client.js';
import { SECRET, mint } from '../helpers/join-token.js';
import { KEPT, RELAYED, ask, closeAll, dropConnection, join, next, refusal, startServer, uniqueRoom, type TestServer } from '../helpers/server.js';

const lines: string[] = [];
/** The activity log's JSON lines, as written. */
const activity: string[] = [];
let server: TestServer | undefined;
const restore: Array<() => void> = [];

beforeEach(() => {
  // The server's `debug` namespaces, as DEBUG=cignal:* enables them, written here instead of stderr.
  const previousLog = createDebug.log;
  const previousNamespaces = createDebug.disable();
  createDebug.log = (...args: unknown[]) => void lines.push(format(...args));
  createDebug.enable('cignal:*');
  // The SDK's logger, as `localStorage.debug = 'cignal-client:*'` enables it in a browser.
  vi.stubGlobal('localStorage', { getItem: (key: string) => (key === 'debug' ? 'cignal-client:*' : null) });
  for (const method of ['debug', 'info', 'warn', 'error', 'log'] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void lines.push(format(...args)));
  }
  restore.push(() => {
    createDebug.log = previousLog;
    createDebug.enable(previousNamespaces);
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  });
});

afterEach(async () => {
  closeAll();
  await server?.close();
  for (const undo of restore.splice(0)) undo();
  lines.length = 0;
  activity.length = 0;
});

const ignore = () => {};
const quiet: Omit<SignalHandlers, 'joined' | 'refused'> = {
  ended: ignore,
  dropped: ignore,
  replaced: ignore,
  peerJoined: ignore,
  peerLeft: ignore,
  offer: ignore,
  answer: ignore,
  candidate: ignore,
  restartIce: ignore,
  decline: ignore,
  information: ignore,
  mediaState: ignore,
};

test('with every log on, no SDP, join token, seat secret, TURN credential or operator token is ever logged', async () => {
  const turnSecret = 'turn-shared-secret-never-to-be-logged';
  const metricsToken = 'metrics-token-never-to-be-logged-0123456789';
  const adminToken = 'admin-token-never-to-be-logged-0123456789';
  let written: (line: string) => void = () => {};
  server = await startServer(
    { joinSecret: SECRET, reconnectGraceMs: 10_000, turn: { secret: turnSecret, urls: ['turn:turn.example.com:3478'], ttlSeconds: 3_600 }, logFormat: 'json', logLevel: 'trace', metricsToken, adminToken },
    { logDestination: { write: (line: string) => (activity.push(line), written(line)) } },
  );
  const { url } = server;
  const roomId = uniqueRoom();
  const aliceToken = await mint({ room: roomId, sub: 'alice', name: 'Alice' });
  const bobToken = await mint({ room: roomId, sub: 'bob' });

  // Alice through the SDK's own connection, which logs as the SDK does.
  const joins: JoinedPayload[] = [];
  const alice = new SignalClient(
    { url, auth: { roomId, peerId: 'alice', session: 'alice-1', token: aliceToken }, timeoutMs: 5_000, maxOutageMs: 30_000, logger: new Logger('Room') },
    { ...quiet, joined: (payload) => joins.push(payload), refused: ignore },
  );
  restore.push(() => alice.close());
  expect(await alice.connect()).toBe(true);
  const bob = await join(url, { roomId, peerId: 'bob', token: bobToken });

  // An offer, relayed, and then kept while Bob is away.
  const sdp = 'v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\na=fingerprint:sha-256 SECRET-SDP-MARKER\r\n';
  const offered = next(bob.socket, 'offer');
  expect(await alice.request('offer', { description: { type: 'offer', sdp }, connection: 'pc-alice' })).toEqual(RELAYED);
  await offered;
  await dropConnection(bob.socket, server);
  expect(await alice.request('offer', { description: { type: 'offer', sdp }, connection: 'pc-alice-2' })).toEqual(KEPT);

  // Alice's connection drops and comes back with her seat secret; an intruder with a wrong one,
  // or a forged token, is refused.
  const rejoined = alice.rejoined();
  alice.reconnect();
  expect(await rejoined).toBe(true);
  expect(joins.map((j) => j.resumed)).toEqual([false, true]);
  const wrongSecret = 'W'.repeat(43);
  expect(await refusal(url, { roomId, peerId: 'alice', session: 'intruder', token: await mint({ room: roomId }), seatSecret: wrongSecret })).toMatchObject({ code: 'seat-taken' });
  const forged = await mint({ room: roomId, sub: 'alice' }, { secret: 'another-secret-that-is-long-enough-too' });
  expect(await refusal(url, { roomId, peerId: 'alice', session: 'intruder', token: forged })).toMatchObject({ code: 'unauthorized' });
  expect(await refusal(url, { roomId, peerId: 'carol', session: 'carol', token: await mint({ room: 'elsewhere' }) })).toMatchObject({ code: 'unauthorized' });

  // An operator's tools, with their tokens and with wrong ones.
  for (const [path, token] of [['/metrics', metricsToken], ['/admin/rooms', adminToken]] as const) {
    expect((await fetch(`${url}${path}`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await fetch(`${url}${path}`, { headers: { Authorization: `Bearer ${token.toUpperCase()}` } })).status).toBe(401);
  }

  // Alice hangs up: her seat is freed at once, which the activity log says.
  const left = new Promise<void>((resolve) => (written = (line) => JSON.parse(line).event === 'leave' && resolve()));
  alice.close();
  await left;

  const turn = joins[0]!.iceServers.find((server) => server.credential);
  expect(turn?.credential).toBeTruthy();
  const secrets = {
    sdp: 'SECRET-SDP-MARKER',
    'the SDP': sdp.trim(),
    'a join token': aliceToken,
    "a join token's signature": aliceToken.split('.')[2]!,
    'another join token': bobToken,
    'a forged token': forged,
    'the join secret': SECRET,
    "Alice's seat secret": joins[0]!.seatSecret,
    "Bob's seat secret": bob.joined.seatSecret,
    'a wrong seat secret': wrongSecret,
    'the TURN secret': turnSecret,
    'a TURN credential': String(turn!.credential),
    'the metrics token': metricsToken,
    'the admin token': adminToken,
  };
  const log = lines.join('\n');
  // The logs were on: joins, the drop and the refusals are there.
  expect(log).toMatch(/cignal:signalling alice joined room/);
  expect(log).toMatch(/cignal:signalling refused alice in room .*: its seat is held/);
  expect(log).toMatch(/cignal-client:Room socket disconnected/);
  for (const [what, value] of Object.entries(secrets)) expect(log.includes(value), `${what} appears in the log`).toBe(false);

  // The activity log: one JSON line each for the joins, the resume, the refusals and the leave.
  const entries = activity.map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(entries.map((entry) => [entry.event, entry.peer, entry.code ?? entry.reason ?? entry.resumed])).toEqual([
    ['join', 'alice', false],
    ['join', 'bob', false],
    ['join', 'alice', true],
    ['refusal', 'alice', 'seat-taken'],
    ['refusal', 'alice', 'unauthorized'],
    ['refusal', 'carol', 'unauthorized'],
    ['leave', 'alice', 'left'],
  ]);
  const activityLog = activity.join('');
  expect(activityLog).not.toContain(roomId);
  for (const [what, value] of Object.entries(secrets)) expect(activityLog.includes(value), `${what} appears in the activity log`).toBe(false);
});
