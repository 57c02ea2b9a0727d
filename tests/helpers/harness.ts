// Drives the SDK inside a real page: loads cignal.js from the server's CDN route, records every
// event, and plays the remote stream in a <video> whose decoded frames are counted.
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { packageVersion } from '../../server/paths.js';
import type { BrowserSuite } from './browser.js';

/**
 * What the helpers here use of a page: Playwright's Page has it, and so has a Firefox page
 * (firefox.ts), so that the same helpers drive both browsers.
 */
export type TestPage = Pick<Page, 'evaluate' | 'waitForFunction' | 'addScriptTag'>;

export interface RecordedEvent {
  name: string;
  arg: unknown;
}

const pageScript = readFileSync(new URL('./harness.page.js', import.meta.url), 'utf8');

/** Installs `window.T` (see harness.page.js); the page must be on the Cignal server's origin. */
export async function installHarness(page: TestPage, version: string): Promise<void> {
  await page.evaluate((version) => {
    document.documentElement.dataset.cignalVersion = version;
  }, version);
  await page.addScriptTag({ type: 'module', content: pageScript });
  await page.waitForFunction(() => 'T' in window);
}

/** Waits until the page shows decoded remote video: a real size and frames that keep coming. */
export async function expectVideoFlowing(page: TestPage, timeout = 20_000): Promise<{ width: number; frames: number }> {
  try {
    await page.waitForFunction(() => {
      const T = (window as any).T;
      return T.video && T.video.videoWidth > 0 && T.frames > 5;
    }, null, { timeout });
    const before = await page.evaluate(() => (window as any).T.frames as number);
    await page.waitForFunction((before) => (window as any).T.frames > before + 5, before, { timeout });
  } catch (error) {
    // Say what the call looked like, so that a failure on a busy machine can be told from a hang.
    throw new Error(`no video flowing: ${JSON.stringify(await callSnapshot(page).catch(() => null))}`, { cause: error });
  }
  return page.evaluate(() => ({ width: (window as any).T.video.videoWidth as number, frames: (window as any).T.frames as number }));
}

/** The state of the page's call: SDK state, peer connection states, frames, the events seen. */
export function callSnapshot(page: TestPage): Promise<unknown> {
  return page.evaluate(async () => {
    const T = (window as any).T;
    const pc: RTCPeerConnection | null = T.room?.pc ?? null;
    const video: Record<string, unknown> = {};
    if (pc) {
      (await pc.getStats()).forEach((s: any) => {
        if (s.type === 'inbound-rtp' && s.kind === 'video') video.decoded = s.framesDecoded;
        if (s.type === 'outbound-rtp' && s.kind === 'video') video.encoded = s.framesEncoded;
      });
    }
    return {
      state: T.room?.state,
      pc: pc && { connection: pc.connectionState, ice: pc.iceConnectionState, gathering: pc.iceGatheringState, signaling: pc.signalingState },
      video,
      width: T.video?.videoWidth ?? null,
      frames: T.frames,
      events: T.events.map((e: { name: string }) => e.name).filter((n: string) => n !== 'networkStatus'),
    };
  });
}

export function events(page: TestPage, name?: string): Promise<Array<{ name: string; arg: any }>> {
  return page.evaluate((name) => (window as any).T.events.filter((e: { name: string }) => !name || e.name === name), name);
}

export function waitForEvent(page: TestPage, name: string, count = 1, timeout = 15_000): Promise<unknown> {
  return page.waitForFunction(([name, count]) => (window as any).T.count(name) >= count, [name, count] as const, { timeout });
}

export function state(page: TestPage): Promise<string> {
  return page.evaluate(() => (window as any).T.room.state);
}

/** Two pages in `roomId` with decoded video flowing both ways; the first one called. `options` go to both createRoom calls. */
export async function callBetween<P extends TestPage>(
  open: () => Promise<P>,
  roomId: string,
  options: Record<string, unknown> = {},
  each: [Record<string, unknown>, Record<string, unknown>] = [{}, {}],
): Promise<[P, P]> {
  const [a, b] = await Promise.all([open(), open()]);
  await startCall(a, b, roomId, options, each);
  return [a, b];
}

/** Puts two open harness pages in `roomId` and has `a` call `b`; resolves once decoded video flows both ways. */
export async function startCall(
  a: TestPage,
  b: TestPage,
  roomId: string,
  options: Record<string, unknown> = {},
  each: [Record<string, unknown>, Record<string, unknown>] = [{}, {}],
): Promise<void> {
  await a.evaluate(([roomId, options]) => (window as any).T.create({ roomId, peerName: 'A', ...options }), [roomId, { ...options, ...each[0] }] as const);
  await b.evaluate(([roomId, options]) => (window as any).T.create({ roomId, peerName: 'B', ...options }), [roomId, { ...options, ...each[1] }] as const);
  // B is in once its createRoom resolves; A hears of it a moment later, and can only call then.
  await waitForEvent(a, 'peerJoined');
  await a.evaluate(() => (window as any).T.room.joinRoom());
  await Promise.all([expectVideoFlowing(a), expectVideoFlowing(b)]);
}

/**
 * Keeps the lines the page's SDK logs from now on at its info, warning and error levels (turned on
 * with `localStorage.debug`), each with the time it came: for a failure to say what the SDK did.
 */
export async function keepSdkLog(page: Page): Promise<() => string[]> {
  const lines: string[] = [];
  page.on('console', (message) => {
    if (message.text().startsWith('cignal-client:')) lines.push(`${new Date().toISOString().slice(11, 23)} ${message.text()}`);
  });
  await page.evaluate(() => localStorage.setItem('debug', 'cignal-client:INFO*,cignal-client:WARN*,cignal-client:ERROR*'));
  return () => lines;
}

/** Forgets the frames counted so far, so that `expectVideoFlowing` proves new ones. */
export function resetFrames(page: TestPage): Promise<void> {
  return page.evaluate(() => {
    (window as any).T.frames = 0;
  });
}

/** A page of the suite's server with the harness installed (the SDK of this build loaded). */
export async function harnessPage(suite: BrowserSuite): Promise<Page> {
  const page = await suite.open(`${suite.server.url}/healthz`);
  await installHarness(page, packageVersion);
  return page;
}

/** Runs `code` as the body of an async function in the page, with `T` and `room` in scope. */
export function run<T = unknown>(page: TestPage, code: string): Promise<T> {
  return page.evaluate(`(async () => { const T = window.T, room = T.room; ${code} })()`) as Promise<T>;
}

// Frames are counted as the receiver decodes them (inbound-rtp framesDecoded, sampled every
// 50 ms in the page): what the network delivered, whatever the page's compositor does with it.
// (Headless Chromium sometimes stops presenting a page's video while decoding goes on.)

/**
 * Starts sampling, in the page, decoded remote frames and the longest time without a new one.
 * The longest gap is the decoder's own: between two samples, the square root of the growth of
 * `totalSquaredInterFrameDelay` bounds the longest delay between consecutive decoded frames
 * from above, and equals it when one delay dominates (a freeze). A sampler that the loaded page
 * runs late does not make a gap of its own that way.
 */
export function watchFrames(page: TestPage): Promise<void> {
  return run(page, `
    T.decoded = 0;
    T.gap = { last: performance.now(), max: 0, squared: null };
    // Counted across the call's peer connections: a rebuilt one counts from 0 again.
    let counter = { pc: null, decoded: 0 };
    T.sampler = setInterval(async () => {
      const pc = room.pc;
      let decoded = null, squared = null;
      (await pc?.getStats())?.forEach((s) => {
        if (s.type === 'inbound-rtp' && s.kind === 'video') [decoded, squared] = [s.framesDecoded, s.totalSquaredInterFrameDelay ?? null];
      });
      if (decoded === null) return;
      if (counter.pc !== pc || decoded < counter.decoded) {
        counter = { pc, decoded: 0 };
        T.gap.squared = null;
      }
      const fresh = decoded - counter.decoded;
      counter.decoded = decoded;
      const now = performance.now();
      if (fresh > 0) {
        decoded = T.decoded + fresh;
        const delay = squared !== null && T.gap.squared !== null && squared >= T.gap.squared ? Math.sqrt(squared - T.gap.squared) * 1000 : now - T.gap.last;
        T.gap.max = Math.max(T.gap.max, delay);
        T.gap.last = now;
        T.decoded = decoded;
      }
      T.gap.squared = squared;
    }, 50);
  `);
}

export const frames = (page: TestPage) => run<number>(page, 'return T.decoded;');

/** Resolves with how long it took until more than 10 new frames were decoded. */
export async function framesBack(page: TestPage, timeout: number, who = 'the page'): Promise<number> {
  const start = Date.now();
  const before = await frames(page);
  try {
    await page.waitForFunction((before) => (window as any).T.decoded > before + 10, before, { timeout, polling: 50 });
  } catch (error) {
    throw new Error(`${who}: no video within ${timeout} ms: ${JSON.stringify(await callSnapshot(page))}`, { cause: error });
  }
  return Date.now() - start;
}

/** Resolves once no frame was decoded for `quietMs`: the outage has reached the picture. */
export async function stalled(page: TestPage, quietMs = 500, timeout = 10_000): Promise<void> {
  try {
    await page.waitForFunction((quietMs) => performance.now() - (window as any).T.gap.last >= quietMs, quietMs, { timeout, polling: 50 });
  } catch (error) {
    throw new Error(`frames still decoded ${timeout} ms on: ${JSON.stringify(await callSnapshot(page).catch(() => null))}`, { cause: error });
  }
}

/**
 * Waits until the other person's audio arrives and is decoded: packets and decoded samples (not
 * concealment of lost ones) keep coming. Read in the page from inbound-rtp every 100 ms. (The
 * audio's energy cannot be asked for: a headless browser without a sound device reports 0.)
 */
export async function expectAudioFlowing(page: TestPage, timeout = 20_000): Promise<void> {
  await run(page, `
    clearInterval(T.audioSampler);
    T.audio = { first: null, last: null };
    T.audioSampler = setInterval(async () => {
      (await room.pc?.getStats())?.forEach((s) => {
        if (s.type !== 'inbound-rtp' || s.kind !== 'audio') return;
        T.audio.last = { packets: s.packetsReceived ?? 0, samples: s.totalSamplesReceived === undefined ? null : s.totalSamplesReceived - (s.concealedSamples ?? 0) };
        T.audio.first ??= T.audio.last;
      });
    }, 100);
  `);
  try {
    await page.waitForFunction(() => {
      const { first, last } = (window as any).T.audio;
      if (!first || !last) return false;
      // Firefox reports no samples for audio: its packets count.
      return last.packets > first.packets + 20 && (last.samples === null || last.samples > first.samples + 8_000);
    }, null, { timeout });
  } catch (error) {
    throw new Error(`no audio flowing: ${JSON.stringify(await run(page, 'return T.audio;').catch(() => null))}`, { cause: error });
  } finally {
    await run(page, 'clearInterval(T.audioSampler);').catch(() => {});
  }
}
