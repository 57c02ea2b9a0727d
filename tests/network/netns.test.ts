// A call over a real network: the server, Alice's Chromium and Bob's Chromium each in their own
// network namespace on one bridge (tests/helpers/netns.ts). Pulls Alice's cable for 4 s and
// moves her to a new address, and watches decoded video frames on both sides.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageVersion } from '../../server/paths.js';
import { openPage } from '../helpers/browser.js';
import { callBetween, callSnapshot, installHarness } from '../helpers/harness.js';
import { createNetwork, launchBrowserIn, netnsUnavailable, startServerIn, type Host, type Network, type NetnsServer } from '../helpers/netns.js';
import { uniqueRoom } from '../helpers/server.js';

const unavailable = netnsUnavailable();
if (unavailable) console.warn(`[netns] skipping the real-network tests: ${unavailable}`);

/** Decoded frames of the remote video so far, and its width. */
function video(page: Page): Promise<{ frames: number; width: number }> {
  return page.evaluate(() => {
    const v = (window as any).T.video as HTMLVideoElement | null;
    return { frames: v?.getVideoPlaybackQuality().totalVideoFrames ?? 0, width: v?.videoWidth ?? 0 };
  });
}

/** Resolves with the ms it took until more than `after + 5` frames were decoded, with a real size. */
async function framesAfter(page: Page, after: number, timeout: number): Promise<number> {
  const start = Date.now();
  await page.waitForFunction(
    (after) => {
      const v = (window as any).T.video as HTMLVideoElement | null;
      return !!v && v.videoWidth > 0 && v.getVideoPlaybackQuality().totalVideoFrames > after + 5;
    },
    after,
    { timeout, polling: 50 },
  );
  return Date.now() - start;
}

interface MediaPath {
  local?: string;
  remote?: string;
  /** The host candidates the page offered (address port typ host). */
  offered: string[];
  /** Video RTP packets received and sent so far. */
  received?: number;
  sent?: number;
}

/** The candidate pair the call's media takes, the host candidates offered, the video packets counted. */
function path(page: Page): Promise<MediaPath> {
  return page.evaluate(async () => {
    const pc = (window as any).T.room.pc as RTCPeerConnection;
    const stats = await pc.getStats();
    let pair: any;
    let received: number | undefined;
    let sent: number | undefined;
    stats.forEach((s: any) => {
      if (s.type === 'transport' && s.selectedCandidatePairId) pair = stats.get(s.selectedCandidatePairId);
      if (s.type === 'inbound-rtp' && s.kind === 'video') received = s.packetsReceived;
      if (s.type === 'outbound-rtp' && s.kind === 'video') sent = s.packetsSent;
    });
    const describe = (id?: string) => {
      const c = id ? stats.get(id) : undefined;
      return c && `${c.candidateType} ${c.address}:${c.port}`;
    };
    const offered = (pc.localDescription?.sdp.match(/^a=candidate:.*$/gm) ?? []).map((line) => line.split(' ').slice(4, 8).join(' '));
    return { local: describe(pair?.localCandidateId), remote: describe(pair?.remoteCandidateId), offered: [...new Set(offered)], received, sent };
  });
}

/**
 * Resolves true once no new frame was decoded for `quietMs` (the frames buffered before a cut have
 * played out), or false if the video kept coming for `timeout` ms.
 */
async function stalls(page: Page, quietMs: number, timeout: number): Promise<boolean> {
  const seen = page.waitForFunction(
    (quietMs) => {
      const w = window as any;
      const n = (w.T.video as HTMLVideoElement).getVideoPlaybackQuality().totalVideoFrames;
      if (w.lastFrames !== n) [w.lastFrames, w.lastFrameAt] = [n, performance.now()];
      return performance.now() - w.lastFrameAt >= quietMs;
    },
    quietMs,
    { timeout, polling: 50 },
  );
  return seen.then(() => true, () => false);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(unavailable !== null)('a call over a real network (network namespaces)', () => {
  let net: Network;
  let server: NetnsServer;
  let alice: Host;
  let bob: Host;
  const browsers: Browser[] = [];
  let a: Page;
  let b: Page;

  beforeAll(async () => {
    net = await createNetwork();
    const serverHost = await net.addHost('server');
    alice = await net.addHost('alice');
    bob = await net.addHost('bob');
    server = await startServerIn(serverHost, { CIGNAL_RECONNECT_GRACE_MS: '30000' });
    // http://10.213.… is not a secure context (only localhost is): getUserMedia needs the flag.
    browsers.push(...(await Promise.all([alice, bob].map((host) => launchBrowserIn(host, { secureOrigins: [server.url] })))));
  });

  afterAll(async () => {
    await Promise.all(browsers.map((browser) => browser.close().catch(() => {})));
    await server?.stop().catch(() => {});
    await net?.destroy();
  });

  it('carries a call between Alice and Bob, each in their own namespace, over the bridge', async () => {
    // callBetween opens its two pages in order: Alice's in her browser, then Bob's in his.
    const queue = [...browsers];
    const open = async () => {
      const { page } = await openPage(queue.shift()!, `${server.url}/healthz`);
      await installHarness(page, packageVersion);
      return page;
    };
    [a, b] = await callBetween(open, uniqueRoom('netns'));
    for (const page of [a, b]) expect((await video(page)).width).toBeGreaterThan(0);
    const [pathA, pathB] = await Promise.all([path(a), path(b)]);
    console.log(`[netns] server ${server.url}; Alice ${alice.address} offers ${pathA.offered.join(', ')}; Bob ${bob.address} offers ${pathB.offered.join(', ')}`);
    console.log(`[netns] media path: Alice ${pathA.local} -> ${pathA.remote}; Bob ${pathB.local} -> ${pathB.remote}`);
    // The media goes between the namespaces' own addresses, not over some loopback.
    expect(pathA.local).toContain(alice.address);
    expect(pathB.local).toContain(bob.address);
  }, 60_000);

  it("comes back after Alice's link is down for 4 s", async () => {
    await alice.linkDown();
    await sleep(2_000);
    const mid = await Promise.all([video(a), video(b)]);
    await sleep(2_000);
    const end = await Promise.all([video(a), video(b)]);
    // The cut is real: no frames got through in the second half of the outage, either way.
    expect(end[0].frames - mid[0].frames).toBeLessThanOrEqual(2);
    expect(end[1].frames - mid[1].frames).toBeLessThanOrEqual(2);
    await alice.linkUp();
    try {
      const [msA, msB] = await Promise.all([framesAfter(a, end[0].frames, 30_000), framesAfter(b, end[1].frames, 30_000)]);
      console.log(`[netns] link down 4 s: video back ${msA} ms (Alice) / ${msB} ms (Bob) after the link came up`);
    } catch (error) {
      throw new Error(`no video after the link came back: ${JSON.stringify(await Promise.all([callSnapshot(a), callSnapshot(b)]))}`, { cause: error });
    }
  }, 60_000);

  // Reported, not asserted: without an ICE restart on a network change the SDK is not expected
  // to survive a new address yet. Becomes an assertion with that fix.
  it('reports whether the call survives Alice moving to a new address (Wi-Fi to cellular)', async ({ annotate }) => {
    const [beforeA, beforeB] = await Promise.all([path(a), path(b)]);
    const { from, to } = await alice.changeAddress();
    const start = Date.now();
    // Frames already in the jitter buffer still play after the change: wait until they ran out.
    const [stallA, stallB] = await Promise.all([stalls(a, 500, 3_000), stalls(b, 500, 3_000)]);
    const after = await Promise.all([video(a), video(b)]);
    const left = 20_000 - (Date.now() - start);
    const back = (page: Page, frames: number) => framesAfter(page, frames, left).then(() => Date.now() - start);
    const results = await Promise.allSettled([back(a, after[0].frames), back(b, after[1].frames)]);
    const outcome = results.map((r, i) =>
      !(i ? stallB : stallA) ? 'never stopped' : r.status === 'fulfilled' ? `back ${r.value} ms after the change` : 'not back within 20 s',
    );
    const [pathA, pathB, snapA, snapB] = await Promise.all([path(a), path(b), callSnapshot(a), callSnapshot(b)]);
    const message = `changeAddress ${from} -> ${to}: Alice's video ${outcome[0]}, Bob's ${outcome[1]}`;
    const packets = (name: string, before: MediaPath, now: MediaPath) =>
      `${name} ${now.local} -> ${now.remote}, video packets +${now.sent! - before.sent!} sent, +${now.received! - before.received!} received`;
    console.log(`[netns] ${message}`);
    console.log(`[netns] media paths now: ${packets('Alice', beforeA, pathA)}; ${packets('Bob', beforeB, pathB)}`);
    console.log(`[netns] after changeAddress: Alice ${JSON.stringify(snapA)}; Bob ${JSON.stringify(snapB)}`);
    await annotate(message, results.every((r) => r.status === 'fulfilled') ? 'notice' : 'warning');
  }, 45_000);
});
