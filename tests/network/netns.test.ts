// The real-network harness itself: the server, Alice's Chromium and Bob's Chromium each in their
// own network namespace on one bridge (tests/helpers/netns.ts), and a call whose media really
// takes the namespaces' addresses. The faults are in recovery.test.ts.
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageVersion } from '../../server/paths.js';
import { openPage } from '../helpers/browser.js';
import { callBetween, installHarness } from '../helpers/harness.js';
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
});
