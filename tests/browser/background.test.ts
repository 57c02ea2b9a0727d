// A phone's call in the background, in a real call between two Chromium pages: the screen wake
// lock held during the call, and a camera that the system pauses while the page is hidden.
//
// Headless Chromium has no way to hide a page (minimising its window or switching tabs through
// CDP leaves it `visible`), so the page's visibility is emulated in the page: `visibilityState`
// and `hidden` are overridden and `visibilitychange` is dispatched, which is all the page sees of
// a real change. The camera's pause is real: the page's camera is a track received over a
// peer connection inside the page from the fake camera; when that connection stops sending
// (its transceiver made inactive), Chromium mutes the track, as a phone mutes its camera, and
// unmutes it when pictures come again.
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserSuite } from '../helpers/browser.js';
import { events, harnessPage, run, stalled, startCall, framesBack, watchFrames } from '../helpers/harness.js';
import { uniqueRoom } from '../helpers/server.js';

const suite = browserSuite({ reconnectGraceMs: 30_000 });

/** Adds `T.setHidden(hidden)` to the page: the page's visibility as the page reads it. */
const emulateVisibility = (page: Page) =>
  run(page, `
    T.setHidden = (hidden) => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (hidden ? 'hidden' : 'visible') });
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden });
      document.dispatchEvent(new Event('visibilitychange'));
    };
  `);

/**
 * Makes the page's next `T.create` use, as its first camera, the fake camera's pictures received
 * over a peer connection in the page; `T.camera.pause()` / `resume()` stop and restart what that
 * connection sends. A camera asked for later (opened anew) is the fake camera itself.
 */
const usePausableCamera = (page: Page) =>
  run(page, `
    const a = new RTCPeerConnection(), b = new RTCPeerConnection();
    a.onicecandidate = (e) => e.candidate && b.addIceCandidate(e.candidate);
    b.onicecandidate = (e) => e.candidate && a.addIceCandidate(e.candidate);
    const source = await navigator.mediaDevices.getUserMedia({ video: true });
    const transceiver = a.addTransceiver(source.getVideoTracks()[0], { direction: 'sendonly' });
    const received = new Promise((resolve) => (b.ontrack = (e) => resolve(e.track)));
    const negotiate = async () => {
      await a.setLocalDescription();
      await b.setRemoteDescription(a.localDescription);
      await b.setLocalDescription();
      await a.setRemoteDescription(b.localDescription);
    };
    await negotiate();
    const track = await received;
    T.camera = {
      track,
      opened: 0,
      pause: () => ((transceiver.direction = 'inactive'), negotiate()),
      resume: () => ((transceiver.direction = 'sendonly'), negotiate()),
    };
    const create = T.create;
    T.create = (options) => create({
      ...options,
      getUserMedia: async (constraints) => {
        if (!constraints.video || T.camera.opened++ > 0) return navigator.mediaDevices.getUserMedia(constraints);
        const stream = constraints.audio ? await navigator.mediaDevices.getUserMedia({ audio: constraints.audio }) : new MediaStream();
        stream.addTrack(track);
        return stream;
      },
    });
  `);

const remoteState = (page: Page) => run<Record<string, boolean>>(page, 'return room.remoteMediaState;');
const waitForPaused = (page: Page, paused: boolean) =>
  page.waitForFunction((paused) => (window as any).T.room.remoteMediaState.cameraPaused === paused, paused, { timeout: 10_000 });

describe('a camera paused while the page is hidden', () => {
  /** A calls B; A's camera can be paused, A's visibility emulated, B counts the frames it decodes. */
  async function pausableCall(): Promise<[Page, Page]> {
    const [a, b] = await Promise.all([harnessPage(suite), harnessPage(suite)]);
    await usePausableCamera(a);
    await emulateVisibility(a);
    await startCall(a, b, uniqueRoom());
    await watchFrames(b);
    expect(await remoteState(b)).toEqual({ microphone: true, camera: true, screenShare: false, cameraPaused: false });
    return [a, b];
  }

  it('is shown as paused on the other side, and its pictures come back with the page', async () => {
    const [a, b] = await pausableCall();

    await run(a, 'T.setHidden(true); await T.camera.pause();');
    await a.waitForFunction(() => (window as any).T.camera.track.muted);
    await waitForPaused(b, true);
    expect(await remoteState(b)).toEqual({ microphone: true, camera: true, screenShare: false, cameraPaused: true });
    expect(await run(a, 'return room.localMediaState.cameraPaused;')).toBe(true);
    await stalled(b);

    await run(a, 'T.setHidden(false); await T.camera.resume();');
    await waitForPaused(b, false);
    await framesBack(b, 15_000, 'B');
    // The camera came back by itself: it was not opened anew, and the call went on.
    expect(await run(a, 'return T.camera.opened;')).toBe(1);
    expect(await run(b, 'return room.state;')).toBe('in-call');
    const changes = (await events(b, 'remoteMediaChanged')).map((e) => e.arg.cameraPaused);
    expect(changes.slice(-2)).toEqual([true, false]);
  });

  it('is opened anew when it stays paused once the page is visible again', async () => {
    const [a, b] = await pausableCall();

    await run(a, 'T.setHidden(true); await T.camera.pause();');
    await waitForPaused(b, true);
    await stalled(b);

    await run(a, 'T.setHidden(false);');
    await waitForPaused(b, false);
    await framesBack(b, 15_000, 'B');
    // The camera the page opened anew (here the fake camera itself), not the paused one.
    expect(await run(a, 'return T.camera.opened;')).toBeGreaterThan(1);
    expect(await run(a, 'return T.camera.track.readyState;')).toBe('ended');
    expect(await run(a, 'return room.pc.getSenders().find((s) => s.track?.kind === "video").track.label;')).toMatch(/fake/i);
  });

  it('a camera muted while the page is visible is not reported as paused', async () => {
    const [a, b] = await pausableCall();

    await run(a, 'await T.camera.pause();');
    await a.waitForFunction(() => (window as any).T.camera.track.muted);
    // Told once A's microphone changes: by then a pause would have been told too.
    await run(a, 'await room.setMicrophoneEnabled(false);');
    await b.waitForFunction(() => (window as any).T.room.remoteMediaState.microphone === false, null, { timeout: 10_000 });
    expect(await remoteState(b)).toEqual({ microphone: false, camera: true, screenShare: false, cameraPaused: false });
  });
});

describe('the screen wake lock', () => {
  /** Records, in the page, every wake lock the page is given. */
  const recordWakeLocks = (page: Page) =>
    run(page, `
      T.locks = [];
      T.refused = 0;
      const request = navigator.wakeLock.request.bind(navigator.wakeLock);
      navigator.wakeLock.request = async (type) => {
        try {
          const sentinel = await request(type);
          T.locks.push(sentinel);
          return sentinel;
        } catch (error) {
          T.refused++;
          throw error;
        }
      };
    `);
  const locks = (page: Page) => run<boolean[]>(page, 'return T.locks.map((s) => s.released);');

  it('is held during the call, taken again when the page is visible again, and released when the call ends', async () => {
    const [a, b] = await Promise.all([harnessPage(suite), harnessPage(suite)]);
    await a.context().grantPermissions(['screen-wake-lock'], { origin: suite.server.url });
    await Promise.all([recordWakeLocks(a), recordWakeLocks(b), emulateVisibility(a)]);
    // B asks too, but its browser refuses: the call goes on without a word.
    await startCall(a, b, uniqueRoom(), { wakeLock: true });
    await a.waitForFunction(() => (window as any).T.locks.length === 1);
    expect(await locks(a)).toEqual([false]);
    await b.waitForFunction(() => (window as any).T.refused === 1);
    expect(await events(b, 'clientError')).toEqual([]);

    // Hidden, the browser lets the lock go; visible again, the SDK takes it again.
    await run(a, 'T.setHidden(true); await T.locks[0].release();');
    await run(a, 'T.setHidden(false);');
    await a.waitForFunction(() => (window as any).T.locks.length === 2);
    expect(await locks(a)).toEqual([true, false]);

    await run(a, 'await room.leaveRoom();');
    await a.waitForFunction(() => (window as any).T.locks.every((s: WakeLockSentinel) => s.released));
    expect(await locks(a)).toEqual([true, true]);
  });

  it('is not asked for without the option', async () => {
    const [a, b] = await Promise.all([harnessPage(suite), harnessPage(suite)]);
    await a.context().grantPermissions(['screen-wake-lock'], { origin: suite.server.url });
    await recordWakeLocks(a);
    await startCall(a, b, uniqueRoom());
    await run(a, 'await room.leaveRoom();');
    expect(await run(a, 'return T.locks.length + T.refused;')).toBe(0);
  });
});
