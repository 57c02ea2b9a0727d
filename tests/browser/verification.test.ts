// The call's verification code between two real Chromium pages: the same on both sides, through the
// SDK and on the element's screen; and different when the signalling path swaps a certificate
// fingerprint on its way (a man in the middle at the signalling layer).
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { packageVersion } from '../../server/paths.js';
import { browserSuite } from '../helpers/browser.js';
import { remoteVideoPlays } from '../helpers/embed-site.js';
import { callBetween, events, harnessPage, run, waitForEvent } from '../helpers/harness.js';
import { uniqueRoom } from '../helpers/server.js';

const suite = browserSuite({ reconnectGraceMs: 30_000 });
const page = () => harnessPage(suite);
const code = (p: Page) => run<string | null>(p, 'return room.getVerificationCode();');

/** Offers sent in rooms whose id starts with `mitm-` get one byte of their DTLS fingerprints changed. */
const tampered: string[] = [];
beforeAll(() => {
  suite.server.server.io.on('connection', (socket) => {
    if (!String(socket.handshake.auth?.roomId).startsWith('mitm-')) return;
    // Ahead of the server's own listener (`onAny`), which socket.io calls before any middleware.
    socket.prependAny((event: string, payload: unknown) => {
      const description = (payload as { description?: { sdp?: string } } | undefined)?.description;
      if (event === 'offer' && typeof description?.sdp === 'string') {
        description.sdp = description.sdp.replace(/^(a=fingerprint:\S+ )([0-9A-F]{2})/gim, (_, head: string, byte: string) => head + (byte.toUpperCase() === 'AA' ? '00' : 'AA'));
        tampered.push(socket.handshake.auth.peerId);
      }
    });
  });
});

describe('verification code', () => {
  it('both pages of a call show the same eight-digit code, announced by an event, and null once the call ends', async () => {
    const [a, b] = await callBetween(page, uniqueRoom());
    const [codeA, codeB] = await Promise.all([code(a), code(b)]);
    expect(codeA).toMatch(/^\d{4} \d{4}$/);
    expect(codeB).toBe(codeA);
    for (const p of [a, b]) expect((await events(p, 'verificationCode')).map((e) => e.arg)).toEqual([{ code: codeA }]);
    // An ICE restart keeps the certificates: no new code, no event.
    expect(await run(a, 'return room.restartIce();')).toEqual({ success: true });
    expect(await code(a)).toBe(codeA);
    expect(await events(a, 'verificationCode')).toHaveLength(1);
    await run(b, 'await room.leaveRoom();');
    await waitForEvent(a, 'verificationCode', 2);
    expect(await code(a)).toBeNull();
    expect((await events(a, 'verificationCode')).at(-1)!.arg).toEqual({ code: null });
  }, 60_000);

  it('a new call between the same two pages has a new code (new certificates)', async () => {
    const roomId = uniqueRoom();
    const [a, b] = await callBetween(page, roomId);
    const first = await code(a);
    await run(a, 'await room.leaveRoom();');
    await waitForEvent(b, 'peerHangUp');
    await run(a, 'await room.joinRoom();');
    await waitForEvent(a, 'verificationCode', 3);
    await b.waitForFunction((first) => { const c = (window as any).T.room.getVerificationCode(); return c && c !== first; }, first);
    expect(await code(a)).toBe(await code(b));
    expect(await code(a)).not.toBe(first);
  }, 60_000);

  it('a fingerprint rewritten in transit by the signalling layer makes the two codes differ, and the call never connects', async () => {
    const [a, b] = await Promise.all([page(), page()]);
    const roomId = uniqueRoom('mitm');
    await a.evaluate((roomId) => (window as any).T.create({ roomId, peerName: 'A' }), roomId);
    await b.evaluate((roomId) => (window as any).T.create({ roomId, peerName: 'B' }), roomId);
    await waitForEvent(a, 'peerJoined');
    // Every connection state each page's call goes through.
    for (const p of [a, b]) {
      await run(p, `T.states = new Set(); T.watch = setInterval(() => room.pc && T.states.add(room.pc.connectionState), 20);`);
    }
    await run(a, 'await room.joinRoom();');
    await Promise.all([waitForEvent(a, 'verificationCode'), waitForEvent(b, 'verificationCode')]);
    expect(tampered.length).toBeGreaterThan(0);
    // B checks A's certificate against the forged fingerprint: the DTLS handshake fails.
    await b.waitForFunction(() => (window as any).T.states.has('failed'), null, { timeout: 30_000 });
    const [codeA, codeB] = await Promise.all([code(a), code(b)]);
    expect(codeA).toMatch(/^\d{4} \d{4}$/);
    expect(codeB).toMatch(/^\d{4} \d{4}$/);
    expect(codeA).not.toBe(codeB);
    // No code either side was ever shown matches the other side's.
    const seen = async (p: Page) => (await events(p, 'verificationCode')).map((e) => e.arg.code).filter(Boolean);
    const [seenA, seenB] = await Promise.all([seen(a), seen(b)]);
    expect(seenA.filter((c: string) => seenB.includes(c))).toEqual([]);
    for (const p of [a, b]) {
      expect(await run(p, 'return [...T.states];')).not.toContain('connected');
      expect(await run(p, 'return room.state;')).not.toBe('in-call');
    }
  }, 60_000);
});

describe('<cignal-call> verify control', () => {
  const part = (p: Page, name: string) => p.locator(`cignal-call [part~="${name}"]`);

  /** A page of the server's origin with the element of this build in `room`. */
  async function elementPage(room: string, name: string): Promise<Page> {
    const p = await suite.open(`${suite.server.url}/healthz`);
    await p.addScriptTag({ type: 'module', url: `/cignal@${packageVersion}/cignal-call.js` });
    await p.evaluate(([room, name]) => {
      const element = document.createElement('cignal-call');
      element.setAttribute('room-id', room!);
      element.setAttribute('peer-name', name!);
      (window as any).codes = [];
      element.addEventListener('cignal-verification-code', (event) => (window as any).codes.push(event.detail));
      document.body.append(element);
    }, [room, name]);
    return p;
  }

  it('shows the same code on both screens as the SDK gives, behind a button that says whether it is open', async () => {
    const room = uniqueRoom('verify');
    const alice = await elementPage(room, 'Alice');
    const bob = await elementPage(room, 'Bob');
    await expect.poll(() => alice.locator('cignal-call').getAttribute('state'), { timeout: 15_000 }).toBe('ready');
    await part(alice, 'call-button').click();
    await Promise.all([remoteVideoPlays(alice), remoteVideoPlays(bob)]);
    const shown: string[] = [];
    for (const p of [alice, bob]) {
      const button = part(p, 'verify-button');
      await button.waitFor({ timeout: 10_000 });
      expect(await button.getAttribute('aria-label')).toBe('Verify the call');
      expect(await button.getAttribute('aria-expanded')).toBe('false');
      await button.click();
      expect(await button.getAttribute('aria-expanded')).toBe('true');
      const text = (await part(p, 'verification-code').textContent())!.trim();
      expect(text).toBe(await p.evaluate(() => document.querySelector('cignal-call')!.cignal!.getVerificationCode()));
      expect(await p.locator('cignal-call .verification').textContent()).toContain('Read these digits to each other. If they match, nobody is listening in between.');
      shown.push(text);
      expect(await p.evaluate(() => (window as any).codes)).toEqual([{ code: text }]);
    }
    expect(shown[0]).toMatch(/^\d{4} \d{4}$/);
    expect(shown[1]).toBe(shown[0]);
    await part(alice, 'verify-button').click();
    expect(await part(alice, 'verification-code').count()).toBe(0);
  }, 90_000);
});
