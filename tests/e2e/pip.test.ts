// <cignal-call>'s picture-in-picture between two real pages embedding README's snippet, under
// README's strict policy: Chromium's Document Picture-in-Picture window shows the other person
// playing, its buttons work (the other page is told), and closing it leaves the call in the element.
// Its code (`parts/pip.js`) comes from beside the element's script when a call starts; a press
// before it is there waits for it, and a part that cannot be loaded leaves the call as it was.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageVersion } from '../../server/paths.js';
import { browserSuite } from '../helpers/browser.js';
import { recordViolations, violations } from '../helpers/csp.js';
import { documentedPolicy, remoteVideoPlays, responsesTo, startEmbedSite, type EmbedSite } from '../helpers/embed-site.js';
import { uniqueRoom } from '../helpers/server.js';

const suite = browserSuite({ reconnectGraceMs: 30_000 });
let site: EmbedSite;

beforeAll(async () => {
  site = await startEmbedSite(suite.server.url, { headers: { 'content-security-policy': documentedPolicy(suite.server.url) } });
});
afterAll(() => site?.close());

/** The loads of the picture-in-picture part each page made, as `<status> <url>`. */
const partLoads = new Map<Page, string[]>();

/** Opens a page of the site with the module snippet (or the classic one); `before` runs ahead of its scripts. */
async function visit(room: string, name: string, { classic = false, before }: { classic?: boolean; before?: (page: Page) => Promise<unknown> } = {}): Promise<Page> {
  const page = await suite.open();
  await recordViolations(page);
  partLoads.set(page, responsesTo(page, '/parts/pip.js'));
  await before?.(page);
  await page.goto(classic ? `${site.url}/classic.html?roomId=${room}` : `${site.url}/module.html?room=${room}&attr=${encodeURIComponent(`peer-name=${name}`)}`);
  // Every opening and closing of picture-in-picture, as the page hears of it.
  await page.evaluate(() => {
    const seen: unknown[] = ((window as any).pipChanges = []);
    document.querySelector('cignal-call')!.addEventListener('cignal-pip-change', (event) => seen.push(event.detail));
  });
  return page;
}

const part = (page: Page, name: string) => page.locator(`cignal-call [part~="${name}"]`);
const stateOf = (page: Page) => page.locator('cignal-call').getAttribute('state');
const pipChanges = (page: Page) => page.evaluate(() => (window as any).pipChanges);
/** The part's file on the server's versioned CDN path. */
const partUrl = () => `${suite.server.url}/cignal@${packageVersion}/parts/pip.js`;

/** The element's shadow root, or the picture-in-picture window's (the one element in its body). */
type Where = 'element' | 'window';

/** Resolves once the remote video in `page` (the element's, or the picture-in-picture window's) decodes frames that keep coming. */
async function videoPlays(page: Page, where: Where): Promise<void> {
  const frames = () =>
    page.evaluate((where) => {
      const root = document.querySelector(where === 'element' ? 'cignal-call' : 'body > div')!.shadowRoot!;
      const video = root.querySelector<HTMLVideoElement>('[part~="remote-video"]');
      return video && video.videoWidth > 0 && !video.paused ? video.getVideoPlaybackQuality().totalVideoFrames : 0;
    }, where);
  await expect.poll(frames, { timeout: 20_000 }).toBeGreaterThan(3);
  const before = await frames();
  await expect.poll(frames, { timeout: 20_000 }).toBeGreaterThan(before + 5);
}

describe('<cignal-call> picture-in-picture in Chromium', () => {
  it('the button opens a window where the other person plays and the microphone button mutes for the other page; closing it leaves the call playing in the element', async () => {
    const room = uniqueRoom('pip');
    const alice = await visit(room, 'Alice');
    const bob = await visit(room, 'Bob');
    await expect.poll(() => stateOf(alice), { timeout: 15_000 }).toBe('ready');
    await part(alice, 'call-button').click();
    await Promise.all([remoteVideoPlays(alice), remoteVideoPlays(bob)]);
    // The part came with the call, before any press: the click finds it there.
    expect(partLoads.get(alice)).toEqual([`200 ${partUrl()}`]);

    const opened = alice.context().waitForEvent('page');
    await part(alice, 'pip-button').click();
    const pip = await opened;
    expect(await part(alice, 'pip-button').getAttribute('aria-pressed')).toBe('true');
    expect(await pipChanges(alice)).toEqual([{ open: true, kind: 'document' }]);

    // The other person plays in the window, with the element's own styles (a themed button).
    await videoPlays(pip, 'window');
    const button = (name: string) => pip.locator(`[part~="${name}"]`);
    expect(await button('mic-button').getAttribute('aria-label')).toBe('Microphone');
    expect(await button('mic-button').evaluate((el) => getComputedStyle(el).borderRadius)).toBe('50%');

    // Its microphone button mutes: Bob's page shows Alice muted, and so does Alice's element.
    await button('mic-button').click();
    await expect.poll(() => part(bob, 'remote-state').getAttribute('data-microphone'), { timeout: 10_000 }).toBe('off');
    expect(await button('mic-button').getAttribute('aria-pressed')).toBe('false');
    expect(await part(alice, 'mic-button').getAttribute('aria-pressed')).toBe('false');
    // And the camera button stops the camera for Bob.
    await button('camera-button').click();
    await expect.poll(() => part(bob, 'remote-state').getAttribute('data-camera'), { timeout: 10_000 }).toBe('off');

    // Closing the window (as a person does with its close button) leaves the video playing in the element.
    await pip.close();
    await expect.poll(() => pipChanges(alice)).toEqual([{ open: true, kind: 'document' }, { open: false, kind: 'document' }]);
    expect(await part(alice, 'pip-button').getAttribute('aria-pressed')).toBe('false');
    await videoPlays(alice, 'element');
    expect(await stateOf(alice)).toBe('in-call');
    expect((await violations(alice)).events).toEqual([]);
  }, 120_000);

  it('hanging up in the window ends the call on both sides and closes the window', async () => {
    const room = uniqueRoom('pip-hangup');
    const alice = await visit(room, 'Alice');
    const bob = await visit(room, 'Bob');
    await expect.poll(() => stateOf(alice), { timeout: 15_000 }).toBe('ready');
    await part(alice, 'call-button').click();
    await Promise.all([remoteVideoPlays(alice), remoteVideoPlays(bob)]);

    const opened = alice.context().waitForEvent('page');
    await part(alice, 'pip-button').click();
    const pip = await opened;
    const closed = pip.waitForEvent('close');
    await pip.locator('[part~="hangup-button"]').click();
    await closed;
    await expect.poll(() => stateOf(bob), { timeout: 10_000 }).not.toBe('in-call');
    expect(await stateOf(alice)).toBe('ended');
    expect(await pipChanges(alice)).toEqual([{ open: true, kind: 'document' }, { open: false, kind: 'document' }]);
    expect(await part(alice, 'pip-button').count()).toBe(0);
  }, 120_000);

  it('with the classic build, a press while the part is still on its way waits for it, and the window opens', async () => {
    const room = uniqueRoom('pip-late');
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let asked!: () => void;
    const requested = new Promise<void>((resolve) => (asked = resolve));
    // The part's response is held back until after the press.
    const alice = await visit(room, 'Alice', {
      classic: true,
      before: (page) =>
        page.route('**/parts/pip.js', async (route) => {
          asked();
          await held;
          await route.continue();
        }),
    });
    const bob = await visit(room, 'Bob');
    await expect.poll(() => stateOf(alice), { timeout: 15_000 }).toBe('ready');
    await part(alice, 'call-button').click();
    await Promise.all([remoteVideoPlays(alice), remoteVideoPlays(bob)]);
    await requested;
    expect(partLoads.get(alice)).toEqual([]);

    const opened = alice.context().waitForEvent('page');
    await part(alice, 'pip-button').click();
    expect(await pipChanges(alice)).toEqual([]);
    release();
    const pip = await opened;
    await videoPlays(pip, 'window');
    expect(await pipChanges(alice)).toEqual([{ open: true, kind: 'document' }]);
    expect(await part(alice, 'pip-button').getAttribute('aria-pressed')).toBe('true');
    // From beside the classic script too.
    expect(partLoads.get(alice)).toEqual([`200 ${partUrl()}`]);
    expect((await violations(alice)).events).toEqual([]);
  }, 120_000);

  it('when the part cannot be loaded (404), the button stays, a press opens nothing and logs a warning, and the call goes on', async () => {
    const room = uniqueRoom('pip-404');
    const warnings: string[] = [];
    const alice = await visit(room, 'Alice', {
      before: async (page) => {
        page.on('console', (message) => {
          if (message.type() === 'warning' && message.text().includes('picture-in-picture could not be loaded')) warnings.push(message.text());
        });
        await page.addInitScript(() => localStorage.setItem('debug', 'cignal-client:WARN:*'));
        await page.route('**/parts/pip.js', (route) => route.fulfill({ status: 404, body: 'Not found' }));
      },
    });
    const bob = await visit(room, 'Bob');
    await expect.poll(() => stateOf(alice), { timeout: 15_000 }).toBe('ready');
    await part(alice, 'call-button').click();
    await Promise.all([remoteVideoPlays(alice), remoteVideoPlays(bob)]);
    // Loaded when the call started, and failed.
    await expect.poll(() => warnings.length).toBeGreaterThan(0);

    const before = warnings.length;
    await part(alice, 'pip-button').click();
    await expect.poll(() => warnings.length).toBeGreaterThan(before);
    expect(alice.context().pages()).toHaveLength(1);
    expect(await pipChanges(alice)).toEqual([]);
    expect(await part(alice, 'pip-button').getAttribute('aria-pressed')).toBe('false');
    expect(await alice.evaluate(() => document.querySelector('cignal-call')!.enterPictureInPicture())).toEqual({ success: false });
    expect(await stateOf(alice)).toBe('in-call');
    await remoteVideoPlays(alice);
  }, 120_000);
});
