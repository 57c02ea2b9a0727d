// The call's data channel between two real Chromium pages: inform takes it when it is open and
// signalling otherwise, each message arrives once, and sendData carries large binary intact.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserSuite } from '../helpers/browser.js';
import { callBetween, events, harnessPage, run, waitForEvent } from '../helpers/harness.js';
import { uniqueRoom } from '../helpers/server.js';

// A long grace period: a socket cut here keeps its seat for the whole test.
const suite = browserSuite({ reconnectGraceMs: 60_000 });

const page = () => harnessPage(suite);

const informations = async (p: Page) => (await events(p, 'information')).map((e) => e.arg);

/** Cuts the page's signalling socket without a goodbye and keeps it down. */
async function cutSignalling(p: Page) {
  await run(p, 'room.socket.io.reconnection(false); room.socket.io.engine.close();');
  await p.waitForFunction(() => !(window as any).T.room.socket.connected);
}

describe('inform over the data channel', () => {
  it('arrives once while the signalling socket is down, because it went over the channel', async () => {
    const [a, b] = await callBetween(page, uniqueRoom());
    // A payload the other side has confirmed: the channel is open both ways.
    expect(await run(a, 'return room.sendData("channel check");')).toEqual({ success: true });
    await cutSignalling(a);

    expect(await run(a, 'return room.inform({ chatMessage: "over the channel" });')).toEqual({ success: true });
    await waitForEvent(b, 'information');
    // And the other way, to the page whose socket is down.
    expect(await run(b, 'return room.inform("back to you");')).toEqual({ success: true });
    await waitForEvent(a, 'information');
    // One more round trip, after which a duplicate would have arrived.
    expect(await run(a, 'return room.sendData("done");')).toEqual({ success: true });
    expect(await informations(b)).toEqual([{ chatMessage: 'over the channel' }]);
    expect(await informations(a)).toEqual(['back to you']);
    expect(await run(a, 'return room.socket.connected;')).toBe(false);
  });

  it('a message sent before the channel opens goes by signalling and arrives once', async () => {
    const roomId = uniqueRoom();
    const [a, b] = await Promise.all([page(), page()]);
    await a.evaluate((roomId) => (window as any).T.create({ roomId }), roomId);
    await b.evaluate((roomId) => (window as any).T.create({ roomId }), roomId);
    await waitForEvent(a, 'peerJoined');
    const results = await run(a, 'const call = room.joinRoom(); const sent = room.inform("early"); return Promise.all([call, sent]);');
    expect(results).toEqual([{ success: true }, { success: true }]);
    // Once the channel is open and a message has gone over it, nothing else may come.
    expect(await run(a, 'return room.sendData("channel is open");')).toEqual({ success: true });
    expect(await run(a, 'return room.inform("late");')).toEqual({ success: true });
    await waitForEvent(b, 'information', 2);
    expect(await run(a, 'return room.sendData("flush");')).toEqual({ success: true });
    expect(await informations(b)).toEqual(['early', 'late']);
  });

  it('with neither path, inform waits, and arrives once when the signalling connection is back', async () => {
    const [a, b] = await callBetween(page, uniqueRoom());
    await cutSignalling(a);
    await run(a, 'room.pc.close();');
    await run(a, 'T.pending = room.inform("kept for later");');
    await run(a, 'room.socket.io.reconnection(true); room.socket.connect();');
    expect(await run(a, 'return T.pending;')).toEqual({ success: true });
    await waitForEvent(b, 'information');
    expect(await informations(b)).toEqual(['kept for later']);
    expect((await events(a, 'clientError')).map((e) => e.arg.code)).not.toContain('not-connected');
  });
});

describe('sendData', () => {
  it('carries 20 MB of binary intact, and the channel stays open', async () => {
    const [a, b] = await callBetween(page, uniqueRoom());
    await b.evaluate(() => {
      const T = (window as any).T;
      T.received = new Promise((resolve) => T.room.on('dataReceived', async (data: ArrayBuffer) => {
        const digest = await crypto.subtle.digest('SHA-256', data);
        resolve({ size: data.byteLength, isBuffer: data instanceof ArrayBuffer, sha: [...new Uint8Array(digest)].map((x) => x.toString(16).padStart(2, '0')).join('') });
      }));
    });
    const sent = await a.evaluate(async () => {
      const bytes = new Uint8Array(20 * 1024 * 1024);
      for (let i = 0; i < bytes.length; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
      const digest = await crypto.subtle.digest('SHA-256', bytes);
      const started = performance.now();
      const result = await (window as any).T.room.sendData(bytes);
      return { result, ms: performance.now() - started, sha: [...new Uint8Array(digest)].map((x) => x.toString(16).padStart(2, '0')).join('') };
    });
    expect(sent.result).toEqual({ success: true });
    const received = await b.evaluate(() => (window as any).T.received);
    expect(received).toEqual({ size: 20 * 1024 * 1024, isBuffer: true, sha: sent.sha });
    console.log(`sendData: 20 MiB in ${Math.round(sent.ms)} ms`);

    // Still open: more data and messages go over it.
    expect(await run(a, 'return room.sendData("after the big one");')).toEqual({ success: true });
    await waitForEvent(b, 'dataReceived', 2);
    expect((await events(b, 'dataReceived')).at(-1)!.arg).toBe('after the big one');
    expect(await run(a, 'return room.pc.sctp.state;')).toBe('connected');
  }, 120_000);

  it('carries a string, a typed array view and a Blob as they were sent', async () => {
    const [a, b] = await callBetween(page, uniqueRoom());
    await run(a, `
      await room.sendData('héllo ✓');
      await room.sendData(new Uint8Array([9, 1, 2, 3, 9]).subarray(1, 4));
      await room.sendData(new Blob(['blob text']));
      await room.sendData(new ArrayBuffer(0));`);
    await waitForEvent(b, 'dataReceived', 4);
    // Read inside the page: ArrayBuffers do not cross into the test as themselves.
    const got = await b.evaluate(() =>
      (window as any).T.events
        .filter((e: any) => e.name === 'dataReceived')
        .map((e: any) => (typeof e.arg === 'string' ? e.arg : { buffer: e.arg instanceof ArrayBuffer, bytes: [...new Uint8Array(e.arg)] })),
    );
    const binary = (bytes: number[]) => ({ buffer: true, bytes });
    expect(got).toEqual(['héllo ✓', binary([1, 2, 3]), binary([...new TextEncoder().encode('blob text')]), binary([])]);
  });

  it('refuses what it cannot send with a CignalError: other types, more than 64 MiB', async () => {
    const [a] = await callBetween(page, uniqueRoom());
    expect(await run(a, 'return room.sendData({ an: "object" }).catch((e) => e.code);')).toBe('invalid-argument');
    expect(await run(a, 'return room.sendData(new Uint8Array(64 * 1024 * 1024 + 1)).catch((e) => e.message);')).toMatch(/64 MiB/);
  });
});

describe('a call without camera or microphone', () => {
  it('stays in-call while nothing but data goes between the two: silence is not an outage', async () => {
    const roomId = uniqueRoom();
    const [a, b] = await Promise.all([page(), page()]);
    const options = { roomId, mediaConstraints: { audio: false, video: false } };
    await a.evaluate((options) => (window as any).T.create(options), options);
    await b.evaluate((options) => (window as any).T.create(options), options);
    await waitForEvent(a, 'peerJoined');
    await run(a, 'await room.joinRoom();');
    for (const p of [a, b]) await p.waitForFunction(() => (window as any).T.room.state === 'in-call');
    // Three network-status samples on each side: three intervals without a byte of media.
    await Promise.all([waitForEvent(a, 'networkStatus', 3, 20_000), waitForEvent(b, 'networkStatus', 3, 20_000)]);
    for (const p of [a, b]) {
      expect((await events(p, 'stateChange')).map((e) => e.arg.state)).not.toContain('reconnecting');
      expect(await run(p, 'return room.state;')).toBe('in-call');
    }
    expect(await run(a, 'return room.sendData("still here");')).toEqual({ success: true });
  });
});
