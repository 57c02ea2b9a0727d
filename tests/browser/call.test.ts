// Two real Chromium pages hold a call through a real server, using the SDK from its CDN URL.
import type { Page } from 'playwright-core';
import { beforeEach, describe, expect, it } from 'vitest';
import { packageVersion } from '../../server/paths.js';
import { browserSuite } from '../helpers/browser.js';
import { events, expectVideoFlowing, installHarness, state, waitForEvent } from '../helpers/harness.js';
import { uniqueRoom } from '../helpers/server.js';

const suite = browserSuite({ reconnectGraceMs: 2_000 });

async function page(): Promise<Page> {
  const page = await suite.open(`${suite.server.url}/healthz`);
  await installHarness(page, packageVersion);
  return page;
}

async function enter(p: Page, roomId: string, peerName: string, peerId?: string) {
  return p.evaluate(([roomId, peerName, peerId]) => (window as any).T.create({ roomId, peerName, peerId }), [roomId, peerName, peerId] as const);
}

describe('a call between two pages', () => {
  let alice: Page;
  let bob: Page;
  let roomId: string;

  beforeEach(async () => {
    roomId = uniqueRoom();
    [alice, bob] = await Promise.all([page(), page()]);
    await enter(alice, roomId, 'Alice');
    await enter(bob, roomId, 'Bob');
    // Bob's createRoom resolves once he is in; Alice hears of him a moment later.
    await waitForEvent(alice, 'peerJoined');
  });

  it('tells each side who joined, including events fired while createRoom ran', async () => {
    // Bob joined second: his peerJoined and localStream fired inside createRoom, before his
    // listeners existed; they must still arrive.
    await waitForEvent(bob, 'peerJoined');
    await waitForEvent(alice, 'peerJoined');
    expect((await events(bob, 'peerJoined')).map((e) => e.arg)).toEqual(['Alice']);
    expect((await events(alice, 'peerJoined')).map((e) => e.arg)).toEqual(['Bob']);
    expect(await events(bob, 'localStream')).toHaveLength(1);
    expect(await state(alice)).toBe('ready');
    expect(await state(bob)).toBe('ready');
    expect(await bob.evaluate(() => (window as any).T.room.data.remoteDisplayName)).toBe('Alice');
  });

  it('delivers decoded video both ways after one side calls, with one remoteStream per side', async () => {
    const result = await alice.evaluate(() => (window as any).T.room.joinRoom());
    expect(result).toEqual({ success: true });
    const [a, b] = await Promise.all([expectVideoFlowing(alice), expectVideoFlowing(bob)]);
    expect(a.width).toBeGreaterThan(0);
    expect(b.width).toBeGreaterThan(0);
    expect(await events(alice, 'remoteStream')).toHaveLength(1);
    expect(await events(bob, 'remoteStream')).toHaveLength(1);
    // The remote stream carries both kinds of track, in one stream.
    expect((await bob.evaluate(() => (window as any).T.room.remoteMedia.getTracks().map((t: MediaStreamTrack) => t.kind).sort()))).toEqual(['audio', 'video']);
    expect(await events(bob, 'offerReceived')).toHaveLength(1);
    expect(await state(alice)).toBe('in-call');
    expect(await state(bob)).toBe('in-call');
  });

  it('carries inform messages both ways', async () => {
    await waitForEvent(alice, 'peerJoined');
    expect(await alice.evaluate(() => (window as any).T.room.inform({ chatMessage: 'Hello Bob', n: 1 }))).toEqual({ success: true });
    await waitForEvent(bob, 'information');
    expect((await events(bob, 'information'))[0].arg).toEqual({ chatMessage: 'Hello Bob', n: 1 });
    await bob.evaluate(() => (window as any).T.room.inform('Hi Alice'));
    await waitForEvent(alice, 'information');
    expect((await events(alice, 'information'))[0].arg).toBe('Hi Alice');
  });

  it('reports peerHangUp on the other side when one leaves, and a second call works without reloading', async () => {
    await alice.evaluate(() => (window as any).T.room.joinRoom());
    await Promise.all([expectVideoFlowing(alice), expectVideoFlowing(bob)]);

    expect(await alice.evaluate(() => (window as any).T.room.leaveRoom())).toEqual({ success: true });
    await waitForEvent(bob, 'peerHangUp');
    expect((await events(bob, 'peerHangUp'))[0].arg).toMatchObject({ reason: 'left' });
    expect(await bob.evaluate(() => (window as any).T.room.closed)).toBe(true);
    expect(await bob.evaluate(() => (window as any).T.room.pc)).toBeNull();
    expect(await state(alice)).toBe('ended');
    expect(await state(bob)).toBe('waiting');
    // Alice's camera is released when she leaves.
    expect(await alice.evaluate(() => (window as any).T.room.localMedia.getTracks().every((t: MediaStreamTrack) => t.readyState === 'ended'))).toBe(true);

    // Same objects, no reload: Alice calls again.
    await alice.evaluate(() => {
      const T = (window as any).T;
      T.frames = 0;
      T.events.length = 0;
    });
    await bob.evaluate(() => ((window as any).T.frames = 0));
    expect(await alice.evaluate(() => (window as any).T.room.joinRoom())).toEqual({ success: true });
    await waitForEvent(bob, 'peerJoined', 2);
    await Promise.all([expectVideoFlowing(alice), expectVideoFlowing(bob)]);
    expect(await alice.evaluate(() => (window as any).T.room.closed)).toBe(false);
    expect(await events(bob, 'remoteStream')).toHaveLength(2); // one per call
  });

  it('refuses a third person with room-full while the call goes on', async () => {
    await alice.evaluate(() => (window as any).T.room.joinRoom());
    await Promise.all([expectVideoFlowing(alice), expectVideoFlowing(bob)]);

    const carol = await page();
    await enter(carol, roomId, 'Carol');
    await waitForEvent(carol, 'serverError');
    expect((await events(carol, 'serverError'))[0].arg).toMatchObject({ code: 'room-full' });
    expect(await state(carol)).toBe('error');
    expect(await carol.evaluate(() => (window as any).T.room.socket.connected)).toBe(false);
    // Refused means refused: Carol's camera and microphone are turned off again.
    expect(await carol.evaluate(() => (window as any).T.room.localMedia.getTracks().map((t: MediaStreamTrack) => t.readyState))).toEqual(['ended', 'ended']);

    // The call is untouched: frames keep coming on both sides, nobody heard of Carol.
    await Promise.all([expectVideoFlowing(alice), expectVideoFlowing(bob)]);
    expect(await events(alice, 'peerJoined')).toHaveLength(1);
    expect(await events(alice, 'peerHangUp')).toHaveLength(0);
  });

  it('answers joinRoom with success false and a clientError when nobody else is there', async () => {
    await bob.evaluate(() => (window as any).T.room.leaveRoom());
    await waitForEvent(alice, 'peerHangUp');
    expect(await alice.evaluate(() => (window as any).T.room.joinRoom())).toEqual({ success: false });
    await waitForEvent(alice, 'clientError');
    expect((await events(alice, 'clientError'))[0].arg).toMatchObject({ code: 'no-peer' });
  });
});

describe('both sides calling at the same moment (glare)', () => {
  it('ends in one working call every time, over many forced collisions', async () => {
    const rounds = Number(process.env.GLARE_ROUNDS ?? 8);
    let collisions = 0;
    for (let round = 0; round < rounds; round++) {
      const roomId = uniqueRoom('glare');
      const [a, b] = await Promise.all([page(), page()]);
      await enter(a, roomId, 'A');
      await enter(b, roomId, 'B');
      await waitForEvent(a, 'peerJoined');
      await waitForEvent(b, 'peerJoined');
      // Both pages press call at the same wall-clock instant, well before either offer can arrive.
      const at = Date.now() + 300;
      const call = (p: Page) => p.evaluate((at) => new Promise((resolve) => setTimeout(() => resolve((window as any).T.room.joinRoom()), at - Date.now())), at);
      const results = await Promise.all([call(a), call(b)]);
      expect(results).toEqual([{ success: true }, { success: true }]);
      await Promise.all([expectVideoFlowing(a), expectVideoFlowing(b)]);
      // An offer that met a call already in progress on both sides leaves no offerReceived.
      const received = (await events(a, 'offerReceived')).length + (await events(b, 'offerReceived')).length;
      if (received === 0) collisions++;
      expect(await events(a, 'remoteStream')).toHaveLength(1);
      expect(await events(b, 'remoteStream')).toHaveLength(1);
      await suite.closePages();
    }
    // The test is only worth something if the offers really collided.
    console.log(`glare: ${collisions} of ${rounds} rounds collided`);
    expect(collisions).toBeGreaterThanOrEqual(rounds - 1);
  }, 600_000);
});
