// The server's payload parsers (server/signalling/payloads.ts) against the schemas they stand in
// for: for every input, the same acceptance, the same output (fields, their order, their values)
// and the same refusal, over a table of valid, edge and invalid payloads and over payloads made
// from them by a seeded generator. And the fast path, not the schema, takes what clients send.
import { describe, expect, test } from 'vitest';
import {
  AnswerSchema,
  CandidateLimits,
  CandidateSchema,
  DeclineSchema,
  InformSchema,
  JoinRequestSchema,
  Limits,
  MediaStateSchema,
  OfferSchema,
  PROTOCOL_VERSION,
  RestartIceSchema,
  describeIssues,
  safeParse,
} from '../../sdk/protocol/index.js';
import * as payloads from '../../server/signalling/payloads.js';
import { Refused, type PayloadParser } from '../../server/signalling/payloads.js';

const sdp = 'v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';
const line = 'candidate:842163049 1 udp 1677729535 192.0.2.10 54400 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag Xk4b network-cost 999';

/** Payloads as the SDK and other clients send them: the fast path must take every one. */
const asSent = {
  offer: [
    { description: { type: 'offer', sdp }, connection: 'pc-1' },
    { description: { type: 'offer', sdp }, connection: 'pc-1', to: 'pc-2' },
  ],
  answer: [
    { description: { type: 'answer', sdp }, connection: 'pc-2', to: 'pc-1' },
    { description: { type: 'answer', sdp: 'x' }, connection: 'a' },
  ],
  candidate: [
    { candidate: { candidate: line, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'Xk4b' }, connection: 'pc-1', to: 'pc-2' },
    { candidate: { candidate: line, sdpMid: '1', sdpMLineIndex: 1 }, connection: 'pc-1' },
    // The end of candidates, as browsers hand it over.
    { candidate: { candidate: '', sdpMid: null, sdpMLineIndex: null, usernameFragment: null }, connection: 'pc-1', to: 'pc-2' },
    { candidate: { candidate: '' }, connection: 'pc-1' },
  ],
  restartIce: [
    { connection: 'pc-2', to: 'pc-1', ufrag: 'Xk4b' },
    { connection: 'pc-2', to: 'pc-1' },
    { connection: 'pc-2', ufrag: 'a+b/Cd9e3f07a2' },
    { connection: 'pc-2' },
  ],
  decline: [
    { reason: 'unsupported', to: 'pc-1' },
    { reason: 'unsupported' },
  ],
  mediaState: [
    { microphone: true, camera: false, screenShare: false, seq: 0 },
    { microphone: false, camera: true, screenShare: true, seq: Number.MAX_SAFE_INTEGER },
    { microphone: true, camera: true, screenShare: false, seq: 4, cameraPaused: 'background' },
    // A reason a newer SDK may add: relayed as it is.
    { microphone: true, camera: true, screenShare: false, seq: 5, cameraPaused: `a${'-'.repeat(30)}9` },
  ],
  inform: [
    { data: { text: 'hello' } },
    { data: 'x', id: 'm-1' },
    { data: null },
    { data: [1, 'two', { three: 3 }], id: 'A_b-9' },
  ],
  joinRequest: [
    { roomId: 'room-1', peerId: 'alice', session: 's1', displayName: 'Alice', role: 'host', protocol: PROTOCOL_VERSION },
    { roomId: 'r', peerId: 'p', session: 's' },
    { roomId: 'r', peerId: 'p', session: 's', displayName: '  Zoë  ', protocol: 1 },
    { roomId: 'r', peerId: 'p', session: 's', displayName: '', role: '' },
    { roomId: 'r', peerId: 'p', session: 's', protocol: PROTOCOL_VERSION, token: 'eyJhbGciOiJIUzI1NiJ9.eyJyb29tIjoiciJ9.c2ln', seatSecret: 'S'.repeat(43) },
  ],
} as const;

type Name = keyof typeof asSent;

/** Valid, but in shapes clients do not send, at the limits, or invalid: either path may answer. */
const edges: Record<Name, unknown[]> = {
  offer: [
    { description: { type: 'offer', sdp: 'a'.repeat(Limits.sdpMaxLength) }, connection: 'c'.repeat(Limits.sessionMaxLength) },
    { description: { type: 'offer', sdp: 'a'.repeat(Limits.sdpMaxLength + 1) }, connection: 'c' },
    { description: { type: 'offer', sdp, extra: 1 }, connection: 'c', from: 'mallory', extra: { x: 1 } },
    { description: { type: 'offer', sdp }, connection: 'c', to: undefined },
    { description: { type: 'offer', sdp }, connection: 'c', to: null },
    { description: { type: 'answer', sdp }, connection: 'c' },
    { description: { type: 'offer', sdp: '' }, connection: 'c'.repeat(Limits.sessionMaxLength + 1), to: '../x' },
    { description: [], connection: [] },
    [{ description: { type: 'offer', sdp }, connection: 'c' }],
    Object.assign(Object.create({ connection: 'inherited' }), { description: { type: 'offer', sdp } }),
    'x'.repeat(100),
    undefined,
    null,
    42,
    {},
  ],
  answer: [
    { description: { type: 'answer', sdp }, connection: 'c', to: 'c'.repeat(Limits.sessionMaxLength) },
    { description: { type: 'answer', sdp }, connection: 'c', to: 'c'.repeat(Limits.sessionMaxLength + 1) },
    { description: { type: 'answer' }, connection: 'c' },
    { description: { sdp }, to: 7 },
    { description: 'answer' },
  ],
  candidate: [
    { candidate: { candidate: 'c'.repeat(Limits.candidateMaxLength), sdpMid: 'm'.repeat(CandidateLimits.sdpMidMaxLength), sdpMLineIndex: CandidateLimits.sdpMLineIndexMax, usernameFragment: 'u'.repeat(CandidateLimits.usernameFragmentMaxLength) }, connection: 'c' },
    { candidate: { candidate: 'c'.repeat(Limits.candidateMaxLength + 1), sdpMid: 'm'.repeat(CandidateLimits.sdpMidMaxLength + 1), sdpMLineIndex: CandidateLimits.sdpMLineIndexMax + 1, usernameFragment: 'u'.repeat(CandidateLimits.usernameFragmentMaxLength + 1) }, connection: 'c' },
    { candidate: { candidate: line, sdpMLineIndex: -0 }, connection: 'c' },
    { candidate: { candidate: line, sdpMLineIndex: -1 }, connection: 'c' },
    { candidate: { candidate: line, sdpMLineIndex: 0.5 }, connection: 'c' },
    { candidate: { candidate: line, sdpMLineIndex: NaN }, connection: 'c' },
    { candidate: { candidate: line, sdpMLineIndex: Infinity }, connection: 'c' },
    { candidate: { candidate: line, sdpMLineIndex: '0' }, connection: 'c' },
    { candidate: { candidate: line, sdpMid: 0, usernameFragment: false }, connection: 'c' },
    { candidate: { candidate: line, sdpMid: undefined, sdpMLineIndex: undefined }, connection: 'c' },
    { candidate: { candidate: line, extra: 'x' }, connection: 'c', sdpMid: '0' },
    { candidate: line, connection: 'c' },
    { candidate: { candidate: null }, connection: 'c' },
    { candidate: {} },
  ],
  restartIce: [
    { connection: 'c'.repeat(Limits.sessionMaxLength), to: 't'.repeat(Limits.sessionMaxLength) },
    { connection: 'c'.repeat(Limits.sessionMaxLength + 1) },
    { connection: 'c', to: undefined },
    { connection: 'c', to: null },
    { connection: 'c', to: '../x', from: 'mallory' },
    { connection: 'c', extra: 1 },
    { connection: 'c', ufrag: 'u'.repeat(256) },
    { connection: 'c', ufrag: 'u'.repeat(257) },
    { connection: 'c', ufrag: '' },
    { connection: 'c', ufrag: 'a b' },
    { connection: 'c', ufrag: 42 },
    { connection: 'c', ufrag: undefined },
    { to: 'pc-1' },
    ['c'],
    'restart',
    null,
    {},
  ],
  decline: [
    { reason: 'unsupported', to: undefined },
    { reason: 'unsupported', to: 'c'.repeat(Limits.sessionMaxLength + 1) },
    { reason: 'busy', to: 'pc-1' },
    { reason: 'UNSUPPORTED' },
    { reason: 1, from: 'mallory' },
    { reason: 'unsupported', extra: 'x' },
    { to: 'pc-1' },
    ['unsupported'],
    'unsupported',
    undefined,
  ],
  mediaState: [
    { microphone: true, camera: true, screenShare: true, seq: 1, extra: 'x' },
    { microphone: true, camera: true, screenShare: true, seq: -1 },
    { microphone: true, camera: true, screenShare: true, seq: 1.5 },
    { microphone: true, camera: true, screenShare: true, seq: Number.MAX_SAFE_INTEGER + 1 },
    { microphone: 1, camera: true, screenShare: true, seq: 1 },
    { microphone: true, camera: true, seq: 1 },
    { microphone: true, camera: true, screenShare: false, seq: 1, cameraPaused: undefined },
    { microphone: true, camera: true, screenShare: false, seq: 1, cameraPaused: 'b'.repeat(33) },
    { microphone: true, camera: true, screenShare: false, seq: 1, cameraPaused: '' },
    { microphone: true, camera: true, screenShare: false, seq: 1, cameraPaused: 'Background' },
    { microphone: true, camera: true, screenShare: false, seq: 1, cameraPaused: '<img src=x>' },
    { microphone: true, camera: true, screenShare: false, seq: 1, cameraPaused: true },
    { microphone: true, camera: true, screenShare: false, seq: 1, cameraPaused: null },
    [true, true, true, 1],
    'on',
    null,
  ],
  inform: [
    { data: 'x'.repeat(Limits.informMaxBytes - 2) },
    { data: 'x'.repeat(Limits.informMaxBytes - 1) },
    { data: '€'.repeat(6_000) },
    { data: Buffer.alloc(9_000) },
    { data: undefined },
    { data: 1n },
    { data: 'x', id: undefined },
    { data: 'x', id: '' },
    { data: 'x', id: '../1' },
    { data: 'x', id: 'i'.repeat(Limits.sessionMaxLength + 1) },
    { data: 'x', id: 12, from: 'mallory' },
    { text: 'hello' },
    ['data'],
  ],
  joinRequest: [
    { roomId: 'r'.repeat(Limits.idMaxLength), peerId: 'p'.repeat(Limits.idMaxLength), session: 's'.repeat(Limits.sessionMaxLength), displayName: 'd'.repeat(Limits.displayNameMaxLength), role: 'r'.repeat(Limits.roleMaxLength) },
    { roomId: 'r'.repeat(Limits.idMaxLength + 1), peerId: 'p', session: 's', displayName: 'd'.repeat(Limits.displayNameMaxLength + 1), role: 'r'.repeat(Limits.roleMaxLength + 1) },
    { roomId: 'r', peerId: 'p', session: 's', displayName: 'tab\there', role: 'line\nbreak' },
    { roomId: 'r', peerId: 'p', session: 's', displayName: `${'d'.repeat(Limits.displayNameMaxLength)}\u007f` },
    { roomId: 'r', peerId: 'p', session: 's', displayName: null, role: null, protocol: null },
    { roomId: 'r', peerId: 'p', session: 's', displayName: undefined, role: undefined, protocol: undefined },
    { roomId: 'r', peerId: 'p', session: 's', protocol: 0 },
    { roomId: 'r', peerId: 'p', session: 's', protocol: 1.5 },
    { roomId: 'r', peerId: 'p', session: 's', protocol: '2' },
    { roomId: 'r', peerId: 'p', session: 's', protocol: NaN },
    { roomId: 'r', peerId: 'p', session: 's', protocol: PROTOCOL_VERSION + 1, token: 'secret' },
    { roomId: 'r', peerId: 'p', session: 's', token: 't'.repeat(Limits.tokenMaxLength), seatSecret: 's'.repeat(Limits.seatSecretMaxLength) },
    { roomId: 'r', peerId: 'p', session: 's', token: 't'.repeat(Limits.tokenMaxLength + 1) },
    { roomId: 'r', peerId: 'p', session: 's', seatSecret: 's'.repeat(Limits.seatSecretMaxLength + 1) },
    { roomId: 'r', peerId: 'p', session: 's', token: '', seatSecret: '' },
    { roomId: 'r', peerId: 'p', session: 's', token: 42, seatSecret: { secret: true } },
    { roomId: 'r', peerId: 'p', session: 's', token: null, seatSecret: null },
    { roomId: 'r', peerId: 'p', session: 's', token: undefined, seatSecret: undefined },
    { roomId: 'a b', peerId: '', session: 7 },
    { roomId: 'r' },
    {},
    [],
    'room',
    undefined,
  ],
};

const subjects: Record<Name, { parser: PayloadParser<object>; schema: Parameters<typeof safeParse>[0] }> = {
  offer: { parser: payloads.offer, schema: OfferSchema },
  answer: { parser: payloads.answer, schema: AnswerSchema },
  candidate: { parser: payloads.candidate, schema: CandidateSchema },
  restartIce: { parser: payloads.restartIce, schema: RestartIceSchema },
  decline: { parser: payloads.decline, schema: DeclineSchema },
  mediaState: { parser: payloads.mediaState, schema: MediaStateSchema },
  inform: { parser: payloads.inform, schema: InformSchema },
  joinRequest: { parser: payloads.joinRequest, schema: JoinRequestSchema },
};

/** A value with its fields in order and its numbers told apart as Object.is does (-0, NaN). */
function shape(value: unknown): unknown {
  if (typeof value === 'number') return Object.is(value, -0) ? '-0 (number)' : `${value} (number)`;
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value !== 'object' || value === null) return value;
  const kind = Array.isArray(value) ? 'Array' : (Object.getPrototypeOf(value)?.constructor?.name ?? 'null-prototype');
  return [kind, ...Reflect.ownKeys(value).map((key) => [String(key), shape((value as Record<PropertyKey, unknown>)[key])])];
}

/** What the schema answers, in the form the parser answers it. */
function reference(schema: Parameters<typeof safeParse>[0], input: unknown) {
  const parsed = safeParse(schema, input);
  return parsed.success ? { accepted: shape(parsed.output) } : { refused: describeIssues(parsed.issues) };
}

function answered(parser: PayloadParser<object>, input: unknown) {
  const result = parser.parse(input);
  return result instanceof Refused ? { refused: result.message } : { accepted: shape(result) };
}

/** A small deterministic generator (mulberry32), so that a failure can be replayed. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Values that probe each rule: types, limits and their neighbours, characters ids and labels refuse. */
const probes: unknown[] = [
  undefined, null, true, false, 0, -0, 1, -1, 0.5, 2, 63, 64, 65, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1, NaN, Infinity, -Infinity,
  '', ' ', 'a', 'offer', 'answer', 'unsupported', '0', 'pc-1', 'A_z-9', 'a b', '../x', 'é', 'tab\t', '\u007f', '\u0000', '{}',
  ...[31, 32, 33, 63, 64, 65, 255, 256, 257, 1023, 1024, 1025].map((n) => 'x'.repeat(n)),
  'x'.repeat(Limits.sdpMaxLength), 'x'.repeat(Limits.sdpMaxLength + 1),
  [], [1], ['offer'], {}, { type: 'offer', sdp: 'x' }, { candidate: 'x' }, Buffer.from('hi'), 1n,
];

function clone(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(clone);
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, clone(v)]));
  }
  return value;
}

/** The plain objects inside a value, itself included. */
function objectsIn(value: unknown, found: Array<Record<string, unknown>> = []): Array<Record<string, unknown>> {
  if (typeof value === 'object' && value !== null && !Buffer.isBuffer(value)) {
    found.push(value as Record<string, unknown>);
    for (const child of Object.values(value)) objectsIn(child, found);
  }
  return found;
}

/** A payload of the tables with up to two random changes: a field removed, replaced, added, or the whole payload replaced. */
function mutated(next: () => number, name: Name): unknown {
  const pick = <T>(list: readonly T[]) => list[Math.floor(next() * list.length)]!;
  let value = clone(pick([...asSent[name], ...edges[name]]));
  const changes = Math.floor(next() * 3);
  for (let i = 0; i < changes; i++) {
    const targets = objectsIn(value);
    const roll = next();
    if (targets.length === 0 || roll < 0.05) {
      value = clone(pick(probes));
      continue;
    }
    const target = pick(targets);
    const keys = Object.keys(target);
    if (roll < 0.25 && keys.length > 0) delete target[pick(keys)];
    else if (roll < 0.85 && keys.length > 0) target[pick(keys)] = clone(pick(probes));
    else target[pick(['from', 'extra', 'to', 'id', 'sdpMid', 'protocol', 'role', 'data', 'type', 'seq', 'reason', 'connection', 'ufrag'])] = clone(pick(probes));
  }
  return value;
}

describe('payload parsers agree with the schemas', () => {
  test.each(Object.keys(asSent) as Name[])('%s: payloads as clients send them take the fast path, with the schema output', (name) => {
    const { parser, schema } = subjects[name];
    for (const input of asSent[name]) {
      const fast = parser.fast(input);
      expect(fast, JSON.stringify(input)).toBeDefined();
      expect({ accepted: shape(fast) }).toEqual(reference(schema, input));
    }
  });

  test.each(Object.keys(asSent) as Name[])('%s: edge and invalid payloads are answered as the schema answers them', (name) => {
    const { parser, schema } = subjects[name];
    for (const input of [...asSent[name], ...edges[name]]) expect(answered(parser, input)).toEqual(reference(schema, input));
  });

  test.each(Object.keys(asSent) as Name[])('%s: 5000 generated payloads are answered as the schema answers them', (name) => {
    const { parser, schema } = subjects[name];
    const next = random([...name].reduce((seed, c) => seed * 31 + c.charCodeAt(0), 9));
    let accepted = 0;
    let fast = 0;
    for (let i = 0; i < 5_000; i++) {
      const input = mutated(next, name);
      const expected = reference(schema, input);
      // The fast path answers only what the schema accepts, and with its output.
      const quick = parser.fast(input);
      if (quick !== undefined) {
        fast++;
        expect({ accepted: shape(quick) }, `case ${i}`).toEqual(expected);
      }
      expect(answered(parser, input), `case ${i}`).toEqual(expected);
      if ('accepted' in expected) accepted++;
    }
    // The generator reaches both sides of the rules, and the fast path with them.
    expect(accepted).toBeGreaterThan(250);
    expect(accepted).toBeLessThan(4_750);
    expect(fast).toBeGreaterThan(accepted / 2);
  });
});

describe('refusals', () => {
  test('a refusal does not echo a long input back: each issue is cut to a short sentence', () => {
    const huge = 'x'.repeat(Limits.sdpMaxLength);
    // valibot's own message for a wrong type quotes what it received; here, 32 KiB of it.
    for (const [parser, input] of [
      [payloads.offer, { description: huge, connection: huge }],
      [payloads.candidate, { candidate: huge, connection: 'pc-1' }],
      [payloads.restartIce, huge],
      [payloads.joinRequest, { roomId: huge, peerId: { a: huge }, session: [huge] }],
    ] as const) {
      const refused = (parser as PayloadParser<object>).parse(input);
      expect(refused).toBeInstanceOf(Refused);
      const { message } = refused as Refused;
      expect(message.length).toBeLessThan(3 * 160 + 6);
      expect(message).not.toContain('x'.repeat(200));
    }
  });
});
