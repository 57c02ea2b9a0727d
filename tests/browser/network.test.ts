// Network status and ICE restart in a real call between two Chromium pages on loopback.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserSuite } from '../helpers/browser.js';
import { callBetween, callSnapshot, events, expectVideoFlowing, harnessPage, keepSdkLog, resetFrames, run, waitForEvent } from '../helpers/harness.js';
import { uniqueRoom } from '../helpers/server.js';

const suite = browserSuite({ reconnectGraceMs: 30_000 });

const page = () => harnessPage(suite);


describe('network status', () => {
  it('arrives every 2 s during a call with finite numbers and a quality level; on loopback the path is direct', async () => {
    const [a] = await callBetween(page, uniqueRoom());
    await waitForEvent(a, 'networkStatus', 2);
    const [first, second] = (await events(a, 'networkStatus')).map((e) => e.arg);
    for (const status of [first, second]) {
      expect(['good', 'fair', 'poor', 'lost']).toContain(status.quality);
      for (const field of ['rttMs', 'packetLoss', 'jitterMs', 'outgoingBitrate', 'incomingBitrate']) expect(Number.isFinite(status[field]), field).toBe(true);
      expect(status.packetLoss).toBeGreaterThanOrEqual(0);
      expect(status.packetLoss).toBeLessThanOrEqual(1);
      expect(status.relayed).toBe(false);
      expect(status.localCandidateType).toBe('host');
      expect(status.remoteCandidateType).toMatch(/^(host|prflx)$/);
    }
    // Video is flowing both ways: the second sample measured real bitrates.
    expect(second.outgoingBitrate).toBeGreaterThan(10_000);
    expect(second.incomingBitrate).toBeGreaterThan(10_000);
    const now = await run<Record<string, unknown>>(a, 'return room.getNetworkStatus();');
    expect(now).toMatchObject({ relayed: false, localCandidateType: 'host' });
  });

  it('getNetworkStatus answers null when there is no call, and the events stop when the call ends', async () => {
    const [a, b] = await callBetween(page, uniqueRoom());
    await waitForEvent(a, 'networkStatus');
    await run(b, 'await room.leaveRoom();');
    await waitForEvent(a, 'peerHangUp');
    expect(await run(a, 'return room.getNetworkStatus();')).toBeNull();
    const count = (await events(a, 'networkStatus')).length;
    // Two intervals later, no more samples came (the monitor stopped with the call).
    await a.waitForTimeout(4_500);
    expect((await events(a, 'networkStatus')).length).toBe(count);
  });
});

describe('restartIce', () => {
  it('changes the ICE credentials on both sides and the video keeps coming', async () => {
    const [a, b] = await callBetween(page, uniqueRoom());
    const ufrags = (p: Page) =>
      run<{ local: string; remote: string }>(p, `const u = (d) => /a=ice-ufrag:(\\S+)/.exec(d.sdp)[1]; return { local: u(room.pc.localDescription), remote: u(room.pc.remoteDescription) };`);
    const [beforeA, beforeB] = await Promise.all([ufrags(a), ufrags(b)]);
    const pcBefore = await run(a, 'T.pcBefore = room.pc; return true;');
    expect(pcBefore).toBe(true);

    const logs = await Promise.all([keepSdkLog(a), keepSdkLog(b)]);
    const restarted = await run(a, 'return room.restartIce();');
    if (!(restarted as { success?: boolean }).success) {
      const said = async (p: Page, log: () => string[]) => `${JSON.stringify(await callSnapshot(p))}\n  ${log().join('\n  ')}`;
      throw new Error(`restartIce answered ${JSON.stringify(restarted)}\nA: ${await said(a, logs[0])}\nB: ${await said(b, logs[1])}`);
    }
    await b.waitForFunction((old) => /a=ice-ufrag:(\S+)/.exec((window as any).T.room.pc.localDescription.sdp)![1] !== old, beforeB.local);
    const [afterA, afterB] = await Promise.all([ufrags(a), ufrags(b)]);
    expect(afterA.local).not.toBe(beforeA.local);
    expect(afterA.remote).not.toBe(beforeA.remote);
    expect(afterB.local).toBe(afterA.remote);
    expect(afterB.remote).toBe(afterA.local);
    // The same call and the same peer connection: nothing was torn down.
    expect(await run(a, 'return T.pcBefore === room.pc && room.state;')).toBe('in-call');
    expect((await events(b, 'remoteStream')).length).toBe(1);
    await Promise.all([resetFrames(a), resetFrames(b)]);
    await Promise.all([expectVideoFlowing(a), expectVideoFlowing(b)]);
  });

  it('the browser saying it is back online, several times at once, while media flows: the path is kept and the video keeps coming', async () => {
    const [a, b] = await callBetween(page, uniqueRoom());
    const ufrag = () => run<string>(a, `return /a=ice-ufrag:(\\S+)/.exec(room.pc.localDescription.sdp)[1];`);
    const before = await ufrag();
    await run(a, `for (let i = 0; i < 3; i++) window.dispatchEvent(new Event('online'));`);
    // The server connection is made afresh; the rejoin says the events were handled.
    await waitForEvent(a, 'reconnected');
    await resetFrames(b);
    await expectVideoFlowing(b);
    expect(await ufrag()).toBe(before);
    expect(await run(a, 'return room.state;')).toBe('in-call');
  });

  it("media that arrives again after a loss makes the other side's encoder start from a key frame", async () => {
    const [a, b] = await callBetween(page, uniqueRoom());
    const keyFrames = (p: Page) =>
      run<number>(p, `let n = 0; (await room.pc.getStats()).forEach((s) => { if (s.type === 'outbound-rtp' && s.kind === 'video') n = s.keyFramesEncoded; }); return n;`);
    const before = await keyFrames(b);
    // The browser says it went offline: A counts its media as lost until a byte arrives, which on
    // loopback is at once. What B sent meanwhile may be gone, so A asks B for a key frame.
    await run(a, `window.dispatchEvent(new Event('offline'));`);
    await expect.poll(() => keyFrames(b), { timeout: 10_000 }).toBeGreaterThan(before);
    await expect.poll(() => run(a, 'return room.state;'), { timeout: 10_000 }).toBe('in-call');
  });

  it('without a call it answers success false with not-connected', async () => {
    const p = await page();
    await p.evaluate((roomId) => (window as any).T.create({ roomId }), uniqueRoom());
    expect(await run(p, 'return room.restartIce();')).toEqual({ success: false });
    await waitForEvent(p, 'clientError');
    expect((await events(p, 'clientError'))[0]!.arg).toMatchObject({ code: 'not-connected' });
  });
});
