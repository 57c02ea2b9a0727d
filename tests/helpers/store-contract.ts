// What every RoomStore promises, as tests: run against the in-memory store and the Redis store.
import { describe, expect, test } from 'vitest';
import { AWAY_SEAT_BYTES, type RoomStore, type Seat, type SeatClaim } from '../../server/rooms/store.js';

let rooms = 0;
const room = () => `contract-${process.pid}-${rooms++}`;

function seat(peerId: string, overrides: Partial<Seat> = {}): Seat {
  return { peerId, displayName: peerId, role: null, session: `s-${peerId}`, socketId: `sock-${peerId}`, joinedAt: 1_000, awayUntil: null, secretHash: `h-${peerId}`, ...overrides };
}

/** A join that brings nothing to take a held seat. */
export const NONE: SeatClaim = { secretHash: null, byToken: false };
/** A join that brings the secret of `peerId`'s seat as `seat()` makes it. */
export const secretOf = (peerId: string): SeatClaim => ({ secretHash: `h-${peerId}`, byToken: false });
const BY_TOKEN: SeatClaim = { secretHash: null, byToken: true };

const strip = (s: Seat | null) => s && { peerId: s.peerId, socketId: s.socketId, session: s.session, awayUntil: s.awayUntil };

export function describeRoomStore(name: string, make: () => RoomStore | Promise<RoomStore>): void {
  describe(`${name}: the RoomStore contract`, () => {
    test('seats two peers, refuses a third, and a peer joining again replaces its own seat', async () => {
      const store = await make();
      const id = room();
      expect(await store.join(id, seat('a'), 1_000, NONE)).toEqual({ ok: true, previous: null, partner: null, freed: [], secretKept: false });
      const second = await store.join(id, seat('b'), 1_000, NONE);
      expect(second.ok && strip(second.partner)).toEqual(strip(seat('a')));
      expect(await store.join(id, seat('c'), 1_000, NONE)).toEqual({ ok: false, reason: 'room-full' });

      const again = await store.join(id, seat('a', { socketId: 'sock-a2', joinedAt: 5_000 }), 1_000, secretOf('a'));
      expect(again.ok && strip(again.previous)).toEqual(strip(seat('a')));
      // Same session: the original join time stays.
      expect((await store.list()).find((r) => r.id === id)?.peers.find((p) => p.peerId === 'a')?.joinedAt).toBe(1_000);
      expect(await store.route(id, 'a', 'sock-a')).toEqual({ seated: false });
      const route = await store.route(id, 'a', 'sock-a2');
      expect(route.seated && route.partner?.peerId).toBe('b');
    });

    test('leave frees only the seat the socket still speaks for, and an empty room is gone', async () => {
      const store = await make();
      const id = room();
      await store.join(id, seat('a'), 1_000, NONE);
      await store.join(id, seat('b'), 1_000, NONE);
      const before = await store.count();
      expect(await store.leave(id, 'a', 'someone-else')).toBeNull();
      const left = await store.leave(id, 'a', 'sock-a');
      expect([left?.roomId, left?.seat.peerId, left?.partner?.peerId]).toEqual([id, 'a', 'b']);
      expect(await store.partner(id, 'b')).toBeNull();
      await store.leave(id, 'b', 'sock-b');
      expect(await store.count()).toBe(before - 1);
      expect((await store.list()).some((r) => r.id === id)).toBe(false);
    });

    test('undoing a join is compare-and-set: the earlier seat comes back only while the abandoned socket holds it', async () => {
      const store = await make();
      const id = room();
      await store.join(id, seat('a'), 1_000, NONE);
      const reload = await store.join(id, seat('a', { socketId: 'sock-a2', session: 'other' }), 1_000, secretOf('a'));
      const previous = reload.ok ? reload.previous : null;
      // A third connection took the seat in between: the undo of the second must not touch it.
      await store.join(id, seat('a', { socketId: 'sock-a3', session: 'third' }), 1_000, secretOf('a'));
      expect(await store.undoJoin(id, 'a', 'sock-a2', previous)).toBe(false);
      expect((await store.route(id, 'a', 'sock-a3')).seated).toBe(true);

      expect(await store.undoJoin(id, 'a', 'sock-a3', previous)).toBe(true);
      expect((await store.route(id, 'a', 'sock-a')).seated).toBe(true);

      const fresh = room();
      await store.join(fresh, seat('x'), 1_000, NONE);
      expect(await store.undoJoin(fresh, 'x', 'sock-x', null)).toBe(true);
      expect((await store.list()).some((r) => r.id === fresh)).toBe(false);
    });

    test('messages for an away seat are kept in order and handed over once, when it settles', async () => {
      const store = await make();
      const id = room();
      await store.join(id, seat('a'), 1_000, NONE);
      await store.join(id, seat('b'), 1_000, NONE);
      expect(await store.keep(id, 'b', ['information', { data: 1 }])).toEqual({ kept: false, socketId: 'sock-b' });
      expect(await store.drop(id, 'b', 'not-b', 99_999)).toBe(false);
      expect(await store.drop(id, 'b', 'sock-b', 99_999)).toBe(true);
      expect((await store.partner(id, 'a'))?.awayUntil).toBe(99_999);
      for (const n of [1, 2, 3]) expect(await store.keep(id, 'b', ['information', { data: n }])).toEqual({ kept: true });

      await store.join(id, seat('b', { socketId: 'sock-b2', awayUntil: 99_999 }), 1_000, secretOf('b'));
      await store.keep(id, 'b', ['offer', { sdp: 'x' }]);
      expect(await store.settle(id, 'b', 'sock-b')).toBeNull();
      const settled = await store.settle(id, 'b', 'sock-b2');
      expect(settled?.partner?.peerId).toBe('a');
      expect(settled?.kept).toEqual([
        ['information', { data: 1 }],
        ['information', { data: 2 }],
        ['information', { data: 3 }],
        ['offer', { sdp: 'x' }],
      ]);
      expect((await store.settle(id, 'b', 'sock-b2'))?.kept).toEqual([]);
      expect(await store.keep(id, 'b', ['information', { data: 4 }])).toEqual({ kept: false, socketId: 'sock-b2' });
    });

    test('what is kept is bounded per seat, except who is in the room', async () => {
      const store = await make();
      const id = room();
      await store.join(id, seat('a', { awayUntil: 99_999 }), 1_000, NONE);
      const big = 'x'.repeat(AWAY_SEAT_BYTES / 4);
      for (let i = 0; i < 6; i++) await store.keep(id, 'a', ['information', { data: big }]);
      await store.keep(id, 'a', ['peerLeft', { peerId: 'b', reason: 'left' }], { always: true });
      const kept = (await store.settle(id, 'a', 'sock-a'))!.kept;
      expect(kept.length).toBe(4);
      expect(kept.at(-1)).toEqual(['peerLeft', { peerId: 'b', reason: 'left' }]);
    });

    test('the bound counts the UTF-8 bytes of the whole message, and a message over it is said to be dropped', async () => {
      const store = await make();
      const id = room();
      await store.join(id, seat('a', { awayUntil: 99_999 }), 1_000, NONE);
      // Half the bound in UTF-16 units, a little over it in UTF-8 bytes once the event name is counted.
      const wide = 'é'.repeat(AWAY_SEAT_BYTES / 2 - 10);
      expect(await store.keep(id, 'a', ['information', { data: wide }])).toEqual({ kept: true, dropped: true });
      expect(await store.keep(id, 'a', ['information', { data: 'small' }])).toEqual({ kept: true });
      expect((await store.settle(id, 'a', 'sock-a'))!.kept).toEqual([['information', { data: 'small' }]]);
    });

    test('expire frees the seats whose grace has ended, once, with the partner to tell', async () => {
      const store = await make();
      const id = room();
      await store.join(id, seat('a'), 1_000, NONE);
      await store.join(id, seat('b'), 1_000, NONE);
      await store.drop(id, 'b', 'sock-b', 5_000);
      await store.keep(id, 'b', ['information', { data: 1 }]);
      expect((await store.expire(4_999, 1_000)).filter((d) => d.roomId === id)).toEqual([]);
      const freed = (await store.expire(5_000, 1_000)).filter((d) => d.roomId === id);
      expect(freed.map((d) => [d.seat.peerId, d.partner?.peerId])).toEqual([['b', 'a']]);
      expect((await store.expire(6_000, 1_000)).filter((d) => d.roomId === id)).toEqual([]);
      expect(await store.partner(id, 'a')).toBeNull();
    });

    test('a join frees the seats whose grace has ended before counting, and says whom to tell', async () => {
      const store = await make();
      const id = room();
      await store.join(id, seat('a'), 1_000, NONE);
      await store.join(id, seat('b'), 1_000, NONE);
      await store.drop(id, 'b', 'sock-b', 5_000);
      // Still within b's grace: the room is full.
      expect(await store.join(id, seat('c'), 4_999, NONE)).toEqual({ ok: false, reason: 'room-full' });
      // Its grace has ended but no sweep ran yet: c takes the seat, and a is to be told.
      const joined = await store.join(id, seat('c'), 5_000, NONE);
      expect(joined.ok && joined.freed.map((d) => [d.roomId, d.seat.peerId, d.partner?.peerId])).toEqual([[id, 'b', 'a']]);
      expect(joined.ok && joined.partner?.peerId).toBe('a');
      expect((await store.expire(6_000, 1_000)).filter((d) => d.roomId === id)).toEqual([]);
      expect((await store.list()).find((r) => r.id === id)?.peers.map((p) => p.peerId).sort()).toEqual(['a', 'c']);
    });

    test('a held seat is refused without its secret (or a wrong one), before anything changes', async () => {
      const store = await make();
      const id = room();
      await store.join(id, seat('a'), 1_000, NONE);
      await store.join(id, seat('b'), 1_000, NONE);
      // b's connection dropped: its seat is held through the grace, and messages are kept for it.
      await store.drop(id, 'b', 'sock-b', 5_000);
      await store.keep(id, 'b', ['information', { data: 'for b' }]);
      for (const [who, claim] of [['a', NONE], ['a', secretOf('b')], ['b', NONE], ['b', { secretHash: 'h-b-guess', byToken: false }]] as const) {
        expect(await store.join(id, seat(who, { socketId: `intruder-${who}`, session: 'intruder', secretHash: 'h-intruder' }), 4_999, claim)).toEqual({ ok: false, reason: 'seat-taken' });
      }
      expect((await store.route(id, 'a', 'sock-a')).seated).toBe(true);
      expect((await store.partner(id, 'a'))?.socketId).toBe('sock-b');
      expect((await store.list()).find((r) => r.id === id)?.peers.map((p) => p.displayName).sort()).toEqual(['a', 'b']);
      // What was kept for b is untouched: its own comeback gets it.
      await store.join(id, seat('b', { socketId: 'sock-b2', awayUntil: 99_999 }), 4_999, secretOf('b'));
      expect((await store.settle(id, 'b', 'sock-b2'))?.kept).toEqual([['information', { data: 'for b' }]]);
    });

    test('a join with the secret keeps the seat secret; a token for the peer id takes the seat and renews it', async () => {
      const store = await make();
      const id = room();
      await store.join(id, seat('a'), 1_000, NONE);
      const tab = await store.join(id, seat('a', { socketId: 'sock-a2', session: 'tab', secretHash: 'h-unused' }), 1_000, secretOf('a'));
      expect(tab.ok && tab.secretKept).toBe(true);
      const byToken = await store.join(id, seat('a', { socketId: 'sock-a3', session: 'token', secretHash: 'h-renewed' }), 1_000, BY_TOKEN);
      expect(byToken.ok && [byToken.secretKept, byToken.previous?.socketId]).toEqual([false, 'sock-a2']);
      // The old secret no longer takes the seat; the renewed one does.
      expect(await store.join(id, seat('a', { socketId: 'sock-a4' }), 1_000, secretOf('a'))).toEqual({ ok: false, reason: 'seat-taken' });
      const renewed = await store.join(id, seat('a', { socketId: 'sock-a5' }), 1_000, { secretHash: 'h-renewed', byToken: false });
      expect(renewed.ok && renewed.secretKept).toBe(true);
      expect((await store.route(id, 'a', 'sock-a5')).seated).toBe(true);
      // A token beside the right secret (an SDK with both reconnecting) keeps the secret.
      const both = await store.join(id, seat('a', { socketId: 'sock-a6', secretHash: 'h-unused-2' }), 1_000, { secretHash: 'h-renewed', byToken: true });
      expect(both.ok && both.secretKept).toBe(true);
    });

    test('a seat that was freed, or whose grace has ended, is taken without a secret and gets the new one', async () => {
      const store = await make();
      const id = room();
      await store.join(id, seat('a'), 1_000, NONE);
      await store.join(id, seat('b'), 1_000, NONE);
      await store.leave(id, 'a', 'sock-a');
      const again = await store.join(id, seat('a', { socketId: 'sock-a2', secretHash: 'h-a2' }), 1_000, NONE);
      expect(again.ok && [again.secretKept, again.previous]).toEqual([false, null]);
      await store.drop(id, 'b', 'sock-b', 5_000);
      const late = await store.join(id, seat('b', { socketId: 'sock-b2', secretHash: 'h-b2' }), 5_000, NONE);
      expect(late.ok && late.secretKept).toBe(false);
      await store.settle(id, 'b', 'sock-b2');
      // The new secret is the seat's from now on.
      expect(await store.join(id, seat('b', { socketId: 'sock-b3' }), 5_000, secretOf('b'))).toEqual({ ok: false, reason: 'seat-taken' });
      expect((await store.join(id, seat('b', { socketId: 'sock-b4' }), 5_000, { secretHash: 'h-b2', byToken: false })).ok).toBe(true);
    });

    test('a seat whose secret never reached its peer (not settled yet) is taken again by the same session alone', async () => {
      const store = await make();
      const id = room();
      await store.join(id, seat('a', { awayUntil: 9_000 }), 1_000, NONE);
      // The connection was lost before the welcome: its own session comes back without the secret.
      expect(await store.join(id, seat('a', { socketId: 'sock-x', session: 'someone-else', awayUntil: 9_000 }), 1_000, NONE)).toEqual({ ok: false, reason: 'seat-taken' });
      const back = await store.join(id, seat('a', { socketId: 'sock-a2', awayUntil: 9_000, secretHash: 'h-a2' }), 1_000, NONE);
      expect(back.ok && back.secretKept).toBe(false);
      // Once settled, the secret has gone out: the same session needs it too.
      await store.settle(id, 'a', 'sock-a2');
      expect(await store.join(id, seat('a', { socketId: 'sock-a3' }), 1_000, NONE)).toEqual({ ok: false, reason: 'seat-taken' });
      expect((await store.join(id, seat('a', { socketId: 'sock-a3' }), 1_000, { secretHash: 'h-a2', byToken: false })).ok).toBe(true);
    });
  });
}
