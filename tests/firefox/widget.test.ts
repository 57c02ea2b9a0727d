// <cignal-call> between Firefox and Chromium, by its buttons: two pages of a site on another
// origin embedding README's snippet, one in each browser. A call started from either browser
// carries video both ways, and hanging up on one side ends it on the other.
import type { Browser as PlaywrightBrowser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, openPage } from '../helpers/browser.js';
import { startEmbedSite, type EmbedSite } from '../helpers/embed-site.js';
import { launchFirefox, type FirefoxSide } from '../helpers/firefox.js';
import type { TestPage } from '../helpers/harness.js';
import { startServer, uniqueRoom, type TestServer } from '../helpers/server.js';

let server: TestServer;
let site: EmbedSite;
let chromium: PlaywrightBrowser;
let firefox: FirefoxSide;
let contexts: BrowserContext[] = [];

beforeAll(async () => {
  [server, chromium, firefox] = await Promise.all([startServer({ reconnectGraceMs: 2_000 }), launchBrowser(), launchFirefox()]);
  site = await startEmbedSite(server.url);
});
afterAll(async () => {
  await Promise.all([chromium?.close(), firefox?.close(), site?.close()]);
  await server?.close();
});
afterEach(async () => {
  await Promise.all([...contexts.splice(0).map((context) => context.close()), firefox.page.goto('about:blank').catch(() => {})]);
});

const embedUrl = (room: string, name: string) => `${site.url}/module.html?room=${room}&attr=${encodeURIComponent(`peer-name=${name}`)}`;

/** Opens the embedding page in Chromium and starts recording the element's events. */
async function visitInChromium(room: string, name: string): Promise<Page> {
  const { context, page } = await openPage(chromium, embedUrl(room, name));
  contexts.push(context);
  await recordEvents(page);
  return page;
}

/** Opens the embedding page in Firefox and starts recording the element's events. */
async function visitInFirefox(room: string, name: string): Promise<TestPage> {
  await firefox.page.goto(embedUrl(room, name));
  await recordEvents(firefox.page);
  return firefox.page;
}

/** Clicks a control of the element in Firefox, as a person would (puppeteer pierces the shadow root with `>>>`). */
const clickInFirefox = (part: string) => firefox.page.page.locator(`cignal-call >>> [part~="${part}"]`).click();
const clickInChromium = (page: Page, part: string) => page.locator(`cignal-call [part~="${part}"]`).click();

/** Records the element's cignal-peer-hang-up and cignal-remote-stream events (both come after the page loaded). */
function recordEvents(page: TestPage): Promise<unknown> {
  return page.evaluate(() => {
    (window as any).seen = [];
    for (const name of ['cignal-peer-hang-up', 'cignal-remote-stream']) {
      document.addEventListener(name, (event) => {
        const detail = (event as CustomEvent).detail;
        (window as any).seen.push({ name, detail: detail instanceof MediaStream ? { stream: detail.id } : detail });
      });
    }
  });
}

const seen = (page: TestPage, name: string): Promise<Array<{ detail: any }>> => page.evaluate((name) => (window as any).seen.filter((e: { name: string }) => e.name === name), name);
const peerId = (page: TestPage): Promise<string> => page.evaluate(() => (document.querySelector('cignal-call') as any).cignal.data.myPeerId);

const remoteStateText = (page: TestPage): Promise<string> => page.evaluate(() => document.querySelector('cignal-call')!.shadowRoot!.querySelector('[part~="remote-state"]')?.textContent ?? '');
/** Waits until the element shows the other person's `what` (`microphone`, `camera`) as `on` or `off`. */
const waitForRemoteState = (page: TestPage, what: string, value: 'on' | 'off') =>
  page.waitForFunction(
    ([what, value]) => document.querySelector('cignal-call')?.shadowRoot?.querySelector('[part~="remote-state"]')?.getAttribute(`data-${what}`) === value,
    [what, value],
    { timeout: 15_000 },
  );

/** Waits until the element's `state` attribute says `state`. */
async function waitForState(page: TestPage, state: string, timeout = 20_000): Promise<void> {
  try {
    await page.waitForFunction((state) => document.querySelector('cignal-call')?.getAttribute('state') === state, state, { timeout });
  } catch (error) {
    // A script refused (a stale integrity hash, say) leaves the element undefined, without a state.
    const now = await page
      .evaluate(() => (customElements.get('cignal-call') ? document.querySelector('cignal-call')?.getAttribute('state') : '<cignal-call> not defined'))
      .catch(() => null);
    throw new Error(`state is ${now}, not ${state}`, { cause: error });
  }
}

/**
 * Resolves once the element's remote video has a size and new frames keep being presented,
 * counted with requestVideoFrameCallback (Firefox's getVideoPlaybackQuality() counts no frames
 * of a MediaStream).
 */
async function remoteVideoPlays(page: TestPage, timeout = 20_000): Promise<void> {
  try {
    await page.waitForFunction(() => (document.querySelector('cignal-call')?.shadowRoot?.querySelector<HTMLVideoElement>('[part~="remote-video"]')?.videoWidth ?? 0) > 0, null, { timeout });
    await page.evaluate(() => {
      const video = document.querySelector('cignal-call')!.shadowRoot!.querySelector<HTMLVideoElement>('[part~="remote-video"]')! as HTMLVideoElement & { counted?: boolean };
      (window as any).remoteFrames = 0;
      if (video.counted) return;
      video.counted = true;
      const count = () => {
        (window as any).remoteFrames++;
        video.requestVideoFrameCallback(count);
      };
      video.requestVideoFrameCallback(count);
    });
    await page.waitForFunction(() => (window as any).remoteFrames > 10, null, { timeout });
  } catch (error) {
    const video = await page
      .evaluate(() => {
        const v = document.querySelector('cignal-call')?.shadowRoot?.querySelector<HTMLVideoElement>('[part~="remote-video"]');
        return v && { width: v.videoWidth, paused: v.paused, currentTime: v.currentTime, frames: (window as any).remoteFrames };
      })
      .catch(() => null);
    throw new Error(`no remote video playing: ${JSON.stringify(video)}`, { cause: error });
  }
}

describe('<cignal-call> between Firefox and Chromium', () => {
  it('Firefox calls Chromium with its Call button: video plays on both sides, mute and camera buttons show across, and Chromium hanging up ends it on Firefox', async () => {
    const room = uniqueRoom('widget');
    const fox = await visitInFirefox(room, 'Firefox');
    const chrome = await visitInChromium(room, 'Chromium');
    await Promise.all([waitForState(fox, 'ready'), waitForState(chrome, 'ready')]);

    await clickInFirefox('call-button');
    await Promise.all([waitForState(fox, 'in-call'), waitForState(chrome, 'in-call')]);
    await Promise.all([remoteVideoPlays(fox), remoteVideoPlays(chrome)]);
    expect(await seen(fox, 'cignal-remote-stream')).toHaveLength(1);
    expect(await seen(chrome, 'cignal-remote-stream')).toHaveLength(1);

    // Each sees the other's name, and a button pressed on one side shows on the other.
    expect(await remoteStateText(fox)).toContain('Chromium');
    expect(await remoteStateText(chrome)).toContain('Firefox');
    await clickInFirefox('mic-button');
    await waitForRemoteState(chrome, 'microphone', 'off');
    await clickInChromium(chrome, 'camera-button');
    await waitForRemoteState(fox, 'camera', 'off');

    await clickInChromium(chrome, 'hangup-button');
    await waitForState(chrome, 'ended');
    await waitForState(fox, 'waiting');
    expect((await seen(fox, 'cignal-peer-hang-up')).map((e) => e.detail.peerId)).toEqual([await peerId(chrome)]);
  }, 60_000);

  it('Chromium calls Firefox with its Call button: video plays on both sides, and Firefox hanging up ends it on Chromium', async () => {
    const room = uniqueRoom('widget');
    const chrome = await visitInChromium(room, 'Chromium');
    const fox = await visitInFirefox(room, 'Firefox');
    await Promise.all([waitForState(fox, 'ready'), waitForState(chrome, 'ready')]);

    await clickInChromium(chrome, 'call-button');
    await Promise.all([waitForState(fox, 'in-call'), waitForState(chrome, 'in-call')]);
    await Promise.all([remoteVideoPlays(fox), remoteVideoPlays(chrome)]);

    await clickInFirefox('hangup-button');
    await waitForState(fox, 'ended');
    await waitForState(chrome, 'waiting');
    expect((await seen(chrome, 'cignal-peer-hang-up')).map((e) => e.detail.peerId)).toEqual([await peerId(fox)]);
  }, 60_000);
});
