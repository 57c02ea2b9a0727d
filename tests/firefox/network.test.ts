// A call between Chromium and Firefox on a real network (tests/helpers/netns.ts): the server,
// Chromium and Firefox each in a network namespace of their own. Firefox's cable is pulled for
// 4 s, in a call started by either browser, and the video must be back on both sides within
// seconds of the return, with no error and nobody reported gone.
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { packageVersion } from '../../server/paths.js';
import { openPage } from '../helpers/browser.js';
import { launchFirefox, type FirefoxSide } from '../helpers/firefox.js';
import { events, framesBack, installHarness, stalled, startCall, state, watchFrames, type TestPage } from '../helpers/harness.js';
import { createNetwork, launchBrowserIn, netnsUnavailable, startServerIn, type Host, type Network, type NetnsServer } from '../helpers/netns.js';
import { uniqueRoom } from '../helpers/server.js';

const unavailable = netnsUnavailable();
if (unavailable) console.warn(`[netns] skipping the real-network Firefox tests: ${unavailable}`);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const names = async (page: TestPage, ...wanted: string[]) => (await events(page)).map((e) => e.name).filter((name) => wanted.includes(name));

describe.skipIf(unavailable !== null)('Firefox and Chromium on a real network', () => {
  let net: Network;
  let server: NetnsServer;
  let chromiumHost: Host;
  let firefoxHost: Host;
  let chromium: Browser;
  let firefox: FirefoxSide;
  const closers: Array<() => Promise<unknown>> = [];
  /** What each side's SDK logged in the current test, printed when it fails (or with NETNS_LOG=1). */
  const logs: Record<'Chromium' | 'Firefox', string[]> = { Chromium: [], Firefox: [] };
  const stamp = () => new Date().toISOString().slice(14, 23);

  beforeEach(({ onTestFinished }) => {
    logs.Chromium = [];
    logs.Firefox = [];
    onTestFinished(({ task }) => {
      if (!process.env.NETNS_LOG && task.result?.state !== 'fail') return;
      for (const [who, lines] of Object.entries(logs)) console.log(`[netns] ${who}'s log:\n${lines.join('\n')}`);
    });
  });

  beforeAll(async () => {
    net = await createNetwork();
    const serverHost = await net.addHost('server');
    [chromiumHost, firefoxHost] = await Promise.all([net.addHost('chromium'), net.addHost('firefox')]);
    server = await startServerIn(serverHost, { CIGNAL_RECONNECT_GRACE_MS: '60000' });
    [chromium, firefox] = await Promise.all([launchBrowserIn(chromiumHost, { secureOrigins: [server.url] }), launchFirefox({ host: firefoxHost })]);
  });

  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close().catch(() => {})));
    await firefoxHost?.linkUp().catch(() => {});
  });

  afterAll(async () => {
    await chromium?.close().catch(() => {});
    await firefox?.close().catch(() => {});
    await server?.stop().catch(() => {});
    await net?.destroy();
  });

  async function pages(): Promise<{ c: TestPage; f: TestPage }> {
    const { context, page: c } = await openPage(chromium, `${server.url}/healthz`);
    closers.push(() => context.close());
    await firefox.page.goto(`${server.url}/healthz`);
    closers.push(() => firefox.page.goto('about:blank'));
    const f = firefox.page;
    // The SDK's log, its format strings left as they are (enough to read what happened when).
    c.on('console', (message) => logs.Chromium.push(`${stamp()} ${message.text()}`));
    const onFirefoxConsole = (message: { text(): string }) => logs.Firefox.push(`${stamp()} ${message.text()}`);
    f.page.on('console', onFirefoxConsole);
    closers.push(async () => f.page.off('console', onFirefoxConsole));
    for (const page of [c, f]) await page.evaluate(() => localStorage.setItem('debug', 'cignal-client:*'));
    await Promise.all([installHarness(c, packageVersion), installHarness(f, packageVersion)]);
    return { c, f };
  }

  for (const caller of ['chromium', 'firefox'] as const) {
    it(`${caller} calls; Firefox's network is cut for 4 s: video again on both sides within seconds of its return`, async () => {
      const { c, f } = await pages();
      const [a, b] = caller === 'chromium' ? [c, f] : [f, c];
      await startCall(a, b, uniqueRoom(`ff-net-${caller}`));
      await Promise.all([watchFrames(c), watchFrames(f)]);
      await firefoxHost.linkDown();
      await Promise.all([stalled(c), stalled(f)]);
      await sleep(4_000);
      await firefoxHost.linkUp();
      // The issue asks for 3 s; the bound leaves room for a loaded machine, and the figure is printed.
      const [msC, msF] = await Promise.all([framesBack(c, 8_000, 'Chromium'), framesBack(f, 8_000, 'Firefox')]);
      console.log(`[netns] ${caller} called, Firefox cut 4 s: video back ${msC} ms (Chromium) / ${msF} ms (Firefox) after the network returned`);
      for (const page of [c, f]) await expect.poll(() => state(page), { timeout: 10_000 }).toBe('in-call');
      for (const page of [c, f]) expect(await names(page, 'peerHangUp', 'clientError', 'serverError')).toEqual([]);
    }, 90_000);
  }
});
