// Hostile input at scale: thousands of malformed and oversized messages, generated from a seed,
// against every client event, the handshake (socket.io auth and hand-written Engine.IO/socket.io
// packets on a raw WebSocket) and every HTTP route. The server must stay up, log no failure of
// its own, answer every HTTP request with a status below 500 and nothing internal in the body,
// relay nothing malformed to anyone, answer acks in the protocol's shape, and carry a normal call
// afterwards. The hand-picked cases of tests/server/validation.test.ts are not repeated here.
//
// Replay a failure with the seed it prints: CIGNAL_FUZZ_SEED=<seed> npx vitest run tests/server/fuzz.test.ts
import createDebug from 'debug';
import { request as httpRequest, Agent } from 'node:http';
import { connect as tcpConnect } from 'node:net';
import { format } from 'node:util';
import type { BaseIssue, BaseSchema } from 'valibot';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { io as connect } from 'socket.io-client';
import { WebSocket } from 'ws';
import {
  AnswerSchema,
  CandidateSchema,
  ClientEvents,
  DeclineSchema,
  InformSchema,
  JoinRequestSchema,
  Limits,
  MediaStateSchema,
  OfferSchema,
  PROTOCOL_VERSION,
  RestartIceSchema,
  ServerErrorCode,
  safeParse,
  type ClientEventName,
} from '../../sdk/protocol/index.js';
import { packageRoot, packageVersion } from '../../server/paths.js';
import { launchBrowser, openPage } from '../helpers/browser.js';
import { installHarness, startCall, state } from '../helpers/harness.js';
import { closeAll, join, loose, next, pair, record, startServer, uniqueRoom, type ClientSocket, type TestServer } from '../helpers/server.js';

// ---------------------------------------------------------------------------------------------
// A seeded generator, so that every failure replays.

const seed = Number(process.env.CIGNAL_FUZZ_SEED ?? (Math.random() * 2 ** 32) >>> 0);

/** mulberry32: a tiny, fast 32-bit generator; plenty for choosing among cases. */
function mulberry32(state: number): () => number {
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}
let random = mulberry32(seed);
const int = (n: number) => Math.floor(random() * n);
const pick = <T>(list: readonly T[]): T => list[int(list.length)];
const chance = (p: number) => random() < p;
/** The bearer token of /metrics and the admin API here: the barrage sends it now and then, and much else. */
const FUZZ_TOKEN = 'fuzz-token-0123456789abcdefghijklmnop';

/**
 * Runs one phase with a generator of its own, drawn from the seed and the phase's name, so that a
 * phase replays alone (`-t`) as in the whole file; says which seed to replay with when it fails.
 * Every random choice of a phase is made in an order that does not depend on timing.
 */
const phasesRun = new Set<string>();
function withSeed<T>(what: string, fn: () => Promise<T>): Promise<T> {
  phasesRun.add(what);
  random = mulberry32((seed ^ [...what].reduce((h, c) => Math.imul(h ^ c.charCodeAt(0), 0x01000193), 0x811c9dc5)) >>> 0);
  return fn().catch((error: unknown) => {
    const message = `${what} failed with fuzz seed ${seed}; replay with CIGNAL_FUZZ_SEED=${seed}`;
    console.error(message);
    if (error instanceof Error) error.message = `${message}\n${error.message}`;
    throw error;
  });
}

// ---------------------------------------------------------------------------------------------
// Hostile values.

/** An object with an own `__proto__` key, as JSON.parse makes it (a literal would set the prototype). */
const protoKey = (value: unknown) => JSON.parse(`{"__proto__":${JSON.stringify(value)}}`) as object;

function nested(depth: number, leaf: unknown = 'x', asArray = false): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = asArray ? [value] : { a: value };
  return value;
}

/** Strings around every limit of the protocol: exactly at, one past, and far past. */
const limits = [Limits.idMaxLength, Limits.sessionMaxLength, Limits.displayNameMaxLength, Limits.roleMaxLength, Limits.candidateMaxLength, Limits.informMaxBytes, Limits.sdpMaxLength];
function sizedString(): string {
  const limit = pick(limits);
  // Far past stays under the socket's frame limit here: frames over it are a phase of their own.
  const length = pick([limit, limit + 1, limit + 1 + int(16), Math.min(limit * 4, 36_000), 36_000]);
  return pick(['a', 'é', '-', '\u0000', '🙂']).repeat(length).slice(0, length);
}

function hostileValue(): unknown {
  switch (int(16)) {
    case 0:
      return pick([undefined, null, true, false]);
    case 1:
      return pick([0, -1, 1.5, -0.5, 2 ** 53, Number.MAX_VALUE, NaN, Infinity, -Infinity]);
    case 2:
      return pick(['', ' ', 'x', '../../etc/passwd', '..%2f..%2fetc%2fpasswd', '<script>alert(1)</script>', '\u0000\u0001', '\r\n', 'a b', '\u202e', '__proto__', 'constructor', 'toString']);
    case 3:
      return sizedString();
    case 4:
      return pick([[], [1, 2], ['offer'], [null], [{}]]);
    case 5:
      return pick<object>([{}, { a: 1 }, { type: 'offer' }, { toString: 'x' }, { valueOf: 1 }]);
    case 6:
      return protoKey({ polluted: 'yes' });
    case 7:
      return { constructor: { prototype: { polluted: 'yes' } } };
    case 8:
      return nested(1 + int(300), pick(['x', 1, null, {}]), chance(0.5));
    case 9:
      return Array.from({ length: 1 + int(3_000) }, (_, i) => i);
    case 10:
      return Buffer.alloc(int(64), 7);
    case 11:
      return new Uint8Array(int(32));
    case 12:
      return { _placeholder: true, num: pick([0, 1, 'splice', -1, '__proto__']) };
    case 13:
      return pick(['offer', 'answer', 'rollback', 'pranswer', 'OFFER']);
    case 14:
      return { sdp: 'v=0', type: 'offer', from: 'partner' };
    default:
      return Object.fromEntries(Array.from({ length: int(200) }, (_, i) => [`k${i}`, i]));
  }
}

// ---------------------------------------------------------------------------------------------
// Messages: valid payloads of every event, mutated at every field.

const sdp = 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';
const valid: Record<ClientEventName, () => Record<string, unknown>> = {
  offer: () => ({ description: { type: 'offer', sdp }, connection: 'pc-f', to: 'pc-p' }),
  answer: () => ({ description: { type: 'answer', sdp }, connection: 'pc-f', to: 'pc-p' }),
  candidate: () => ({ candidate: { candidate: 'candidate:1 1 udp 1 192.0.2.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'abcd' }, connection: 'pc-f', to: 'pc-p' }),
  restartIce: () => ({ connection: 'pc-f', to: 'pc-p', ufrag: 'abcd' }),
  decline: () => ({ reason: 'unsupported', to: 'pc-p' }),
  inform: () => ({ data: { text: 'hello', n: 1 }, id: 'm-1' }),
  mediaState: () => ({ microphone: true, camera: false, screenShare: false, seq: 1 }),
};

// The schemas of sdk/protocol decide what is valid: one source of truth, here as on the server.
const schemas: Record<ClientEventName, BaseSchema<unknown, unknown, BaseIssue<unknown>>> = {
  offer: OfferSchema,
  answer: AnswerSchema,
  candidate: CandidateSchema,
  restartIce: RestartIceSchema,
  decline: DeclineSchema,
  inform: InformSchema,
  mediaState: MediaStateSchema,
} as Record<ClientEventName, BaseSchema<unknown, unknown, BaseIssue<unknown>>>;

/** What the partner receives for each event the server relays. */
const relayedAs: Record<ClientEventName, string> = {
  offer: 'offer',
  answer: 'answer',
  candidate: 'candidate',
  restartIce: 'restartIce',
  decline: 'decline',
  inform: 'information',
  mediaState: 'mediaState',
};

/** Every path to a value inside `value` (objects only), the root excluded. */
function paths(value: unknown, prefix: string[] = []): string[][] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [];
  return Object.keys(value).flatMap((key) => [[...prefix, key], ...paths((value as Record<string, unknown>)[key], [...prefix, key])]);
}

function setAt(root: Record<string, unknown>, path: string[], value: unknown, remove = false): void {
  let at = root as Record<string, unknown>;
  for (const key of path.slice(0, -1)) {
    at = at[key] as Record<string, unknown>;
    // An earlier mutation replaced this level with something that has no fields.
    if (typeof at !== 'object' || at === null) return;
  }
  const last = path[path.length - 1];
  if (remove) delete at[last];
  else Object.defineProperty(at, last, { value, enumerable: true, writable: true, configurable: true });
}

/** Bytes of a payload on the wire, binary measured as JSON (larger than it travels). */
function wireSize(payload: unknown): number {
  return Buffer.byteLength(JSON.stringify(payload) ?? '');
}

/**
 * A payload for `event` that is very likely malformed (the schema has the last word), small enough
 * to pass the socket's frame limit: frames over it cut the connection and have a phase of their own.
 */
function mutate(event: ClientEventName, room = Limits.sdpMaxLength + 4 * 1024): unknown {
  for (;;) {
    const payload = mutation(event);
    if (wireSize(payload) >= room) continue;
    // A binary packet whose JSON holds a placeholder of its own, or more attachments than socket.io
    // accepts, is a protocol violation that cuts the connection: the raw packet phase sends those.
    const binaries = countBinaries(payload);
    if (binaries > 10 || (binaries > 0 && JSON.stringify(payload)?.includes('_placeholder'))) continue;
    return payload;
  }
}

function countBinaries(value: unknown, depth = 0): number {
  if (value instanceof Uint8Array || value instanceof ArrayBuffer) return 1;
  if (typeof value !== 'object' || value === null || depth > 400) return 0;
  return Object.values(value).reduce<number>((sum, v) => sum + countBinaries(v, depth + 1), 0);
}

function mutation(event: ClientEventName): unknown {
  const base = valid[event]();
  const fieldPaths = paths(base);
  switch (int(8)) {
    case 0:
      return hostileValue();
    case 1:
      // An array where the object goes.
      return pick([[base], [base, base], Object.values(base)]);
    case 2:
      setAt(base, pick(fieldPaths), undefined, true);
      return base;
    case 3: {
      // Prototype-pollution keys and a spoofed sender at some level, plus a wrong field.
      const path = pick(fieldPaths);
      setAt(base, path, hostileValue());
      const target = path.length > 1 ? path.slice(0, -1) : [];
      const extra = pick(['__proto__', 'constructor', 'prototype', 'from', 'toString', 'hasOwnProperty']);
      setAt(base, [...target, extra], pick([{ polluted: 'yes' }, 'alice', { prototype: { polluted: 'yes' } }]));
      return base;
    }
    case 4: {
      // Two fields wrong at once.
      for (let i = 0; i < 2; i++) setAt(base, pick(fieldPaths), hostileValue());
      return base;
    }
    case 5: {
      // A string field over its limit (or just at it), or binary where a string goes.
      const stringPaths = fieldPaths.filter((path) => typeof path.reduce<unknown>((v, k) => (v as Record<string, unknown>)[k], base) === 'string');
      setAt(base, pick(stringPaths.length ? stringPaths : fieldPaths), chance(0.8) ? sizedString() : Buffer.from('binary'));
      return base;
    }
    default:
      setAt(base, pick(fieldPaths), hostileValue());
      return base;
  }
}

const unknownEvents = ['join', 'joined', 'peerJoined', 'peerLeft', 'information', 'replaced', 'serverClosing', '__proto__', 'constructor', 'hasOwnProperty', 'toString', 'Offer', 'offer ', '', 'x'.repeat(5_000), 'ping', 'message'];

/**
 * The payload as the server receives it: socket.io sends JSON (NaN and Infinity become null,
 * undefined fields vanish, -0 is 0) with binary beside it, arriving as Buffers. The schema judges
 * this copy, as the server's does.
 */
function onTheWire(value: unknown, inArray = false, binary = countBinaries(value) > 0): unknown {
  if (value instanceof Uint8Array || value instanceof ArrayBuffer) return Buffer.from(value as Uint8Array);
  if (typeof value === 'number') return Number.isFinite(value) ? (Object.is(value, -0) ? 0 : value) : null;
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return inArray ? null : undefined;
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => onTheWire(item, true, binary));
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    // socket.io-client copies a packet with binary in it by assignment, where an own "__proto__"
    // key sets the copy's prototype instead: the key never leaves the client.
    if (binary && key === '__proto__') continue;
    const item = onTheWire((value as Record<string, unknown>)[key], false, binary);
    // defineProperty keeps an own "__proto__" key a key, as JSON.parse does.
    if (item !== undefined) Object.defineProperty(copy, key, { value: item, enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

/** Sorted-key JSON, binary as hex: the comparison ignores key order and nothing else. */
function canonical(value: unknown): string {
  return JSON.stringify(value, function (this: unknown, _key, v: unknown) {
    if (v && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
      return { binary: Buffer.from((v as { data: number[] }).data).toString('hex') };
    }
    if (v instanceof Uint8Array || v instanceof ArrayBuffer) return { binary: Buffer.from(v as Uint8Array).toString('hex') };
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]));
    }
    return v;
  });
}

const knownCodes = new Set<string>(Object.values(ServerErrorCode));

/** An ack in the protocol's shape, with a known code and a sentence. */
function expectWellFormedRefusal(answer: unknown, code: string): void {
  expect(answer).toEqual({ ok: false, error: { code, message: expect.any(String) } });
  const { error } = answer as { error: { code: string; message: string } };
  expect(knownCodes.has(error.code)).toBe(true);
  expect(error.message.length).toBeGreaterThan(0);
  expect(error.message.length).toBeLessThan(600);
}

// ---------------------------------------------------------------------------------------------
// What the server must never do while this runs: crash, reject a promise unheard, log a failure.

const problems: string[] = [];
const onUncaught = (error: unknown) => problems.push(`uncaught exception: ${format(error)}`);
const onUnhandled = (reason: unknown) => problems.push(`unhandled rejection: ${format(reason)}`);
const logLines: string[] = [];
const debugWas = { namespaces: '', log: createDebug.log };
/** Log lines that mean the server itself failed, rather than refused bad input. */
const failureLine = /failed: |failed for |internal|TypeError|RangeError|ReferenceError|SyntaxError|unhandled/i;

let server: TestServer;
let bystanders: ClientSocket[] = [];
let heardByBystanders: Array<Array<[string, unknown]>> = [];
let url: string;
let port: number;

const total = { events: 0, malformedEvents: 0, handshakes: 0, raw: 0, http: 0 };

beforeAll(async () => {
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUnhandled);
  debugWas.namespaces = createDebug.disable();
  createDebug.enable('cignal:*');
  createDebug.log = (...args: unknown[]) => void logLines.push(format(...args));
  // Every fuzz sender comes from this one address at a rate no person reaches: the per-socket
  // budget and the limits per client address are lifted so that what is measured is validation,
  // not rate limiting (their own tests are in address-limits.test.ts).
  server = await startServer({
    rateLimit: { perSecond: 1_000_000, burst: 1_000_000 },
    ipLimits: { connections: 0, joinsPerMinute: 0, messagesPerSecond: 0 },
    // The operations routes live, so that the HTTP barrage reaches them too.
    metricsToken: FUZZ_TOKEN,
    adminToken: FUZZ_TOKEN,
  });
  url = server.url;
  port = Number(new URL(url).port);
  // Two people in a room of their own for the whole file: nothing any phase sends may reach them.
  bystanders = await pair(url, uniqueRoom('bystanders'), 'ann', 'ben');
  heardByBystanders = bystanders.map((socket) => record(socket));
});

afterAll(async () => {
  closeAll();
  await server?.close();
  process.off('uncaughtException', onUncaught);
  process.off('unhandledRejection', onUnhandled);
  createDebug.log = debugWas.log;
  createDebug.disable();
  if (debugWas.namespaces) createDebug.enable(debugWas.namespaces);
});

function expectNoServerFailure(): void {
  expect(problems).toEqual([]);
  expect(heardByBystanders.flat()).toEqual([]);
  expect(bystanders.every((socket) => socket.connected)).toBe(true);
  expect(logLines.filter((line) => failureLine.test(line))).toEqual([]);
  // Nothing reached Object.prototype through a `__proto__` or `constructor` key.
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.keys(Object.prototype)).toEqual([]);
}

// ---------------------------------------------------------------------------------------------

describe('the server under a barrage of hostile input', () => {
  test('malformed payloads of every client event, with and without acks, are refused in the protocol shape and never relayed', () =>
    withSeed('the event barrage', async () => {
      // The fuzzer and its partner, who must get exactly what the schemas accept and nothing else.
      const room = uniqueRoom('fuzz');
      const [fuzzer, partner] = await pair(url, room, 'fuzzer', 'partner');
      const partnerSaw = record(partner);

      let cutOff: string | null = null;
      let lastSent = '';
      fuzzer.on('disconnect', (reason) => (cutOff = reason));
      const expectedAtPartner: string[] = [];
      const acks: Array<Promise<void>> = [];
      const perEvent = 600;
      const order = ClientEvents.flatMap((event) => Array.from({ length: perEvent }, () => event));
      for (let start = 0; start < order.length; start += 250) {
        for (const event of order.slice(start, start + 250)) {
          const unknown = chance(0.04);
          const name = unknown ? pick(unknownEvents) : event;
          // The event name travels in the same frame as the payload.
          const payload = mutate(event, Limits.sdpMaxLength + 4 * 1024 - name.length);
          const parsed = unknown ? null : safeParse(schemas[event], onTheWire(payload));
          const accepted = parsed?.success === true;
          if (!accepted) total.malformedEvents++;
          total.events++;
          const withAck = event === 'inform' ? chance(0.8) : chance(0.5);
          // inform is relayed only with an ack; every other accepted event in either case.
          if (accepted && (withAck || event !== 'inform')) {
            expectedAtPartner.push(canonical([relayedAs[event], { ...(parsed!.output as object), from: 'fuzzer' }]));
          }
          const args = payload === undefined ? [] : [payload];
          lastSent = `${name} ${JSON.stringify(payload)?.slice(0, 300)}`;
          if (!withAck) {
            loose(fuzzer).emit(name, ...args);
            continue;
          }
          acks.push(
            loose(fuzzer)
              .timeout(10_000)
              .emitWithAck(name, ...args)
              .then((answer) => {
                try {
                  if (unknown) expectWellFormedRefusal(answer, ServerErrorCode.UnknownEvent);
                  else if (accepted) expect(answer).toMatchObject({ ok: true });
                  else expectWellFormedRefusal(answer, ServerErrorCode.InvalidPayload);
                } catch (error) {
                  throw Object.assign(error as Error, { message: `${(error as Error).message}\nin answer to ${name} ${JSON.stringify(payload)?.slice(0, 400)}` });
                }
              }),
          );
        }
        // One batch at a time: the acks are the backpressure.
        await Promise.all(acks.splice(0)).catch((error: Error) => {
          throw Object.assign(error, { message: `${error.message}\nthe fuzzer was ${cutOff ? `cut off (${cutOff})` : 'connected'}; the last message of the batch: ${lastSent}` });
        });
      }

      // Messages arrive in order: once the closing one is in, everything relayed before it is too.
      const closing = next(partner, 'information');
      expect(await loose(fuzzer).timeout(10_000).emitWithAck('inform', { data: 'closing' })).toMatchObject({ ok: true });
      await closing;
      expect(partnerSaw.at(-1)).toEqual(['information', { data: 'closing', from: 'fuzzer' }]);
      const relayed = partnerSaw.slice(0, -1).map(([event, payload]) => canonical([event, payload]));
      expect(relayed.length).toBe(expectedAtPartner.length);
      expect(relayed).toEqual(expectedAtPartner);
      for (const [, payload] of partnerSaw) expect((payload as { from?: unknown }).from).toBe('fuzzer');
      expect(fuzzer.connected && partner.connected).toBe(true);
      expect(total.malformedEvents).toBeGreaterThanOrEqual(3_500);
      expectNoServerFailure();
      fuzzer.disconnect();
      partner.disconnect();
    }), 60_000);

  test('frames over the size limit cut off only their sender', () =>
    withSeed('the oversized frames', async () => {
      const senders = await Promise.all(
        Array.from({ length: 24 }, async (_, i) => {
          const { socket } = await join(url, { roomId: uniqueRoom('giant'), peerId: `giant-${i}` });
          return socket;
        }),
      );
      await Promise.all(
        senders.map((socket) => {
          const event = pick(ClientEvents);
          const size = pick([Limits.sdpMaxLength + 8 * 1024 + 1, 100_000, 1_000_000, 4_000_000]);
          const gone = next(socket, 'disconnect', 10_000);
          const payload = chance(0.5) ? { ...valid[event](), huge: 'x'.repeat(size) } : { data: Buffer.alloc(size, 1) };
          loose(socket).emit(event, payload);
          total.events++;
          total.malformedEvents++;
          return gone;
        }),
      );
      expectNoServerFailure();
    }), 30_000);

  test('garbage in the socket.io handshake auth is refused with a coded connect_error, or admitted only when valid', () =>
    withSeed('the handshake barrage', async () => {
      const cases = 350;
      const attempt = async () => {
        const auth: Record<string, unknown> = { roomId: uniqueRoom('auth'), peerId: `p${int(1e6)}`, session: `s${int(1e6)}`, displayName: 'Ann', role: 'host', protocol: 1 };
        const fields = Object.keys(auth);
        const kind = int(6);
        if (kind === 0) for (const field of fields) if (chance(0.5)) auth[field] = hostileValue();
        if (kind === 1) auth[pick(fields)] = hostileValue();
        // Set to undefined rather than deleted: the helper would fill a missing session in.
        if (kind === 2) auth[pick(['roomId', 'peerId', 'session'])] = undefined;
        if (kind === 3) auth[pick(fields)] = sizedString();
        if (kind === 4) Object.assign(auth, { token: hostileValue(), seatSecret: hostileValue(), [pick(['__proto__', 'constructor'])]: { polluted: 'yes' } });
        if (kind === 5) auth[pick(fields)] = nested(1 + int(200), 'x', chance(0.5));
        // Keys socket.io-client sends as they are: __proto__ goes in as an own key.
        const payload = kind === 4 ? { ...JSON.parse(JSON.stringify(auth)), ...JSON.parse('{"__proto__":{"polluted":"yes"}}') } : auth;
        const request = safeParse(JoinRequestSchema, onTheWire(payload));
        // A valid request from a newer client is refused for its protocol version alone.
        const newer = request.success && (request.output.protocol ?? 0) > PROTOCOL_VERSION;
        const shouldJoin = request.success && !newer;
        // Straight to socket.io-client: the test helper would read fields of the garbage to fill in defaults.
        const socket = connect(url, { auth: payload, transports: ['websocket'], forceNew: true, reconnection: false });
        total.handshakes++;
        const tooLarge = wireSize(payload) > Limits.sdpMaxLength + 8 * 1024;
        const outcome = await new Promise<{ joined: boolean; closed?: boolean; data?: unknown }>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no answer to the handshake ${JSON.stringify(payload).slice(0, 300)}`)), 10_000);
          const settle = (value: { joined: boolean; closed?: boolean; data?: unknown }) => {
            clearTimeout(timer);
            resolve(value);
          };
          socket.once('joined', () => settle({ joined: true }));
          socket.once('connect_error', (error: Error & { data?: unknown }) => settle({ joined: false, data: error.data }));
          // A CONNECT over the frame limit is not answered: the connection is cut.
          socket.once('disconnect', () => settle({ joined: false, closed: true }));
        });
        socket.disconnect();
        const shown = JSON.stringify(payload).slice(0, 400);
        if (tooLarge) expect(outcome, shown).toMatchObject({ joined: false });
        else if (shouldJoin) expect(outcome.joined, shown).toBe(true);
        else {
          expect(outcome.joined, `${shown} -> ${JSON.stringify(outcome.data)}`).toBe(false);
          expect(outcome.data).toEqual({ code: expect.any(String), message: expect.any(String) });
          expect(knownCodes.has((outcome.data as { code: string }).code)).toBe(true);
          if (newer) expect(outcome.data).toMatchObject({ code: ServerErrorCode.UnsupportedProtocol });
        }
      };
      for (let start = 0; start < cases; start += 25) await Promise.all(Array.from({ length: Math.min(25, cases - start) }, attempt));
      expectNoServerFailure();
    }), 60_000);

  test('hand-written Engine.IO and socket.io packets on a raw WebSocket are answered or cut off, never crash anything', () =>
    withSeed('the raw packet barrage', async () => {
      const wsUrl = `ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`;
      // Drawn while the cases run, in an order that depends on timing: a counter, not the generator.
      let joins = 0;
      const auth = () => JSON.stringify({ roomId: uniqueRoom('raw'), peerId: `r${joins}`, session: `s${joins++}` });

      /** Frames of one case, sent after the Engine.IO open (and after joining, when `joined`). */
      type Frame = string | Buffer;
      const frameCases: Array<() => { joined: boolean; frames: Frame[] }> = [
        // Engine.IO packet types, known and not.
        () => ({ joined: chance(0.5), frames: [pick(['0', '1', '2', '3', '5', '6', '7', '9', 'x', '', '4', '2probe', '3probe', '5upgrade', '0{"sid":"x"}'])] }),
        // socket.io packet types, known and not, and truncated JSON.
        () => ({ joined: chance(0.5), frames: [`4${pick(['0', '1', '2', '3', '4', '5', '6', '7', '8', 'a', '-', '9'])}${pick(['', '{', '[', '["offer"', '[1,{}]', '{"a":', '[]', '["offer",{"a":1}]', 'null', '"x"', '123', '[{}]'])}`] }),
        // CONNECT with garbage, and to namespaces that do not exist.
        () => ({ joined: false, frames: [`40${pick(['garbage', '{', '[1,2]', '"str"', 'null', '{"roomId":', '{"__proto__":{"polluted":"yes"},"roomId":"a","peerId":"b","session":"c"}', JSON.stringify({ roomId: nested(300), peerId: 'x', session: 'y' }), '{}'])}`] }),
        () => ({ joined: chance(0.3), frames: [`40${pick(['/admin', '/x', '/../', '/%00', '/__proto__', '//', '/socket.io'])},${pick(['', '{}', auth(), 'garbage'])}`] }),
        // Events and acks that are not what the protocol allows.
        () => ({ joined: true, frames: [`42${pick(['', '7', '99999999999999999999', '-1', '1.5'])}${pick(['["disconnect","client namespace disconnect"]', '["disconnecting"]', '["connect"]', '["error",{}]', '["newListener","offer"]', '["__proto__",{}]', '[1,{}]', '[null]', '[]', '{}', '["offer"', '["inform",{"data":1},{"data":2}]', `["inform",{"data":${JSON.stringify(nested(2_000, 1, true))}}]`])}`] }),
        () => ({ joined: true, frames: [`43${pick(['', '0', '1', '999'])}${pick(['[]', '[{"ok":true}]', 'garbage', '{'])}`] }),
        // Binary placeholders without their attachments, with too many, with the wrong index.
        () => ({ joined: true, frames: [`451-["inform",{"data":{"_placeholder":true,"num":${pick(['0', '5', '"splice"', '-1', '"__proto__"'])}}}]`, ...(chance(0.5) ? [Buffer.from('bin')] : [])] }),
        () => ({ joined: true, frames: [`45${pick(['0', '11', '99', '100000', 'x'])}-["offer",{"_placeholder":true,"num":0}]`] }),
        () => ({ joined: true, frames: [`4611-["${pick(['offer', 'inform'])}",{"_placeholder":true,"num":0}]`, Buffer.from('x')] }),
        () => ({ joined: chance(0.5), frames: [Buffer.from(pick(['binary without a header', '\u0000\u0001']))] }),
        // Frames over maxHttpBufferSize.
        () => ({ joined: chance(0.5), frames: [chance(0.5) ? `42["inform",{"data":"${'x'.repeat(pick([45_000, 200_000, 1_000_000]))}"}]` : Buffer.alloc(pick([45_000, 1_000_000]), 1)] }),
      ];

      /** Runs one case; resolves when the server answered the probe that follows, or closed the connection. */
      const runCase = (make: () => { joined: boolean; frames: Frame[] }) =>
        new Promise<void>((resolve, reject) => {
          const { joined, frames } = make();
          const ws = new WebSocket(wsUrl, { maxPayload: 8 * 1024 * 1024 });
          let stage: 'open' | 'joining' | 'sent' = 'open';
          const timer = setTimeout(() => {
            ws.terminate();
            reject(new Error(`no answer and no close after ${JSON.stringify(frames.map((f) => (typeof f === 'string' ? f.slice(0, 120) : `<${f.length} bytes>`)))}`));
          }, 8_000);
          const done = () => {
            clearTimeout(timer);
            ws.terminate();
            resolve();
          };
          const sendCase = () => {
            stage = 'sent';
            total.raw++;
            for (const frame of frames) ws.send(frame);
            // A probe the server answers if the connection still stands: an ack of an unknown event
            // on a joined connection, a CONNECT on a bare one.
            ws.send(joined ? '4271["probe"]' : `40${auth()}`);
          };
          ws.on('message', (data, isBinary) => {
            const text = isBinary ? '' : data.toString();
            if (text === '2') return ws.send('3');
            if (stage === 'open' && text.startsWith('0')) {
              if (!joined) return sendCase();
              stage = 'joining';
              return ws.send(`40${auth()}`);
            }
            if (stage === 'joining' && text.startsWith('40')) return sendCase();
            if (stage === 'joining' && text.startsWith('44')) return reject(new Error(`the join before the case was refused: ${text}`));
            if (stage !== 'sent') return;
            try {
              if (text.startsWith('4371')) {
                const [answer] = JSON.parse(text.slice(4)) as unknown[];
                expectWellFormedRefusal(answer, ServerErrorCode.UnknownEvent);
                return done();
              }
              if (text.startsWith('43')) {
                const [answer] = JSON.parse(text.replace(/^43\d*/, '')) as unknown[];
                expect(answer).toMatchObject({ ok: expect.any(Boolean) });
                if (!(answer as { ok: boolean }).ok) expect(knownCodes.has((answer as { error: { code: string } }).error.code)).toBe(true);
                return;
              }
              if (text.startsWith('44')) {
                // A refused CONNECT: with a coded error from admission, or socket.io's own for a namespace.
                const body = JSON.parse(text.replace(/^44(\/[^,]*,)?/, '')) as { message: string; data?: { code: string } };
                expect(body.message).toEqual(expect.any(String));
                if (body.data) expect(knownCodes.has(body.data.code)).toBe(true);
                if (!text.startsWith('44/')) return done();
                return;
              }
              if (text.startsWith('40') && !joined) return done();
            } catch (error) {
              clearTimeout(timer);
              ws.terminate();
              reject(error);
            }
          });
          ws.on('close', done);
          ws.on('error', () => {
            // A refused upgrade or a reset connection ends the case as a close does.
          });
        });

      const cases = 450;
      for (let start = 0; start < cases; start += 45) {
        await Promise.all(Array.from({ length: Math.min(45, cases - start) }, () => runCase(pick(frameCases))));
      }
      expectNoServerFailure();
    }), 60_000);

  test('every HTTP route answers hostile requests with a status below 500 and nothing internal in the body', () =>
    withSeed('the HTTP barrage', async () => {
      // A connection per request: a hang-up then belongs to the request that got it, not to one before it.
      const agent = new Agent({ keepAlive: false, maxSockets: 32 });
      const files = ['cignal-call.js', 'cignal.js', 'cignal-call.iife.js', 'sri.json', 'nope.js', '', '.', '..'];
      const versions = [packageVersion, 'latest', '0.0.0', '', '..', '%2e%2e', 'x'.repeat(300)];
      const traversal = ['..%2f..%2fetc%2fpasswd', '..%2F..%2F..%2Fpackage.json', '%2e%2e%2f%2e%2e%2fpackage.json', '..%5c..%5cpackage.json', '....//....//etc/passwd', '%252e%252e%252fetc%252fpasswd', '..%c0%afetc%c0%afpasswd', '%00', '%', '%E0%A4%A', '%zz', '%uD800', '%ff%fe'];

      function path(): string {
        switch (int(10)) {
          case 0:
            return pick(['/', '/healthz', '/?roomId=' + pick(['a', '../x', '%zz', 'x'.repeat(5_000)]), '/healthz?x=%']);
          case 1:
            return `/cignal@${pick(versions)}/${pick(files)}`;
          case 2:
            return `/cignal@${pick(versions)}/${pick(traversal)}`;
          case 3:
            return `/cignal@${pick(traversal)}/${pick(files)}`;
          case 4:
            return pick(['//healthz', '/healthz/', '/HEALTHZ', '/healthz/..', '/./healthz', '/cignal@', '/cignal@/', '/cignal@x', '/cignal@@/x', `/cignal@${packageVersion}/x/y/z`, '/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2fetc/passwd', '/cdn/..%2f..%2fetc/passwd', '/dist/server/main.js', '/package.json', '/.env']);
          case 5:
            // Overlong paths: under and over what Node's parser accepts in a request head (16 KiB).
            return '/' + pick(['a', '%', '%2f', '/']).repeat(pick([2_000, 9_000, 20_000]));
          case 6:
            return `${pick(['/', '/healthz', `/cignal@${packageVersion}/cignal.js`])}?${pick(['a=' + 'b'.repeat(pick([1_000, 15_000, 40_000])), '__proto__[polluted]=yes', 'constructor[prototype][polluted]=yes', '%', '&&&', 'a=%zz'])}`;
          case 7:
            return `/socket.io/?${pick(['EIO=4&transport=polling', 'EIO=3&transport=polling', 'EIO=5&transport=polling', 'EIO=4&transport=websocket', 'EIO=4&transport=x', 'EIO=x', '', 'EIO=4&transport=polling&sid=' + pick(['bogus', '', '%00', 'x'.repeat(2_000)])])}`;
          case 8:
            // The operations routes and the served docs, with odd queries and traversal.
            return pick(['/readyz', '/metrics', '/admin/rooms', '/admin/rooms/count', '/admin/', '/admin/rooms/x', '/docs/README.md', '/docs/', '/docs/protocol.md', '/docs/x.md'])
              + pick(['', '?limit=' + pick(['0', '-1', '1e9', 'x', '%', '1000000']), '?offset=' + pick(['-5', 'NaN', '99999999999999999999']), '/..%2f..%2fpackage.json', '%2f..%2f.env']);
          default:
            return pick(['/', '/healthz', `/cignal@${packageVersion}/cignal.js`, `/cignal@latest/cignal.js`]);
        }
      }

      function headers(): Record<string, string | string[]> {
        const h: Record<string, string | string[]> = {};
        if (chance(0.3)) h.range = pick(['bytes=0-0', 'bytes=-1', 'bytes=999999999-', 'bytes=abc', 'bytes=5-1', 'bytes=' + Array.from({ length: 500 }, (_, i) => `${i}-${i}`).join(','), 'items=0-1', '']);
        if (chance(0.2)) h['if-none-match'] = pick(['*', '"x"', 'W/"', '"' + 'a'.repeat(5_000) + '"']);
        if (chance(0.2)) h['accept-encoding'] = pick(['br;q=abc', 'gzip;q=-1', '*;q=0', 'identity;q=0', 'x'.repeat(8_000)]);
        if (chance(0.1)) h.host = pick(['', 'evil@example.com', 'a'.repeat(300), '[::1', 'localhost:99999']);
        if (chance(0.1)) h.origin = pick(['null', 'http://evil.example', 'x']);
        if (chance(0.2)) h.authorization = pick([`Bearer ${FUZZ_TOKEN}`, 'Bearer', 'Bearer ' + 'x'.repeat(pick([31, 32, 10_000])), 'Basic YTpi', `bearer ${FUZZ_TOKEN}`, ` Bearer  ${FUZZ_TOKEN} `]);
        if (chance(0.1)) h['x-forwarded-for'] = pick(['1.1.1.1, 2.2.2.2', 'garbage', 'x'.repeat(1_000)]);
        if (chance(0.05)) h['x-huge'] = 'h'.repeat(pick([4_000, 20_000]));
        if (chance(0.05)) for (let i = 0; i < 3_000; i++) h[`x-many-${i}`] = 'y';
        return h;
      }

      type Reply = { status: number; body: string; type: string; request: string };
      /** Bytes of a request head, roughly as sent. */
      const headSize = (target: string, head: Record<string, string | string[]>) =>
        target.length + Object.entries(head).reduce((sum, [name, value]) => sum + name.length + String(value).length + 4, 0);
      const send = (method: string, target: string, head: Record<string, string | string[]>, body?: Buffer | string) =>
        new Promise<Reply>((resolve, reject) => {
          // A head over Node's limit (16 KiB) is answered 431 and the connection closed at once: the
          // client may see the close before the answer. Only then is a cut connection an answer.
          const overLimit = headSize(target, head) > 16 * 1024;
          const request = httpRequest({ host: '127.0.0.1', port, method, path: target, headers: head, agent }, (response) => {
            const chunks: Buffer[] = [];
            response.on('data', (chunk: Buffer) => chunks.push(chunk));
            response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('latin1'), type: String(response.headers['content-type'] ?? ''), request: `${method} ${target} ${JSON.stringify(head)}` }));
            response.on('error', reject);
          });
          request.on('error', (error) =>
            overLimit ? resolve({ status: 431, body: '', type: '', request: `${method} ${target}` }) : reject(Object.assign(error, { message: `${error.message}: ${method} ${target.slice(0, 200)} ${JSON.stringify(head).slice(0, 200)} body ${String(body?.length)}` })));
          if (body !== undefined) request.end(body);
          else request.end();
        });

      const leaked = (reply: Reply): string[] => {
        let decoded = reply.request;
        try {
          decoded += decodeURIComponent(reply.request);
        } catch {
          // Undecodable input cannot be what leaks.
        }
        const markers = ['/work', 'node_modules', 'Error:', packageRoot, '.ts:', 'at async '];
        const found = markers.filter((marker) => reply.body.includes(marker) && !decoded.includes(marker));
        if (/\n\s+at \S+ \(?\/|\(node:internal/.test(reply.body)) found.push('a stack trace');
        return found;
      };

      const check = (reply: Reply) => {
        expect(reply.status, reply.request.slice(0, 300)).toBeGreaterThanOrEqual(200);
        // 501 Not Implemented is the router's answer to a method it does not know at all (PROPFIND,
        // FOO): a refusal, not a failure. Any other 5xx is a failure.
        const unknownMethod = !/^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) /.test(reply.request);
        if (!(unknownMethod && reply.status === 501)) expect(reply.status, reply.request.slice(0, 300)).toBeLessThan(500);
        // The bundles are public code, full of the word "Error:", and the served docs public text
        // that names node_modules; everything else is checked.
        const isBundle = reply.status < 300 && /javascript|application\/json/.test(reply.type) && reply.request.includes('/cignal@');
        const isDoc = reply.status < 300 && reply.type.startsWith('text/markdown') && reply.request.includes(' /docs/');
        if (!isBundle && !isDoc) expect(leaked(reply), `${reply.request.slice(0, 300)} -> ${reply.status} ${reply.body.slice(0, 300)}`).toEqual([]);
      };

      /** A live polling session, for garbage with a real sid: a garbage body closes the session it hits. */
      const session = async () => {
        const open = await send('GET', '/socket.io/?EIO=4&transport=polling', {});
        expect(open.status).toBe(200);
        return (JSON.parse(open.body.slice(1)) as { sid: string }).sid;
      };

      const methods = ['GET', 'GET', 'GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'PROPFIND', 'FOO', 'M-SEARCH', 'PURGE'];
      const cases = 600;
      const one = async () => {
        total.http++;
        if (chance(0.15)) {
          // Polling with garbage bodies, a bad sid, or a body over maxHttpBufferSize.
          // A GET on a live session is a long poll, answered only when the server has something to
          // send: live sessions get every method but GET.
          const live = chance(0.7);
          const bogus = pick(['bogus', 'x'.repeat(30)]);
          const method = live ? pick(['POST', 'POST', 'PUT', 'HEAD', 'DELETE']) : pick(['POST', 'GET', 'PUT']);
          const type = pick(['text/plain;charset=UTF-8', 'application/octet-stream', 'application/json', 'garbage']);
          const body = pick<Buffer | string>(['', 'garbage', '4', '40', '42["offer"', '1', `${'4'.repeat(10)}\u001e${'x'.repeat(100)}`, Buffer.from([0xff, 0xfe, 0x00]), 'b' + 'A'.repeat(50_000), 'x'.repeat(pick([41_000, 200_000]))]);
          const target = `/socket.io/?EIO=4&transport=polling&sid=${live ? await session() : bogus}`;
          return check(await send(method, target, { 'content-type': type }, body));
        }
        const method = pick(methods);
        return check(await send(method, path(), headers(), method === 'POST' || method === 'PUT' ? pick(['', '{', 'x'.repeat(10_000)]) : undefined));
      };
      for (let start = 0; start < cases; start += 30) await Promise.all(Array.from({ length: Math.min(30, cases - start) }, one));

      // Requests that no HTTP client library would send: malformed request lines and heads, by hand.
      const rawRequests = [
        'GET / HTTP/9.9\r\n\r\n',
        'GET /\u0000 HTTP/1.1\r\nHost: x\r\n\r\n',
        'GARBAGE\r\n\r\n',
        'GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n',
        'GET /healthz HTTP/1.1\r\nHost: x\r\n folded: header\r\n\r\n',
        'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello',
        'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nxx\r\n0\r\n\r\n',
        'POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n',
        `GET /cignal@${packageVersion}/../../package.json HTTP/1.1\r\nHost: x\r\n\r\n`,
        'GET /cignal@latest/..%2f..%2fpackage.json HTTP/1.1\r\nHost: x\r\n\r\n',
        'GET ../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n',
        'GET http://evil.example/healthz HTTP/1.1\r\nHost: x\r\n\r\n',
        'GET * HTTP/1.1\r\nHost: x\r\n\r\n',
        'CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: x\r\n\r\n',
        'GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n',
        'GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: garbage\r\nSec-WebSocket-Version: 99\r\n\r\n',
        'GET /socket.io/?EIO=4&transport=websocket HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n',
        'GET / HTTP/1.1\r\n' + Array.from({ length: 3_000 }, (_, i) => `X-${i}: y`).join('\r\n') + '\r\n\r\n',
      ];
      const raw = (text: string) =>
        new Promise<void>((resolve, reject) => {
          total.http++;
          const socket = tcpConnect(port, '127.0.0.1');
          const chunks: Buffer[] = [];
          socket.on('data', (chunk) => chunks.push(chunk));
          socket.on('error', () => {});
          socket.on('close', () => {
            const reply = Buffer.concat(chunks).toString('latin1');
            try {
              const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(reply)?.[1] ?? 0);
              // Either an answer below 500 or, for what is not HTTP at all, a closed connection.
              if (reply.length > 0) {
                expect(status, `${JSON.stringify(text.slice(0, 120))} -> ${reply.slice(0, 200)}`).toBeGreaterThanOrEqual(100);
                expect(status, JSON.stringify(text.slice(0, 120))).toBeLessThan(500);
              }
              expect(leaked({ status, body: reply, type: '', request: text })).toEqual([]);
              resolve();
            } catch (error) {
              reject(error);
            }
          });
          // Half-close: the server answers what it has and closes; a keep-alive would wait instead.
          socket.end(text);
        });
      await Promise.all(rawRequests.map(raw));

      agent.destroy();
      const health = await send('GET', '/healthz', {});
      expect(health.status).toBe(200);
      expectNoServerFailure();
    }), 90_000);

  test('afterwards, the server still carries a call: a fresh pair relays offer, answer, candidates and inform', () =>
    withSeed('the call after the barrage', async () => {
      console.log(`fuzz seed ${seed}: ${total.events} events (${total.malformedEvents} malformed), ${total.handshakes} handshakes, ${total.raw} raw packets, ${total.http} HTTP requests`);
      // When the whole file runs (not one phase picked with -t): the barrage was as large as promised.
      const barrage = ['the event barrage', 'the oversized frames', 'the handshake barrage', 'the raw packet barrage', 'the HTTP barrage'];
      if (barrage.every((phase) => phasesRun.has(phase))) expect(total.events + total.handshakes + total.raw + total.http).toBeGreaterThanOrEqual(5_000);

      const [alice, bob] = await pair(url, uniqueRoom('after'), 'alice', 'bob');
      const exchange = async (from: ClientSocket, to: ClientSocket, sender: string, event: ClientEventName, payload: Record<string, unknown>) => {
        const arrived = next(to, relayedAs[event]);
        expect(await loose(from).timeout(5_000).emitWithAck(event, payload)).toMatchObject({ ok: true });
        expect(await arrived).toEqual({ ...payload, from: sender });
      };
      await exchange(alice, bob, 'alice', 'offer', { description: { type: 'offer', sdp }, connection: 'pc-a' });
      await exchange(bob, alice, 'bob', 'answer', { description: { type: 'answer', sdp }, connection: 'pc-b', to: 'pc-a' });
      await exchange(alice, bob, 'alice', 'candidate', { candidate: { candidate: 'candidate:1 1 udp 1 192.0.2.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 }, connection: 'pc-a', to: 'pc-b' });
      await exchange(bob, alice, 'bob', 'candidate', { candidate: { candidate: 'candidate:2 1 udp 1 192.0.2.2 9 typ host', sdpMid: '0', sdpMLineIndex: 0 }, connection: 'pc-b', to: 'pc-a' });
      await exchange(alice, bob, 'alice', 'inform', { data: { chat: 'still here' } });
      await exchange(bob, alice, 'bob', 'mediaState', { microphone: true, camera: true, screenShare: false, seq: 2 });
      expectNoServerFailure();
      alice.disconnect();
      bob.disconnect();
    }), 30_000);

  test('afterwards, two real Chromium pages make a call through the same server, with video both ways', () =>
    withSeed('the browser call after the barrage', async () => {
      const browser = await launchBrowser();
      try {
        const open = async () => {
          const { page } = await openPage(browser, `${url}/healthz`);
          await installHarness(page, packageVersion);
          return page;
        };
        const [a, b] = await Promise.all([open(), open()]);
        await startCall(a, b, uniqueRoom('browsers'));
        expect(await state(a)).toBe('in-call');
        expect(await state(b)).toBe('in-call');
        expectNoServerFailure();
      } finally {
        await browser.close();
      }
    }), 60_000);
});

