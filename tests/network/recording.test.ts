// A recording across a real network outage: the server, Alice's Chromium and Bob's Chromium each
// in a network namespace of their own (tests/helpers/netns.ts); Alice records with Bob's consent,
// her link is cut for 4 s and comes back, and the recording is still one valid WebM file of the
// whole length, picture and sound to the end.
// The network files run one at a time (`npm test`): MediaRecorder encodes the 720p picture in
// software on a thread of its own, which another file's two calls and their outages on the same
// two cores starve into dropping pictures while the page itself runs.
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { packageVersion } from '../../server/paths.js';
import { openPage } from '../helpers/browser.js';
import { callBetween, events, framesBack, installHarness, run, stalled, waitForEvent, watchFrames } from '../helpers/harness.js';
import { createNetwork, launchBrowserIn, netnsUnavailable, startServerIn, type Host, type Network, type NetnsServer } from '../helpers/netns.js';
import { keepRecording, longestStall, probeRecording, watchStalls } from '../helpers/recording.js';
import { uniqueRoom } from '../helpers/server.js';

const unavailable = netnsUnavailable();
if (unavailable) console.warn(`[netns] skipping the recording outage test: ${unavailable}`);

const OUTAGE_MS = 4_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Resolves once the page has recorded for `ms` since `T.started`, measured in the page. */
const recordedFor = (page: Page, ms: number) => page.waitForFunction((ms) => performance.now() - (window as any).T.started >= ms, ms, { polling: 100, timeout: ms + 30_000 });

describe.skipIf(unavailable !== null)('recording across a network outage', () => {
  let net: Network;
  let server: NetnsServer;
  let alice: Host;
  let browsers: Browser[] = [];
  const pages: Page[] = [];

  beforeAll(async () => {
    net = await createNetwork();
    const serverHost = await net.addHost('server');
    alice = await net.addHost('alice');
    const bob = await net.addHost('bob');
    server = await startServerIn(serverHost, { CIGNAL_RECONNECT_GRACE_MS: '60000' });
    browsers = await Promise.all([alice, bob].map((host) => launchBrowserIn(host, { secureOrigins: [server.url] })));
  });

  afterEach(async () => {
    await Promise.all(pages.splice(0).map((page) => page.context().close().catch(() => {})));
    await alice?.linkUp().catch(() => {});
  });

  afterAll(async () => {
    await Promise.all(browsers.map((browser) => browser.close().catch(() => {})));
    await server?.stop().catch(() => {});
    await net?.destroy();
  });

  it('a recording across a 4 s outage is one valid file of the full length', async () => {
    const queue = [...browsers];
    const open = async () => {
      const { page } = await openPage(queue.shift()!, `${server.url}/healthz`);
      await installHarness(page, packageVersion);
      pages.push(page);
      return page;
    };
    const [a, b] = await callBetween(open, uniqueRoom('rec'));
    await Promise.all([watchFrames(a), watchFrames(b)]);
    await keepRecording(a);
    await run(a, 'T.asked = room.startRecording();');
    await waitForEvent(b, 'recordingRequested');
    await run(b, 'room.acceptRecording();');
    expect(await run(a, 'const result = await T.asked; T.started = performance.now(); return result;')).toEqual({ success: true });
    await watchStalls(a);
    await recordedFor(a, 1500);

    const downAt = await run<number>(a, 'return performance.now() - T.started;');
    await alice.linkDown();
    await Promise.all([stalled(a), stalled(b)]);
    await sleep(OUTAGE_MS); // the outage itself
    const upAt = await run<number>(a, 'return performance.now() - T.started;');
    await alice.linkUp();
    await Promise.all([framesBack(a, 15_000, 'Alice'), framesBack(b, 15_000, 'Bob')]);
    // A moment of the call after it came back, then Alice stops.
    const back = await run<number>(a, 'return performance.now() - T.started;');
    await recordedFor(a, back + 1500);
    const recordedMs = await run<number>(a, 'const ms = performance.now() - T.started; await room.stopRecording(); return ms;');
    expect(recordedMs).toBeGreaterThan(7_000);

    const file = await probeRecording(a, 30_000);
    expect(file.streams.map((s) => s.type).sort()).toEqual(['audio', 'video']);
    // One file: picture and sound from the start to the end, through the outage (from the
    // recorder's start, a moment before Alice was told it records: all the time shown as recorded).
    expect(file.durationMs).toBeGreaterThanOrEqual(recordedMs);
    expect(Math.abs(file.durationS * 1000 - file.durationMs)).toBeLessThan(1000);
    expect(Math.abs(file.ends.video! * 1000 - file.durationMs)).toBeLessThan(1000);
    expect(Math.abs(file.ends.audio! * 1000 - file.durationMs)).toBeLessThan(1000);
    // The picture held through the outage (the last frame of Bob, Alice's self-view going on): no
    // stretch of the file without pictures anywhere near as long as the outage, which a recorder
    // that draws only while Bob's pictures come would leave (5-6 s: checked). Shorter gaps are the
    // machine's: the page draws the pictures and MediaRecorder encodes them on a thread of its own,
    // and on a machine too busy for either they are late or dropped (gaps of 1 s with the page
    // kept from running for 0.6 s seen here, 2.4-2.8 s in CI); the page's own stalls are measured
    // for the message.
    const stall = await longestStall(a);
    const where = `pictures stop for ${file.gaps.video} s from ${file.gapsAt.video} s into the file; the page could not run or render for ${stall} s; the link was down from ${(downAt / 1000).toFixed(1)} s to ${(upAt / 1000).toFixed(1)} s`;
    expect(file.gaps.video, where).toBeLessThan(OUTAGE_MS / 1000 - 0.5);
    // The recording went on all along: started once, stopped once, by Alice.
    const states = (await events(a, 'recordingState')).map((e) => e.arg.state);
    expect(states).toEqual(['asked', 'recording', 'stopped']);
  }, 120_000);
});
