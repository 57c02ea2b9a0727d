// The activity log: one line per join, leave, refused join and failure; JSON in production (or
// with CIGNAL_LOG_FORMAT=json), a short text line otherwise; room ids hashed unless
// CIGNAL_LOG_ROOM_IDS=true; the level set by CIGNAL_LOG_LEVEL.
import { spawn, type ChildProcess } from 'node:child_process';
import { join as joinPath } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { ConfigError, readConfig, type ServerConfig } from '../../server/config.js';
import { packageRoot } from '../../server/paths.js';
import { MemoryRoomStore } from '../../server/rooms/memory.js';
import type { Route } from '../../server/rooms/store.js';
import { ask, closeAll, join, pair, refusal, startServer, uniqueRoom, type TestServer } from '../helpers/server.js';

let server: TestServer | undefined;
let child: ChildProcess | undefined;
afterEach(async () => {
  closeAll();
  await server?.close();
  server = undefined;
  child?.kill('SIGKILL');
  child = undefined;
});

type Entry = Record<string, unknown>;

/** A server whose activity log is collected here; `until(test)` resolves once a line passes the test. */
async function logged(config: Partial<ServerConfig>, options: Parameters<typeof startServer>[1] = {}) {
  const lines: string[] = [];
  const waiting: Array<{ test: (line: string) => boolean; resolve: () => void }> = [];
  server = await startServer(config, {
    ...options,
    logDestination: {
      write(line: string) {
        lines.push(line);
        for (const waiter of waiting.filter((w) => w.test(line))) waiter.resolve();
      },
    },
  });
  const until = (test: (line: string) => boolean) =>
    lines.some(test) ? Promise.resolve() : new Promise<void>((resolve) => waiting.push({ test, resolve }));
  return { url: server.url, lines, until, entries: () => lines.map((line) => JSON.parse(line) as Entry) };
}

const offer = { description: { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\na=SDP-MARKER\r\n' }, connection: 'pc-1' };

describe('JSON lines', () => {
  test('one per join, leave, refusal and error, with the room id as a short hash: the same for one room, another for another room', async () => {
    // A store that fails once it is asked to route a message, as a broken backend would.
    class Failing extends MemoryRoomStore {
      override route(): Route {
        throw new Error('the disk is on fire');
      }
    }
    const log = await logged({ logFormat: 'json' }, { store: new Failing() });
    const roomId = uniqueRoom('logged');
    const otherRoom = uniqueRoom('other');
    const [alice] = await pair(log.url, roomId);
    expect(await refusal(log.url, { roomId, peerId: 'carol' })).toMatchObject({ code: 'room-full' });
    expect(await refusal(log.url, { roomId: '', peerId: 'dave' })).toMatchObject({ code: 'invalid-payload' });
    await join(log.url, { roomId: otherRoom, peerId: 'erin' });
    expect(await ask(alice, 'offer', offer)).toMatchObject({ ok: false, error: { code: 'internal' } });
    alice.disconnect();
    await log.until((line) => line.includes('"event":"leave"'));

    const entries = log.entries();
    for (const entry of entries) expect(entry).toMatchObject({ level: expect.any(String), time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), msg: expect.any(String) });
    const hash = entries[0]!.room as string;
    expect(hash).toMatch(/^[0-9a-f]{16}$/);
    expect(entries).toEqual([
      expect.objectContaining({ level: 'info', event: 'join', room: hash, peer: 'alice', resumed: false, handover: false }),
      expect.objectContaining({ level: 'info', event: 'join', room: hash, peer: 'bob', resumed: false, handover: false }),
      expect.objectContaining({ level: 'info', event: 'refusal', code: 'room-full', room: hash, peer: 'carol', address: '127.0.0.1', msg: 'This room already has two people in it' }),
      // Refused before its ids were read: no room and no peer, as nothing unchecked is logged.
      expect.objectContaining({ level: 'info', event: 'refusal', code: 'invalid-payload', address: '127.0.0.1' }),
      expect.objectContaining({ level: 'info', event: 'join', room: expect.not.stringMatching(hash), peer: 'erin' }),
      expect.objectContaining({ level: 'error', event: 'error', code: 'internal', room: hash, peer: 'alice', msg: 'relaying a message failed', error: 'Error: the disk is on fire' }),
      expect.objectContaining({ level: 'info', event: 'leave', room: hash, peer: 'alice', reason: 'left', durationMs: expect.any(Number) }),
    ]);
    expect(entries[3]).not.toHaveProperty('room');
    expect(entries[3]).not.toHaveProperty('peer');
    expect(entries[4]!.room).toMatch(/^[0-9a-f]{16}$/);
    const text = log.lines.join('');
    expect(text).not.toContain(roomId);
    expect(text).not.toContain(otherRoom);
    expect(text).not.toContain('SDP-MARKER');
  });

  test('a failure of the server behind an HTTP route is an error line too, and the client gets a sentence without it', async () => {
    class Broken extends MemoryRoomStore {
      override count(): number {
        throw new Error('the index is corrupted');
      }
    }
    const token = 'admin-token-of-at-least-32-characters!';
    const log = await logged({ logFormat: 'json', adminToken: token }, { store: new Broken() });

    const reply = await fetch(`${log.url}/admin/rooms/count?x=private`, { headers: { Authorization: `Bearer ${token}` } });
    expect(reply.status).toBe(500);
    expect(await reply.text()).not.toContain('corrupted');
    await log.until((line) => line.includes('"event":"error"'));
    expect(log.entries()).toEqual([
      expect.objectContaining({ level: 'error', event: 'error', code: 'internal', msg: 'answering GET /admin/rooms/count failed', error: 'Error: the index is corrupted' }),
    ]);
    expect(log.lines.join('')).not.toContain('private');
  });

  test('with CIGNAL_LOG_ROOM_IDS=true, room ids appear as they are', async () => {
    const log = await logged({ logFormat: 'json', logRoomIds: true });
    const roomId = uniqueRoom('plain');
    await pair(log.url, roomId);

    expect(log.entries().map((entry) => entry.room)).toEqual([roomId, roomId]);
  });

  test('CIGNAL_LOG_LEVEL=warn leaves joins and ordinary refusals out', async () => {
    const log = await logged({ logFormat: 'json', logLevel: 'warn' });
    const roomId = uniqueRoom();
    await pair(log.url, roomId);
    expect(await refusal(log.url, { roomId, peerId: 'carol' })).toMatchObject({ code: 'room-full' });

    expect(log.lines).toEqual([]);
  });
});

describe('text lines', () => {
  test('a short line each, for a terminal: time, level, event and the fields that say something', async () => {
    const log = await logged({ logFormat: 'text' });
    const roomId = uniqueRoom();
    await pair(log.url, roomId);
    expect(await refusal(log.url, { roomId, peerId: 'carol' })).toMatchObject({ code: 'room-full' });

    expect(log.lines).toEqual([
      expect.stringMatching(/^\d\d:\d\d:\d\d info {2}join room=[0-9a-f]{16} peer=alice - peer joined\n$/),
      expect.stringMatching(/^\d\d:\d\d:\d\d info {2}join room=[0-9a-f]{16} peer=bob - peer joined\n$/),
      expect.stringMatching(/^\d\d:\d\d:\d\d info {2}refusal code=room-full room=[0-9a-f]{16} peer=carol address=127\.0\.0\.1 - This room already has two people in it\n$/),
    ]);
  });
});

describe('configuration', () => {
  test('JSON in production, text otherwise, and CIGNAL_LOG_FORMAT wins over both; info by default; room ids hashed by default', () => {
    expect(readConfig({})).toMatchObject({ logFormat: 'text', logLevel: 'info', logRoomIds: false });
    expect(readConfig({ NODE_ENV: 'production' }).logFormat).toBe('json');
    expect(readConfig({ NODE_ENV: 'production', CIGNAL_LOG_FORMAT: 'text' }).logFormat).toBe('text');
    expect(readConfig({ CIGNAL_LOG_FORMAT: 'JSON' }).logFormat).toBe('json');
    expect(readConfig({ CIGNAL_LOG_FORMAT: 'off' }).logFormat).toBe('off');
    expect(readConfig({ CIGNAL_LOG_LEVEL: 'debug' }).logLevel).toBe('debug');
    expect(readConfig({ CIGNAL_LOG_ROOM_IDS: 'true' }).logRoomIds).toBe(true);
  });

  test.each([
    ['CIGNAL_LOG_FORMAT', 'yaml'],
    ['CIGNAL_LOG_LEVEL', 'loud'],
    ['CIGNAL_LOG_ROOM_IDS', 'yes please'],
  ])('%s=%s stops the server at start with a message naming the variable', (name, value) => {
    expect(() => readConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => readConfig({ [name]: value })).toThrow(new RegExp(`^${name} must be`));
  });
});

test('the server as an operator runs it in production writes JSON lines to its standard output', async () => {
  child = spawn(process.execPath, [joinPath(packageRoot, 'dist', 'server', 'main.js')], {
    cwd: packageRoot,
    env: { PATH: process.env.PATH ?? '', PORT: '0', HOST: '127.0.0.1', CIGNAL_ICE_SERVERS: '[]', NODE_ENV: 'production' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const seen = (pattern: RegExp) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(output);
        if (match) resolve(match);
      };
      child!.stdout!.on('data', (chunk: Buffer) => ((output += chunk), check()));
      child!.once('exit', (code) => reject(new Error(`exited with ${code}: ${output}`)));
      check();
    });
  const url = (await seen(/listening on (\S+)/))[1]!;
  const roomId = uniqueRoom('production');
  const joined = seen(/^\{.*"event":"join".*\}$/m);
  await join(url, { roomId, peerId: 'alice' });

  const line = JSON.parse((await joined)[0]) as Entry;
  expect(line).toMatchObject({ level: 'info', event: 'join', peer: 'alice', room: expect.stringMatching(/^[0-9a-f]{16}$/) });
  expect(output).not.toContain(roomId);
});
