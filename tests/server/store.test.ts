// The in-memory room store against the RoomStore contract, and what only it promises: answers at once.
import { expect, test } from 'vitest';
import { MemoryRoomStore } from '../../server/rooms/memory.js';
import type { Seat } from '../../server/rooms/store.js';
import { NONE, describeRoomStore } from '../helpers/store-contract.js';

describeRoomStore('MemoryRoomStore', () => new MemoryRoomStore());

test('the in-memory store answers every call with a value, never a promise: a join, a welcome and a relay wait on nothing', () => {
  const store = new MemoryRoomStore();
  const seat = (peerId: string): Seat => ({ peerId, displayName: peerId, role: null, session: `s-${peerId}`, socketId: `sock-${peerId}`, joinedAt: 1_000, awayUntil: 9_000, secretHash: `h-${peerId}` });
  const answers = [
    store.join('r', seat('a'), 1_000, NONE),
    store.join('r', seat('b'), 1_000, NONE),
    store.keep('r', 'b', ['information', { data: 1 }]),
    store.settle('r', 'a', 'sock-a'),
    store.route('r', 'a', 'sock-a'),
    store.partner('r', 'a'),
    store.drop('r', 'a', 'sock-a', 5_000),
    store.expire(2_000),
    store.count(),
    store.list(),
    store.undoJoin('r', 'b', 'sock-b', null),
    store.leave('r', 'a', 'sock-a'),
  ];
  for (const answer of answers) expect(typeof (answer as { then?: unknown } | null)?.then).not.toBe('function');
  expect(store.count()).toBe(0);
});
