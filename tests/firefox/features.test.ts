// What a call carries besides its media, between Firefox and Chromium: the other person's
// microphone, camera and screen-share state, messages and large binary data, and the network
// status each side measures. Both directions, in calls started by either browser.
import { describe, expect, it } from 'vitest';
import type { MediaState } from '../../sdk/local-media.js';
import type { NetworkStatus } from '../../sdk/stats.js';
import { mixedSuite, type BrowserName } from '../helpers/firefox.js';
import { events, expectVideoFlowing, resetFrames, run, stalled, startCall, waitForEvent, watchFrames, type TestPage } from '../helpers/harness.js';
import { uniqueRoom } from '../helpers/server.js';

const suite = mixedSuite({ reconnectGraceMs: 2_000 });

const media = (microphone: boolean, camera: boolean, screenShare: boolean): MediaState => ({ microphone, camera, screenShare, cameraPaused: false });

/** Opens a harness page; in Firefox, the screen share is a canvas (headless Firefox has no screen to capture). */
async function open(kind: BrowserName): Promise<TestPage> {
  const page = await suite.open(kind);
  if (kind === 'firefox') await useCanvasAsScreen(page);
  return page;
}

/**
 * Makes the page's next `T.create` share a 320×180 canvas, redrawn 30 times a second, when asked
 * for the screen: createRoom's `getDisplayMedia` option. `T.screenShares` counts the requests.
 */
function useCanvasAsScreen(page: TestPage): Promise<unknown> {
  return run(page, `
    T.screenShares = 0;
    const create = T.create;
    T.create = (options) => create({
      ...options,
      getDisplayMedia: async () => {
        T.screenShares++;
        const canvas = document.body.appendChild(document.createElement('canvas'));
        canvas.width = 320;
        canvas.height = 180;
        const g = canvas.getContext('2d');
        let n = 0;
        setInterval(() => {
          g.fillStyle = 'hsl(' + ((n++ * 7) % 360) + ' 80% 50%)';
          g.fillRect(0, 0, 320, 180);
        }, 33);
        return canvas.captureStream(30);
      },
    });
  `);
}

const waitForRemoteState = (page: TestPage, expected: MediaState) =>
  page.waitForFunction((expected) => JSON.stringify((window as any).T.room.remoteMediaState) === JSON.stringify(expected), expected, { timeout: 15_000 });
/** What the page's video senders carry and send, for a failure to show. */
const sending = (page: TestPage) =>
  run(page, `
    const stats = [];
    (await room.pc.getStats()).forEach((s) => s.type === 'outbound-rtp' && s.kind === 'video' && stats.push({ encoded: s.framesEncoded, sent: s.framesSent, bytes: s.bytesSent }));
    const senders = room.pc.getTransceivers().filter((t) => t.receiver.track.kind === 'video').map((t) => ({ mid: t.mid, direction: t.currentDirection, track: t.sender.track && { state: t.sender.track.readyState, label: t.sender.track.label } }));
    return { senders, stats };
  `);
/** The shape (width / height) of the video track this side sends now. */
const sentShape = (page: TestPage) =>
  run<number>(page, `const { width, height } = room.pc.getSenders().find((s) => s.track?.kind === 'video').track.getSettings(); return width / height;`);
/**
 * Waits until the page decodes remote video of this shape. The shape, not the size: an encoder
 * may send fewer pixels than its source has (it starts low and climbs), never another shape.
 */
const waitForRemoteShape = (page: TestPage, shape: number) =>
  page.waitForFunction(
    (shape) => {
      const video = (window as any).T.video as HTMLVideoElement;
      return video.videoHeight > 0 && Math.abs(video.videoWidth / video.videoHeight - shape) < 0.02;
    },
    shape,
    { timeout: 20_000 },
  );

describe('microphone, camera and screen share across browsers', () => {
  // The side that changes its media is the one that answered the call: each browser in turn.
  for (const [caller, callee] of [['chromium', 'firefox'], ['firefox', 'chromium']] as Array<[BrowserName, BrowserName]>) {
    it(`${callee}'s mute, camera off and on, and screen share show on ${caller}, and its video comes back each time`, async () => {
      const [watcher, sender] = await Promise.all([open(caller), open(callee)]);
      await startCall(watcher, sender, uniqueRoom('media'));
      await watchFrames(watcher);
      await waitForRemoteState(watcher, media(true, true, false));
      const camera = await sentShape(sender);

      expect(await run(sender, 'return room.setMicrophoneEnabled(false);')).toEqual({ success: true });
      await waitForRemoteState(watcher, media(false, true, false));

      expect(await run(sender, 'return room.setCameraEnabled(false);')).toEqual({ success: true });
      await waitForRemoteState(watcher, media(false, false, false));
      // And the picture really stops: no frame decoded for a second.
      await stalled(watcher, 1_000).catch(async (error) => {
        throw new Error(`${error.message}; the sender's video: ${JSON.stringify(await sending(sender))}`, { cause: error });
      });

      expect(await run(sender, 'return room.setCameraEnabled(true);')).toEqual({ success: true });
      await waitForRemoteState(watcher, media(false, true, false));
      await resetFrames(watcher);
      await expectVideoFlowing(watcher);

      expect(await run(sender, 'return room.setScreenShareEnabled(true);')).toEqual({ success: true });
      await waitForRemoteState(watcher, media(false, true, true));
      // What arrives is the screen, not the camera: the picture takes the screen's shape (16:9
      // where the camera is 4:3).
      const screen = await sentShape(sender);
      expect(Math.abs(screen - camera)).toBeGreaterThan(0.1);
      await waitForRemoteShape(watcher, screen);
      await resetFrames(watcher);
      await expectVideoFlowing(watcher);

      expect(await run(sender, 'return room.setScreenShareEnabled(false);')).toEqual({ success: true });
      await waitForRemoteState(watcher, media(false, true, false));
      await waitForRemoteShape(watcher, camera);
      expect(await run(sender, 'return room.setMicrophoneEnabled(true);')).toEqual({ success: true });
      await waitForRemoteState(watcher, media(true, true, false));
      await resetFrames(watcher);
      await expectVideoFlowing(watcher);

      // Each change was told once, in order; nothing was said the other way.
      expect((await events(watcher, 'remoteMediaChanged')).map((e) => e.arg)).toEqual([media(true, true, false), media(false, true, false), media(false, false, false), media(false, true, false), media(false, true, true), media(false, true, false), media(true, true, false)]);
      expect(await run(sender, 'return room.localMediaState;')).toEqual(media(true, true, false));
      expect((await events(sender, 'remoteMediaChanged')).map((e) => e.arg)).toEqual([media(true, true, false)]);
      if (callee === 'firefox') expect(await run(sender, 'return T.screenShares;')).toBe(1);
    }, 90_000);
  }
});

/** SHA-256 of bytes, as hex; the source of a function evaluated in the page. */
const sha256InPage = `async (bytes) => [...new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))].map((x) => x.toString(16).padStart(2, '0')).join('')`;

/** Sends 1 MiB of random bytes from the page with sendData; resolves with the result and their SHA-256. */
const sendMebibyte = (page: TestPage) =>
  run<{ result: unknown; sha: string }>(page, `
    const sha256 = ${sha256InPage};
    const bytes = new Uint8Array(1024 * 1024);
    for (let i = 0; i < bytes.length; i += 65536) crypto.getRandomValues(bytes.subarray(i, i + 65536));
    const sha = await sha256(bytes);
    return { result: await room.sendData(bytes), sha };`);

/** What the page received as dataReceived: strings as they are, binary as its size and SHA-256. */
const received = (page: TestPage) =>
  run<Array<string | { size: number; sha: string }>>(page, `
    const sha256 = ${sha256InPage};
    return Promise.all(T.events.filter((e) => e.name === 'dataReceived').map(async ({ arg }) =>
      typeof arg === 'string' ? arg : { size: arg.byteLength, sha: await sha256(arg) }));`);

const informations = async (page: TestPage) => (await events(page, 'information')).map((e) => e.arg);

describe('messages and data across browsers', () => {
  for (const [caller, callee] of [['chromium', 'firefox'], ['firefox', 'chromium']] as Array<[BrowserName, BrowserName]>) {
    it(`${caller} calls ${callee}: inform and 1 MiB of sendData arrive intact both ways`, async () => {
      const [a, b] = await Promise.all([suite.open(caller), suite.open(callee)]);
      await startCall(a, b, uniqueRoom('data'));

      const message = (from: BrowserName) => ({ from, text: 'héllo ✓', list: [1, 2.5, null, true], nested: { deep: ['x'] } });
      expect(await run(a, `return room.inform(${JSON.stringify(message(caller))});`)).toEqual({ success: true });
      expect(await run(b, `return room.inform(${JSON.stringify(message(callee))});`)).toEqual({ success: true });
      await Promise.all([waitForEvent(a, 'information'), waitForEvent(b, 'information')]);

      // Both at once: each side sends while it receives.
      const [fromA, fromB] = await Promise.all([sendMebibyte(a), sendMebibyte(b)]);
      expect(fromA.result).toEqual({ success: true });
      expect(fromB.result).toEqual({ success: true });
      // A last message each way, behind the megabyte on the same channel.
      expect(await run(a, 'return room.sendData("done");')).toEqual({ success: true });
      expect(await run(b, 'return room.sendData("done");')).toEqual({ success: true });
      await Promise.all([waitForEvent(a, 'dataReceived', 2), waitForEvent(b, 'dataReceived', 2)]);

      expect(await received(b)).toEqual([{ size: 1024 * 1024, sha: fromA.sha }, 'done']);
      expect(await received(a)).toEqual([{ size: 1024 * 1024, sha: fromB.sha }, 'done']);
      expect(await informations(b)).toEqual([message(caller)]);
      expect(await informations(a)).toEqual([message(callee)]);
      for (const page of [a, b]) expect(await events(page, 'clientError')).toEqual([]);
    }, 60_000);
  }
});

/** What a status of a loopback call with a fake camera and microphone flowing both ways must say. */
function expectLoopbackStatus(status: NetworkStatus, who: string) {
  expect(status.quality, who).toBe('good');
  expect(status.rttMs, who).toEqual(expect.any(Number));
  expect(status.rttMs!, who).toBeGreaterThanOrEqual(0);
  expect(status.packetLoss, who).toBeGreaterThanOrEqual(0);
  expect(status.packetLoss, who).toBeLessThanOrEqual(1);
  expect(status.jitterMs, who).toBeGreaterThanOrEqual(0);
  for (const field of ['outgoingBitrate', 'incomingBitrate'] as const) {
    expect(status[field], `${who}: ${field}`).toBeGreaterThan(20_000);
    expect(status[field], `${who}: ${field}`).toBeLessThan(20_000_000);
  }
  expect(status.relayed, who).toBe(false);
  expect(status.localCandidateType, who).toBe('host');
  expect(status.remoteCandidateType, who).toMatch(/^(host|prflx)$/);
}

/** The next networkStatus event of the page, and what getNetworkStatus() answered as soon as it came. */
const statusAndReadingRightAfter = (page: TestPage) =>
  run<{ status: NetworkStatus; reading: NetworkStatus }>(page, `
    return new Promise((resolve) => {
      const next = async (status) => {
        room.off('networkStatus', next);
        resolve({ status, reading: await room.getNetworkStatus() });
      };
      room.on('networkStatus', next);
    });`);

describe('network status across browsers', () => {
  it('firefox calls chromium: both sides report a good direct path with plausible numbers, in events and in getNetworkStatus()', async () => {
    const [a, b] = await Promise.all([suite.open('firefox'), suite.open('chromium')]);
    await startCall(a, b, uniqueRoom('network'));
    // The first sample may cover the time before media flowed; the next two cover media only.
    await Promise.all([waitForEvent(a, 'networkStatus', 3, 20_000), waitForEvent(b, 'networkStatus', 3, 20_000)]);
    for (const [who, page] of [['firefox', a], ['chromium', b]] as const) {
      const statuses = (await events(page, 'networkStatus')).map((e) => e.arg as NetworkStatus);
      for (const status of statuses.slice(1)) expectLoopbackStatus(status, `${who} networkStatus`);
      expectLoopbackStatus(await run<NetworkStatus>(page, 'return room.getNetworkStatus();'), `${who} getNetworkStatus()`);
    }
  }, 60_000);

  it('chromium calls firefox: getNetworkStatus() right after a networkStatus event reports the same rates, not 0 or a spike', async () => {
    const [a, b] = await Promise.all([suite.open('chromium'), suite.open('firefox')]);
    await startCall(a, b, uniqueRoom('network'));
    // After the first sample, which may cover the time before media flowed.
    await Promise.all([waitForEvent(a, 'networkStatus', 1, 20_000), waitForEvent(b, 'networkStatus', 1, 20_000)]);
    const [fromA, fromB] = await Promise.all([statusAndReadingRightAfter(a), statusAndReadingRightAfter(b)]);
    const sides = [['chromium', fromA], ['firefox', fromB]] as const;
    // The reading measures over a window of its own, not the few milliseconds since the sample.
    for (const [who, { status, reading }] of sides) {
      for (const field of ['outgoingBitrate', 'incomingBitrate'] as const) {
        const says = `${who}: ${field} ${reading[field]} read right after a sample of ${status[field]}`;
        expect.soft(reading[field] / status[field], says).toBeGreaterThan(1 / 3);
        expect.soft(reading[field] / status[field], says).toBeLessThan(3);
      }
    }
    for (const [who, { status, reading }] of sides) {
      expectLoopbackStatus(status, `${who} networkStatus`);
      expectLoopbackStatus(reading, `${who} getNetworkStatus() right after networkStatus`);
    }
  }, 60_000);
});
