// <cignal-call> in Firefox on a page served with README's strict Content-Security-Policy and
// Trusted Types, calling the same page in Chromium: video both ways, no violation on either side.
import type { Browser as PlaywrightBrowser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPage } from '../helpers/browser.js';
import { listenForViolations, provokeViolations, recordViolations, violations } from '../helpers/csp.js';
import { documentedPolicy, remoteVideoPlays as chromiumVideoPlays, startEmbedSite, type EmbedSite } from '../helpers/embed-site.js';
import { launchFirefox, type FirefoxSide } from '../helpers/firefox.js';
import type { TestPage } from '../helpers/harness.js';
import { startServer, uniqueRoom, type TestServer } from '../helpers/server.js';

let server: TestServer;
let site: EmbedSite;
let chromium: PlaywrightBrowser;
let firefox: FirefoxSide;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  [server, chromium, firefox] = await Promise.all([startServer({ reconnectGraceMs: 2_000 }), launchBrowser(), launchFirefox()]);
  site = await startEmbedSite(server.url, { headers: { 'content-security-policy': documentedPolicy(server.url) } });
});
afterAll(async () => {
  await Promise.all(contexts.map((context) => context.close()));
  await firefox?.page.goto('about:blank').catch(() => {});
  await Promise.all([chromium?.close(), firefox?.close(), site?.close()]);
  await server?.close();
});

const stateOf = (page: TestPage) => page.evaluate(() => document.querySelector('cignal-call')?.getAttribute('state') ?? null);

/** Frames presented by the element's remote video, counted with requestVideoFrameCallback (Firefox counts none in getVideoPlaybackQuality). */
async function firefoxVideoPlays(page: TestPage): Promise<void> {
  await page.waitForFunction(() => (document.querySelector('cignal-call')?.shadowRoot?.querySelector<HTMLVideoElement>('[part~="remote-video"]')?.videoWidth ?? 0) > 0, null, { timeout: 20_000 });
  await page.evaluate(() => {
    const video = document.querySelector('cignal-call')!.shadowRoot!.querySelector<HTMLVideoElement>('[part~="remote-video"]')!;
    (window as any).remoteFrames = 0;
    const count = () => {
      (window as any).remoteFrames++;
      video.requestVideoFrameCallback(count);
    };
    video.requestVideoFrameCallback(count);
  });
  await page.waitForFunction(() => (window as any).remoteFrames > 10, null, { timeout: 20_000 });
}

describe('<cignal-call> in Firefox under the documented strict policy', () => {
  it('calls Chromium under the same policy with video both ways, and neither browser reports a violation', async () => {
    const room = uniqueRoom('csp-firefox');
    await firefox.page.page.evaluateOnNewDocument(listenForViolations);
    await firefox.page.goto(`${site.url}/module.html?room=${room}`);
    const fox = firefox.page;
    const { context, page: chrome } = await openPage(chromium);
    contexts.push(context);
    await recordViolations(chrome);
    await chrome.goto(`${site.url}/classic.html?roomId=${room}`);

    await expect.poll(() => stateOf(fox), { timeout: 15_000 }).toBe('ready');
    await expect.poll(() => stateOf(chrome), { timeout: 15_000 }).toBe('ready');
    await firefox.page.page.locator('cignal-call >>> [part~="call-button"]').click();
    await Promise.all([firefoxVideoPlays(fox), chromiumVideoPlays(chrome as Page)]);
    // The element's own styles apply in Firefox too, with no style source allowed to the page.
    expect(await fox.evaluate(() => getComputedStyle(document.querySelector('cignal-call')!.shadowRoot!.querySelector('[part~="controls"]')!).display)).toBe('flex');

    // Firefox fetches the page's own /favicon.ico under img-src, which this bare page (default-src
    // 'none', no icon) refuses: that is the page's business, not the element's.
    const pageIcon = `${site.url}/favicon.ico`;
    expect((await violations(fox)).events.filter((v) => v.blocked !== pageIcon)).toEqual([]);
    expect(await violations(chrome)).toEqual({ events: [], console: [] });
    // Firefox enforces the policy and reports what breaks it: the recording is not blind.
    const expected = await provokeViolations(fox);
    await expect.poll(async () => (await violations(fox)).events.filter((v) => v.blocked !== pageIcon).map((v) => v.directive).sort()).toEqual([...expected].sort());
  }, 90_000);
});
